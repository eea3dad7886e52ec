"""The inspector: a clicked feature map enlarged beside the kernel that made it."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.tools.mouse import draw_digit, image_point
from gui.widgets.colour_bar import scale_texts
from gui.widgets.tiles import positive_levels, symmetric_levels


def test_click_a_feature_map_shows_it_beside_its_kernel(window, qtbot):
    draw_digit(window.canvas, 3)
    window.current_probabilities()
    panel = window.activations_view.panels["relu2"]
    y, x = panel.tiles.origin(5)
    pos = image_point(panel.view, y + panel.shape[1] / 2, x + panel.shape[2] / 2)
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pos)
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: (inspector.layer, inspector.channel) == ("relu2", 5))
    K = window.model.layers[3].params["K"]                       # conv2: (32, 64, 5, 5)
    assert np.array_equal(inspector.kernel, K[:, 5])
    assert np.array_equal(inspector.array, window.current_result().activations["relu2"][5])
    assert panel.selected == 5
    assert "conv2" in inspector.kernel_title.text()


def test_the_inspector_shows_the_levels_of_the_map_and_the_kernel(window, qtbot):
    draw_digit(window.canvas, 8)
    window.current_probabilities()
    window.activations_view.select_map("conv2", 9)           # a signed map
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: inspector.array is not None and inspector.channel == 9)
    assert inspector.map_bar.texts() == scale_texts(symmetric_levels(inspector.array))
    assert inspector.kernel_bar.texts() == scale_texts(symmetric_levels(inspector.kernel))
    assert inspector.subtitle_label.text() == "10×10"
    window.activations_view.select_map("relu1", 2)            # a non-negative map
    qtbot.waitUntil(lambda: inspector.layer == "relu1")
    assert inspector.map_bar.texts() == scale_texts(positive_levels(inspector.array))
    assert inspector.map_bar.texts()[1:3] == ("0", "")

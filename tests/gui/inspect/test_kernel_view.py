"""The Kernels tab: every convolution kernel of the shown model; a layer with
several input channels shows one output map's kernel at a time, its slices
labelled by input map; colour bars give the levels."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.nn.layers import Conv2D
from gui.tools.mouse import image_point
from gui.widgets.colour_bar import scale_texts
from gui.widgets.tiles import symmetric_levels


def _show_kernels(window, qtbot):
    window.tabs.setCurrentWidget(window.kernel_view)
    qtbot.waitExposed(window.kernel_view)
    qtbot.wait(20)


def test_kernel_view_shows_every_conv_kernel(window):
    convs = [layer for layer in window.model.layers if isinstance(layer, Conv2D)]
    assert list(window.kernel_view.panels) == [layer.name for layer in convs]
    for layer in convs:
        panel = window.kernel_view.panels[layer.name]
        assert np.array_equal(panel.weights, layer.params["K"])
        c_in, d_out, k1, k2 = layer.params["K"].shape
        assert panel.view.array.shape == panel.tiles.shape
        assert (panel.tiles.tile_h, panel.tiles.tile_w) == (k1 + panel.label_rows, k2)
        if c_in == 1:        # all kernels, labelled by the output map they make
            assert panel.output_spin is None and panel.tiles.n == d_out
            assert panel.view.labels() == [str(d) for d in range(d_out)]
        else:                # one output map: its C_in slices, labelled by input map
            assert panel.tiles.n == c_in and panel.output_spin.maximum() == d_out - 1
            assert panel.output_spin.text() == f"output map 0 of {d_out}"
            assert panel.view.labels() == [f"in {i}" for i in range(c_in)]
            assert np.array_equal(panel.shown_kernels(), layer.params["K"][:, 0])
        assert panel.colour_bar.texts() == scale_texts(symmetric_levels(
            panel.shown_kernels(), percentile=99.5))


def test_the_spin_box_steps_through_the_output_maps(window, qtbot):
    _show_kernels(window, qtbot)
    panel = window.kernel_view.panels["conv2"]
    K = window.model.layers[3].params["K"]                        # conv2: (32, 64, 5, 5)
    panel.output_spin.setFocus()
    QTest.keyClick(panel.output_spin, Qt.Key.Key_Up)
    QTest.keyClick(panel.output_spin, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: panel.output == 2)
    assert panel.output_spin.text() == "output map 2 of 64"
    assert np.array_equal(panel.shown_kernels(), K[:, 2])
    i = 7                                                        # slice "in 7", weight [1, 3]
    tile = np.asarray(panel.view.array)
    y, x = panel.tiles.origin(i)
    np.testing.assert_allclose(tile[y + panel.label_rows:y + panel.tiles.tile_h, x:x + 5], K[i, 2])
    assert panel.colour_bar.texts() == scale_texts(symmetric_levels(K[:, 2], percentile=99.5))


def test_hovering_and_clicking_a_slice_names_and_opens_its_output_map(window, qtbot):
    _show_kernels(window, qtbot)
    panel = window.kernel_view.panels["conv2"]
    panel.set_output(5)
    assert panel.output_spin.value() == 5
    qtbot.wait(20)
    y, x = panel.tiles.origin(3)
    pos = image_point(panel.view, y + panel.label_rows + 1.5, x + 2.5)   # weight [1, 2] of "in 3"
    QTest.mouseMove(panel.view.viewport(), pos)
    qtbot.waitUntil(lambda: panel.readout.text().startswith("output map 5 ← input 3"))
    w = window.model.layers[3].params["K"][3, 5, 1, 2]
    assert panel.readout.text() == f"output map 5 ← input 3  [1, 2] = {w:+.3g}"
    with qtbot.waitSignal(window.kernel_view.sigKernelClicked, timeout=2000) as clicked:
        QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, pos)
    assert clicked.args == ["conv2", 5]
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: (inspector.layer, inspector.channel) == ("conv2", 5))
    assert window.tabs.currentWidget() is window.activations_view


def test_the_label_rows_are_not_weights(window, qtbot):
    _show_kernels(window, qtbot)
    panel = window.kernel_view.panels["conv1"]
    y, x = panel.tiles.origin(4)
    QTest.mouseMove(panel.view.viewport(), image_point(panel.view, y + 0.5, x + 2.5))
    qtbot.wait(30)
    assert panel.readout.text() == ""
    QTest.mouseMove(panel.view.viewport(), image_point(panel.view, y + panel.label_rows + 0.5,
                                                       x + 2.5))
    qtbot.waitUntil(lambda: panel.readout.text().startswith("output map 4 ← input 0  [0, 2]"))

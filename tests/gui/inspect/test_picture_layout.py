"""Pictures keep what is written about them next to them, at every window size:
the network input's caption right under the input, the kernel's colour scale
right under the kernel, and the inspector's statistics line whole."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gui.tools.mouse import draw_digit, image_point

#: Pixels allowed between a picture's bottom edge and the line under it.
NEAR = 8


def gap_under(picture, below, panel) -> int:
    """Pixels from ``picture``'s bottom edge to ``below``'s top, in ``panel``."""
    bottom = picture.mapTo(panel, QPoint(0, picture.height())).y()
    return below.mapTo(panel, QPoint(0, 0)).y() - bottom


def click_map(window, qtbot, layer: str, channel: int) -> None:
    panel = window.activations_view.panels[layer]
    y, x = panel.tiles.origin(channel)
    pos = image_point(panel.view, y + panel.shape[1] / 2, x + panel.shape[2] / 2)
    QTest.mouseMove(panel.view.viewport(), pos)
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pos)
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: (inspector.layer, inspector.channel) == (layer, channel))


@pytest.mark.parametrize("size", [(980, 640), (1240, 760), (1900, 1150)])
def test_the_network_input_caption_sits_right_under_the_picture(make_window, playground_model,
                                                                qtbot, size):
    window = make_window(playground_model, size=size)
    draw_digit(window.canvas, 3)
    window.current_probabilities()
    panel = window.input_view
    picture = panel.view
    qtbot.waitUntil(lambda: 0 <= gap_under(picture, panel.readout, panel) <= NEAR)
    assert picture.height() <= picture.width()                  # never taller than the square
    assert picture.width() >= 84 and picture.height() >= 84
    assert panel.readout.text() == "28 × 28 pixels"
    title_bottom = panel.title_label.mapTo(panel, QPoint(0, panel.title_label.height())).y()
    assert picture.mapTo(panel, QPoint(0, 0)).y() - title_bottom <= NEAR


@pytest.mark.parametrize("size", [(980, 640), (1900, 1150)])
def test_the_kernel_colour_scale_sits_right_under_the_kernel(make_window, playground_model,
                                                             qtbot, size):
    window = make_window(playground_model, size=size)
    draw_digit(window.canvas, 3)
    window.current_probabilities()
    inspector = window.activations_view.inspector
    for layer in ("conv1", "relu2"):               # a 5×5 kernel, then 32 slices of one
        window.activations_view.select_map(layer, 3)          # (as a click on the map does)
        box = inspector.kernel_box
        qtbot.waitUntil(lambda: inspector.lower.currentWidget() is box and box.isVisible())
        rows, cols = box.view.array.shape
        qtbot.waitUntil(lambda: 0 <= gap_under(box.view, box.bar, box) <= NEAR)
        assert box.view.height() <= box.view.width() * rows / cols + 1
        assert box.view.height() >= 60


def test_the_longest_map_statistics_are_never_cut_in_the_smallest_window(make_window,
                                                                         playground_model, qtbot):
    window = make_window(playground_model, size=(980, 640))
    draw_digit(window.canvas, 3)
    acts = window.current_result().activations["conv1"]

    def written(c: int) -> tuple[str, str, str]:
        a = acts[c]
        return (f"{a.min():.2g}", f"{a.max():.2g}", f"{a.mean(dtype=np.float64):.2g}")
    channel = max(range(len(acts)), key=lambda c: (sum(map(len, written(c))), -c))
    click_map(window, qtbot, "conv1", channel)
    shown = window.activations_view.inspector.stats_label.shown_text()
    assert "…" not in shown
    for figure in written(channel):
        assert figure in shown
    assert "mean" in shown

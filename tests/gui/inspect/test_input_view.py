"""The network-input view: the 28x28 image the network really receives."""
from __future__ import annotations

import numpy as np

from engine.data.preprocess import to_model_input
from gui.tools.mouse import draw_digit


def test_network_input_view_shows_the_preprocessed_drawing(window):
    draw_digit(window.canvas, 7)
    result = window.current_result()
    expected = to_model_input(window.canvas.to_array())[0]
    assert np.array_equal(window.input_view.image, expected)
    assert np.array_equal(result.image, expected)


def test_hovering_a_pixel_reads_out_its_value(window, qtbot):
    from PySide6.QtTest import QTest

    from gui.tools.mouse import image_point
    draw_digit(window.canvas, 7)
    window.current_probabilities()
    view = window.input_view
    QTest.mouseMove(view.view.viewport(), image_point(view.view, 14.5, 13.5))
    qtbot.waitUntil(lambda: view.readout.text().startswith("["))
    r, c = (int(v) for v in view.readout.text()[1:view.readout.text().index("]")].split(","))
    assert abs(r - 14) <= 1 and abs(c - 13) <= 1
    assert view.readout.text() == f"[{r}, {c}] = {view.image[r, c]:.2f}"

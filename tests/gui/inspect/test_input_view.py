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

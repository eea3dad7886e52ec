"""Image coordinates under the mouse -> the pixel read out (or none outside)."""
from __future__ import annotations

import pytest

from gui.widgets.image_view import pixel_under


@pytest.mark.parametrize("y, x, expected", [
    (0.0, 0.0, (0, 0)), (27.99, 27.99, (27, 27)), (14.5, 3.2, (14, 3)),
    (-0.01, 5.0, None), (5.0, -0.5, None), (28.0, 5.0, None), (5.0, 28.0, None),
])
def test_pixel_under(y, x, expected):
    assert pixel_under((28, 28), y, x) == expected


def test_pixel_under_a_wide_image():
    assert pixel_under((3, 200), 2.5, 150.0) == (2, 150)
    assert pixel_under((3, 200), 3.0, 150.0) is None

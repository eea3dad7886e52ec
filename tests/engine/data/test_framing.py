"""The framings and their frame maps: the map puts the input's ink back on
the drawing's ink, for the MNIST framing (with and without stroke thinning)
and the plain resize."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.frame_map import FrameMap
from engine.data.framing import FRAMINGS, frame_drawing, plain_resize
from engine.data.preprocess import to_model_input


def _canvas_with_box(top: int, left: int, bottom: int, right: int, side: int = 280,
                     hollow: int | None = None) -> np.ndarray:
    img = np.zeros((side, side), np.uint8)
    img[top:bottom, left:right] = 255
    if hollow:
        img[top + hollow:bottom - hollow, left + hollow:right - hollow] = 0
    return img


def _ink_box(img: np.ndarray, level: float) -> tuple[int, int, int, int]:
    rows = np.flatnonzero((img > level).any(axis=1))
    cols = np.flatnonzero((img > level).any(axis=0))
    return rows[0], cols[0], rows[-1] + 1, cols[-1] + 1


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("box,hollow", [((40, 100, 240, 160), 12),    # a tall ring
                                        ((150, 30, 200, 250), 10),    # a wide ring, low
                                        ((200, 200, 260, 240), 6),    # small
                                        ((150, 150, 230, 230), 20)])  # small, thick: thinned
def test_frame_map_puts_the_input_ink_on_the_drawn_ink(framing, box, hollow):
    img = _canvas_with_box(*box, hollow=hollow)
    x, frame = frame_drawing(img, framing)
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    top, left, bottom, right = frame.canvas_rect(*_ink_box(x[0], 0.05))
    tol = 1.0 / frame.scale                      # one input pixel, in canvas pixels
    # the same centre; inside the drawn box; thinning erodes it by a few canvas pixels
    assert abs((top + bottom) / 2 - (box[0] + box[2]) / 2) < tol
    assert abs((left + right) / 2 - (box[1] + box[3]) / 2) < tol
    assert box[0] - tol < top and box[1] - tol < left
    assert bottom < box[2] + tol and right < box[3] + tol
    assert bottom - top > (box[2] - box[0]) * 0.8


def test_the_thick_ring_is_thinned_so_its_map_differs_from_the_plain_crop():
    img = _canvas_with_box(150, 150, 230, 230, hollow=20)
    thin = frame_drawing(img)[1]
    from engine.data.preprocess import frame_like_mnist
    thick = frame_like_mnist(img, max_stroke_width=None)[1]
    assert thin.scale > thick.scale       # the eroded ink box is smaller: a larger scale


def test_mnist_framing_is_to_model_input_and_the_default():
    img = _canvas_with_box(60, 90, 230, 170, hollow=20)
    x, frame = frame_drawing(img)
    np.testing.assert_array_equal(x, to_model_input(img))
    assert frame.scale == pytest.approx(20 / 170)


def test_plain_resize_keeps_place_and_size():
    img = _canvas_with_box(0, 0, 70, 70)          # a small square in the top-left corner
    x, frame = plain_resize(img)
    assert frame.scale == pytest.approx(0.1) and frame.origin == (0.0, 0.0)
    np.testing.assert_allclose(x[0, :7, :7], 1.0)
    assert x[0, 7:].max() == 0 and x[0, :, 7:].max() == 0


def test_nothing_drawn_is_none_for_every_framing():
    for framing in FRAMINGS:
        assert frame_drawing(np.zeros((280, 280), np.uint8), framing) is None


def test_unknown_framing_is_refused():
    with pytest.raises(ValueError, match="unknown framing"):
        frame_drawing(_canvas_with_box(10, 10, 200, 200), "stretch")


def test_frame_map_round_trip_and_validation():
    frame = FrameMap(0.1, (12.5, -3.0))
    assert frame.to_input(*frame.to_canvas(4.0, 27.0)) == pytest.approx((4.0, 27.0))
    assert frame.canvas_rect(0, 0, 28, 28) == pytest.approx((12.5, -3.0, 292.5, 277.0))
    with pytest.raises(ValueError):
        FrameMap(0.0, (0.0, 0.0))

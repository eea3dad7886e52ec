"""The NumPy round pen: coverage profile, caps, union of segments, segment
splitting, and placing strokes as a writer would (height, slant, margins)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.pen_render import (DEFAULT_PEN, MARGIN, MAX_SLANT, draw, lines_to_segments, pen_px, place,
                                    random_slants, render_segments)


def expected_profile(distance, pen):
    """The documented coverage: clip(pen/2 + 0.5 - distance, 0, 1), as uint8."""
    return np.round(np.clip(pen / 2 + 0.5 - distance, 0.0, 1.0) * 255)


def ink_box(canvas):
    rows, cols = np.nonzero(canvas)
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


@pytest.mark.parametrize("row, pen", [(50.5, 10.0), (50.3, 10.0), (40.8, 7.3), (60.0, 1.5)])
def test_horizontal_segment_has_the_round_pen_profile(row, pen):
    canvas = render_segments(np.array([[row, 20.0]]), np.array([[row, 80.0]]), pen, 100)
    distance = np.abs(np.arange(100) + 0.5 - row)  # pixel centres to the segment
    for col in (30, 50, 70):  # away from the caps the profile is the same in every column
        np.testing.assert_allclose(canvas[:, col], expected_profile(distance, pen), atol=1)
    assert canvas.dtype == np.uint8 and canvas.shape == (100, 100)


def test_segment_ends_are_round_caps_and_a_point_is_a_disc():
    pen = 12.0
    canvas = render_segments(np.array([[50.5, 20.5]]), np.array([[50.5, 70.5]]), pen, 100)
    beyond = np.abs(np.arange(100) + 0.5 - 70.5)  # along the axis past the end: distance to the end point
    np.testing.assert_allclose(canvas[50, 71:], expected_profile(beyond[71:], pen), atol=1)
    dot = render_segments(np.array([[30.0, 30.0]]), np.array([[30.0, 30.0]]), pen, 60)
    yy, xx = np.mgrid[:60, :60] + 0.5
    np.testing.assert_allclose(dot, expected_profile(np.hypot(yy - 30, xx - 30), pen), atol=1)
    assert abs(dot.sum() / 255 - np.pi * (pen / 2) ** 2) < 0.02 * np.pi * (pen / 2) ** 2


def test_crossing_strokes_take_the_maximum_not_the_sum():
    a = np.array([[50.0, 10.0], [10.0, 50.0]])
    b = np.array([[50.0, 90.0], [90.0, 50.0]])
    both = render_segments(a, b, 9.0, 100)
    one = render_segments(a[:1], b[:1], 9.0, 100)
    other = render_segments(a[1:], b[1:], 9.0, 100)
    np.testing.assert_array_equal(both, np.maximum(one, other))


def test_ink_outside_the_canvas_is_clipped():
    canvas = render_segments(np.array([[-30.0, 10.0]]), np.array([[30.0, 10.0]]), 8.0, 40)
    assert canvas[0, 10] == 255 and canvas[:, 30:].max() == 0


def test_lines_to_segments_splits_long_segments_along_the_same_path():
    line = np.array([[0.0, 0.0], [0.0, 10.0], [7.0, 10.0]])
    a, b = lines_to_segments([line, np.array([[5.0, 5.0]])], max_len=3.0)
    lengths = np.hypot(*(b - a).T)
    assert len(a) == 4 + 3 + 1 and lengths.max() <= 3.0 + 1e-12
    np.testing.assert_allclose(lengths[:-1].sum(), 17.0)
    np.testing.assert_array_equal(b[:-2], a[1:-1])  # pieces join end to end
    np.testing.assert_array_equal(a[-1], b[-1])  # the one-point stroke is a dot


def test_draw_equals_rendering_the_whole_segments():
    lines = [np.array([[20.0, 20.0], [60.0, 100.0], [120.0, 40.0]]), np.array([[100.0, 100.0]])]
    a = np.array([[20.0, 20.0], [60.0, 100.0], [100.0, 100.0]])
    b = np.array([[60.0, 100.0], [120.0, 40.0], [100.0, 100.0]])
    diff = draw(lines, 140, 9.0).astype(int) - render_segments(a, b, 9.0, 140).astype(int)
    assert np.abs(diff).max() <= 1


def digit_like_strokes():
    """A '7' in MNIST-like units: a bar and a slanted leg."""
    return [np.array([[6.0, 8.0], [6.0, 20.0], [22.0, 12.0]])]


@pytest.mark.parametrize("side, pen_ref, height", [(280, 25.0, 0.4), (280, 12.0, 0.85), (400, 40.0, 0.6),
                                                   (280, 40.0, 0.35)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_place_gives_the_ink_height_and_keeps_the_margins(side, pen_ref, height, seed):
    pen = pen_px(pen_ref, side)
    placed = place(digit_like_strokes(), side, pen, height, 0.0, np.random.default_rng(seed))
    pts = np.concatenate(placed)
    ink_lo, ink_hi = pts.min(0) - pen / 2, pts.max(0) + pen / 2
    assert ink_hi[0] - ink_lo[0] == pytest.approx(height * side)
    assert (ink_lo >= MARGIN - 1e-9).all() and (ink_hi <= side - MARGIN + 1e-9).all()
    top, bottom, left, right = ink_box(draw(placed, side, pen))
    assert top >= MARGIN - 1 and left >= MARGIN - 1 and bottom <= side - MARGIN + 1 and right <= side - MARGIN + 1
    assert bottom - top == pytest.approx(height * side, abs=2)


def test_place_shrinks_a_digit_too_wide_or_too_tall_to_fit():
    side, pen = 280, pen_px(DEFAULT_PEN, 280)
    wide = [np.array([[10.0, 0.0], [12.0, 40.0]])]  # 20x wider than tall
    pts = np.concatenate(place(wide, side, pen, 0.8, 0.0, np.random.default_rng(0)))
    assert np.ptp(pts[:, 1]) + pen == pytest.approx(side - 2 * MARGIN)
    pts = np.concatenate(place(digit_like_strokes(), side, pen, 1.0, 0.0, np.random.default_rng(0)))
    assert np.ptp(pts[:, 0]) + pen == pytest.approx(side - 2 * MARGIN)


def test_place_slants_about_the_mean_row_and_positions_vary():
    strokes = [np.array([[0.0, 10.0], [20.0, 10.0]])]  # a vertical stroke
    upright = place(strokes, 280, 20.0, 0.6, 0.0, np.random.default_rng(3))[0]
    slanted = place(strokes, 280, 20.0, 0.6, MAX_SLANT, np.random.default_rng(3))[0]
    assert upright[0, 1] == pytest.approx(upright[1, 1])
    # a positive slant leans the top to the right: col decreases with the row
    assert (slanted[1, 1] - slanted[0, 1]) / (slanted[1, 0] - slanted[0, 0]) == pytest.approx(-MAX_SLANT)
    origins = {tuple(np.round(place(strokes, 280, 20.0, 0.5, 0.0, np.random.default_rng(s))[0][0]))
               for s in range(5)}
    assert len(origins) == 5


def test_units_and_slants():
    assert pen_px(25.0, 400) == pytest.approx(35.714, abs=1e-3)
    assert pen_px(DEFAULT_PEN, 280) == DEFAULT_PEN
    s = random_slants(np.random.default_rng(0), 1000)
    assert s.shape == (1000,) and np.abs(s).max() <= MAX_SLANT and s.std() > MAX_SLANT / 2

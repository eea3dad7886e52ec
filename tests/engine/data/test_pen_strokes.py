"""Pen strokes recovered from digit images: thinning, the skeleton graph,
spur pruning, tracing, simplification and the whole extraction."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.pen_render import draw
from engine.data.pen_strokes import (extract_strokes, prune_spurs, rdp, skeleton_graph, smooth_skeleton,
                                     stroke_width, trace_polylines, upsample_bilinear, zhang_suen)


def disc_mask(side, centre, radius):
    yy, xx = np.mgrid[:side, :side] + 0.5
    return np.hypot(yy - centre[0], xx - centre[1]) <= radius


def thick_l(side=64, width=9):
    """An L: a vertical bar joined to a horizontal bar, ``width`` px thick."""
    m = np.zeros((side, side), bool)
    m[8:52, 10:10 + width] = True
    m[52 - width:52, 10:56] = True
    return m


def components_8(mask):
    """Number of 8-connected components (flood fill, test oracle)."""
    seen = np.zeros_like(mask)
    count = 0
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        count += 1
        stack = [start]
        seen[start] = True
        while stack:
            y, x = stack.pop()
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    v = (y + dy, x + dx)
                    if (0 <= v[0] < mask.shape[0] and 0 <= v[1] < mask.shape[1]
                            and mask[v] and not seen[v]):
                        seen[v] = True
                        stack.append(v)
    return count


def point_to_segment(p, a, b):
    a, b, p = map(np.asarray, (a, b, p))
    t = np.clip(((p - a) @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0)
    return np.hypot(*(p - (a + t[..., None] * (b - a))).T)


# --------------------------------------------------------------------------- thinning


def test_thick_bar_thins_to_a_one_pixel_centre_line():
    m = np.zeros((40, 80), bool)
    m[15:24, 10:70] = True  # 9 px thick, rows 15..23, centre row 19
    S = zhang_suen(m[None])[0]
    interior = S[:, 20:60]
    assert (interior.sum(0) == 1).all()  # one pixel per column: 1 px wide
    assert (np.abs(np.nonzero(interior)[0] - 19) <= 1).all()
    assert not (S & ~m).any()


@pytest.mark.parametrize("mask", [thick_l(), disc_mask(48, (24, 24), 14) & ~disc_mask(48, (24, 24), 6)],
                         ids=["L", "ring"])
def test_thinning_gives_a_connected_one_pixel_skeleton(mask):
    S = zhang_suen(mask[None])[0]
    assert S.sum() > 20 and not (S & ~mask).any()
    assert not (S[:-1, :-1] & S[1:, :-1] & S[:-1, 1:] & S[1:, 1:]).any()  # no 2x2 block
    assert components_8(S) == components_8(mask) == 1


def test_batch_thinning_equals_one_at_a_time():
    masks = np.stack([thick_l(), np.zeros((64, 64), bool), thick_l().T, thick_l(width=3)])
    batch = zhang_suen(masks)
    for m, s in zip(masks, batch):
        np.testing.assert_array_equal(zhang_suen(m[None])[0], s)
    assert not batch[1].any()


def test_upsample_bilinear_keeps_constants_and_centres():
    x = np.full((2, 5, 7), 3.0)
    up = upsample_bilinear(x, 4)
    assert up.shape == (2, 20, 28) and up.dtype == np.float32
    np.testing.assert_allclose(up[:, 2:-2, 2:-2], 3.0, rtol=1e-6)  # inside: exact interpolation
    ramp = np.arange(6, dtype=np.float32)[None, None, :].repeat(3, 1)  # value = column
    up = upsample_bilinear(ramp, 4)
    cols = (np.arange(24) + 0.5) / 4 - 0.5  # sample positions in input pixels
    np.testing.assert_allclose(up[0, 6, 2:-2], cols[2:-2], atol=1e-6)  # an inner row


# --------------------------------------------------------------------------- graph


def test_diagonal_edges_only_where_no_four_path_exists():
    S = np.zeros((4, 4), bool)
    S[0, 0] = S[0, 1] = S[1, 1] = True  # corner: 4-path (0,0)-(0,1)-(1,1)
    S[2, 2] = True  # only diagonally connected to (1,1)
    pos, edges = skeleton_graph(S)
    np.testing.assert_array_equal(pos, [[0.5, 0.5], [0.5, 1.5], [1.5, 1.5], [2.5, 2.5]])
    assert sorted(map(tuple, np.sort(edges, 1).tolist())) == [(0, 1), (1, 2), (2, 3)]


def chain(points):
    pos = np.asarray(points, float)
    return pos, np.stack([np.arange(len(pos) - 1), np.arange(1, len(pos))], 1)


def test_prune_spurs_removes_short_branches_only():
    pos, edges = chain([(0, x) for x in range(20)])  # main line, nodes 0..19
    spur = np.array([(1, 10), (2, 10), (3, 10)], float)  # 3 nodes hanging off node 10
    pos = np.concatenate([pos, spur])
    edges = np.concatenate([edges, [[10, 20], [20, 21], [21, 22]]])
    p2, e2 = prune_spurs(pos, edges, 6)
    np.testing.assert_array_equal(p2, pos[:20])
    assert len(e2) == 19
    p3, e3 = prune_spurs(pos, edges, 3)  # 3 nodes is not "fewer than 3": kept
    assert len(p3) == 23 and len(e3) == 22


def test_smoothing_moves_only_degree_two_nodes():
    pos, edges = chain([(0, 0), (1, 1), (0, 2), (1, 3), (0, 4)])  # zigzag
    out = smooth_skeleton(pos, edges, iters=3)
    np.testing.assert_array_equal(out[[0, -1]], pos[[0, -1]])
    assert np.ptp(out[1:-1, 0]) < np.ptp(pos[1:-1, 0])  # the staircase flattens


def test_trace_keeps_open_lines_loops_and_dots():
    pos, edges = chain([(0, x) for x in range(5)])  # nodes 0..4
    loop = np.array([(10, 0), (10, 1), (11, 1), (11, 0)], float)  # nodes 5..8
    pos = np.concatenate([pos, loop, [(20.0, 20.0)]])  # node 9: an isolated dot
    edges = np.concatenate([edges, [[5, 6], [6, 7], [7, 8], [8, 5]]])
    lines = trace_polylines(pos, edges)
    dots = [p for p in lines if len(p) == 1]
    closed = [p for p in lines if len(p) > 1 and (p[0] == p[-1]).all()]
    open_ = [p for p in lines if len(p) > 1 and (p[0] != p[-1]).any()]
    assert len(lines) == 3 and len(dots) == len(closed) == len(open_) == 1
    np.testing.assert_array_equal(dots[0], [[20.0, 20.0]])
    assert len(closed[0]) == 5 and {tuple(p) for p in closed[0]} == set(map(tuple, loop))
    assert {tuple(open_[0][0]), tuple(open_[0][-1])} == {(0.0, 0.0), (0.0, 4.0)}


def test_trace_splits_a_t_junction_into_three_strokes():
    pos, edges = chain([(0, x) for x in range(7)])
    pos = np.concatenate([pos, [(1, 3), (2, 3)]])
    edges = np.concatenate([edges, [[3, 7], [7, 8]]])
    lines = trace_polylines(pos, edges)
    assert sorted(len(p) for p in lines) == [3, 4, 4]
    assert sum(len(p) - 1 for p in lines) == len(edges)  # every edge used once


# --------------------------------------------------------------------------- simplification


def test_rdp_keeps_corners_and_drops_points_within_tolerance():
    t = np.linspace(0, 10, 41)
    wobble = 0.03 * np.sin(7 * t)
    leg1 = np.stack([wobble, t], 1)  # along the row 0, to (0, 10)
    leg2 = np.stack([t, 10 + wobble], 1)[1:]  # down to (10, 10)
    out = rdp(np.concatenate([leg1, leg2]), 0.1)
    np.testing.assert_allclose(out, [[0, 0], [0, 10], [10, 10]], atol=0.05)
    assert len(rdp(np.concatenate([leg1, leg2]), 0.01)) > 3  # below the wobble: points stay


def test_rdp_handles_short_and_closed_lines():
    two = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert rdp(two, 0.1) is two
    square = np.array([(0, 0), (0, 5), (5, 5), (5, 0), (0, 0)], float)
    np.testing.assert_array_equal(rdp(square, 0.1), square)  # start == end: distances to the point


# --------------------------------------------------------------------------- extraction


@pytest.mark.parametrize("a, b, pen", [((6.0, 8.0), (21.0, 18.0), 2.0), ((14.0, 5.0), (14.0, 23.0), 2.5),
                                       ((5.0, 20.0), (22.0, 7.0), 3.0)])
def test_drawn_straight_line_traces_back_to_one_polyline(a, b, pen):
    img = draw([np.array([a, b])], 28, pen)  # a 28 x 28 "digit"
    (line,) = extract_strokes(img[None])[0]
    ends = sorted([tuple(line[0]), tuple(line[-1])])
    np.testing.assert_allclose(ends, sorted([a, b]), atol=1.0)
    assert point_to_segment(line, a, b).max() < 0.5


def test_extract_strokes_of_an_empty_image_is_empty_and_batches_agree():
    imgs = np.stack([np.zeros((28, 28), np.uint8), draw([np.array([(5.0, 5.0), (20.0, 20.0)])], 28, 2.5)])
    out = extract_strokes(imgs)
    assert out[0] == [] and len(out[1]) == 1
    np.testing.assert_array_equal(extract_strokes(imgs[1:])[0][0], out[1][0])


def test_stroke_width_of_a_long_bar_is_its_width():
    x = np.zeros((2, 1, 28, 200), np.float32)
    x[0, 0, 10:13, 5:195] = 1.0
    x[1, 0, 10:15, 5:195] = 0.9
    np.testing.assert_allclose(stroke_width(x), [3.0, 5.0], rtol=0.05)

"""engine.nn.functional, max pooling: ``max_pooling_forward`` /
``max_pooling_backward`` against the loop oracle (with many tied maxima, the
zero padding taking part in the max) and finite differences, on the tiled
(window == stride) and overlapping/gapped paths; the floor output size.

Shapes: ``z: (N, C, H, W)`` -> ``(N, C, Ho, Wo)``, ``Ho = 1 + (H + 2*p1 - k1) // s1``;
each window's gradient goes to its first maximum in row-major order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.nn import functional as F
from tests.support import oracle as O
from tests.support.functional_checks import DTYPE_IDS, DTYPES, assert_grad, assert_matches
from tests.support.gradcheck import numerical_gradient


# ================================================================== pooling
@dataclass(frozen=True)
class PoolCase:
    name: str
    n: int
    c: int
    h: int
    w: int
    pooling: tuple
    strides: tuple
    padding: tuple
    seed: int

    def __str__(self):
        return self.name

    @property
    def out_hw(self):
        return (O.output_size(self.h, self.pooling[0], self.padding[0], self.strides[0]),
                O.output_size(self.w, self.pooling[1], self.padding[1], self.strides[1]))


POOL_CASES = [
    #        name                      N  C   H   W  pooling  strides  padding  seed
    # pooling == strides: the engine's tiled fast path
    PoolCase("2x2_s2",                 2, 3,  8,  8, (2, 2), (2, 2), (0, 0), 201),
    PoolCase("2x2_s2_odd_7x9",         2, 2,  7,  9, (2, 2), (2, 2), (0, 0), 202),
    PoolCase("2x2_s2_p1",              1, 2,  7,  9, (2, 2), (2, 2), (1, 1), 203),
    PoolCase("2x2_s2_p1x0",            1, 1,  5,  5, (2, 2), (2, 2), (1, 0), 204),
    PoolCase("3x3_s3_p1",              1, 2,  9, 11, (3, 3), (3, 3), (1, 1), 205),
    PoolCase("2x3_s2x3",               2, 2,  7,  9, (2, 3), (2, 3), (0, 0), 206),
    PoolCase("1x1_s1",                 1, 1,  4,  4, (1, 1), (1, 1), (0, 0), 207),
    # pooling != strides: overlapping windows / gaps, the bincount path
    PoolCase("3x3_s2",                 2, 2,  7,  9, (3, 3), (2, 2), (0, 0), 208),
    PoolCase("3x3_s2_p1_11x5",         1, 3, 11,  5, (3, 3), (2, 2), (1, 1), 209),
    PoolCase("3x3_s1",                 2, 2,  6,  7, (3, 3), (1, 1), (0, 0), 210),
    PoolCase("3x3_s1_p1",              1, 1,  5,  5, (3, 3), (1, 1), (1, 1), 211),
    PoolCase("3x3_s1_p2",              1, 2,  4,  5, (3, 3), (1, 1), (2, 2), 212),
    PoolCase("2x3_s1x2_p1",            2, 1,  7,  9, (2, 3), (1, 2), (1, 1), 213),
    PoolCase("2x3_s2_p0x1",            1, 2,  8,  9, (2, 3), (2, 2), (0, 1), 214),
    PoolCase("2x2_s3_gaps",            1, 2,  8,  9, (2, 2), (3, 3), (0, 0), 215),
    PoolCase("2x2_s1x2",               3, 1,  5,  6, (2, 2), (1, 2), (0, 0), 216),
]
POOL_BY_NAME = {case.name: case for case in POOL_CASES}
POOL_INPUT_KINDS = ["normal", "ties_0_2", "ties_neg_2_0", "constant", "constant_neg"]


def pool_input(kind, shape, rng):
    """Pooling inputs, most of them with tied maxima (gradient -> first max)."""
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "ties_0_2":             # many equal maxima inside one window
        return rng.integers(0, 3, shape).astype(np.float64)
    if kind == "ties_neg_2_0":         # real zeros tie with the zero padding
        return rng.integers(-2, 1, shape).astype(np.float64)
    if kind == "constant":             # every window all-equal
        return np.full(shape, 1.0)
    if kind == "constant_neg":         # zero padding beats every real value
        return np.full(shape, -1.0)
    raise ValueError(kind)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("kind", POOL_INPUT_KINDS)
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pooling_matches_oracle(case, kind, dtype):
    rng = np.random.default_rng(case.seed)
    z = pool_input(kind, (case.n, case.c, case.h, case.w), rng).astype(dtype)
    g = rng.standard_normal((case.n, case.c) + case.out_hw).astype(dtype)
    out = F.max_pooling_forward(z, case.pooling, case.strides, case.padding)
    assert_matches(out, O.max_pooling_forward(z, case.pooling, case.strides, case.padding),
                   dtype, "max_pooling_forward")
    dz = F.max_pooling_backward(g, z, case.pooling, case.strides, case.padding)
    assert_matches(dz, O.max_pooling_backward(g, z, case.pooling, case.strides, case.padding),
                   dtype, "max_pooling_backward")


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pooling_backward_finite_differences(case):
    """Distinct values (no ties) and none near 0 (no tie with the padding),
    spaced 0.1 apart: the max is locally linear, finite differences apply."""
    rng = np.random.default_rng(case.seed + 1000)
    shape = (case.n, case.c, case.h, case.w)
    size = int(np.prod(shape))
    z = ((rng.permutation(size) - size // 2 + 0.5) * 0.1).reshape(shape)   # k + 0.5, never 0
    assert np.abs(z).min() >= 0.05 - 1e-12
    g = rng.standard_normal((case.n, case.c) + case.out_hw)
    dz = F.max_pooling_backward(g, z, case.pooling, case.strides, case.padding)

    def L(x):
        return float(np.sum(g * F.max_pooling_forward(x, case.pooling, case.strides, case.padding)))

    assert_grad(dz, numerical_gradient(L, z), "dz")


@pytest.mark.parametrize("strides", [(2, 2), (1, 1)], ids=["tiled", "overlap"])
def test_max_pooling_tie_goes_to_first_max_row_major(strides):
    """Window [[0, 5], [5, 0]]: both 5s are maxima; the gradient goes to the
    first in row-major order, (0, 1), never to (1, 0), and is not split."""
    z = np.array([[[[0.0, 5.0], [5.0, 0.0]]]])
    g = np.array([[[[3.0]]]])
    dz = F.max_pooling_backward(g, z, (2, 2), strides, (0, 0))
    np.testing.assert_array_equal(dz, [[[[0.0, 3.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("case_name", ["2x2_s2", "3x3_s1", "3x3_s2", "2x3_s1x2_p1"])
def test_max_pooling_all_equal_windows_route_to_window_top_left(case_name):
    """All-equal (positive) input: every window's gradient goes to its own
    top-left element (in padded coordinates; dropped if that is padding)."""
    case = POOL_BY_NAME[case_name]
    (s1, s2), (p1, p2) = case.strides, case.padding
    z = np.full((case.n, case.c, case.h, case.w), 2.0)
    ho, wo = case.out_hw
    g = np.arange(1.0, 1.0 + case.n * case.c * ho * wo).reshape(case.n, case.c, ho, wo)
    expected = np.zeros((case.n, case.c, case.h + 2 * p1, case.w + 2 * p2))
    for oh in range(ho):
        for ow in range(wo):
            top, left = oh * s1, ow * s2
            # with padding the window's first element may be a padding zero (< 2):
            # the first max is then the first real element of the window
            i = max(0, p1 - top)
            j = max(0, p2 - left)
            expected[:, :, top + i, left + j] += g[:, :, oh, ow]
    expected = expected[:, :, p1:p1 + case.h, p2:p2 + case.w]
    np.testing.assert_allclose(F.max_pooling_backward(g, z, case.pooling, case.strides, case.padding),
                               expected, rtol=0, atol=0)


def test_max_pooling_zero_padding_takes_part_in_max():
    """As in the seed, padding zeros compete: for an all-negative input the
    border windows output 0 and send their gradient into the padding (lost)."""
    z = np.full((1, 1, 3, 3), -1.0)
    z[0, 0, 1, 1] = -0.5
    out = F.max_pooling_forward(z, (3, 3), (1, 1), (1, 1))
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = -0.5           # only the centre window sees no padding
    np.testing.assert_array_equal(out, expected)
    g = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    dz = F.max_pooling_backward(g, z, (3, 3), (1, 1), (1, 1))
    expected_dz = np.zeros((1, 1, 3, 3))
    expected_dz[0, 0, 1, 1] = g[0, 0, 1, 1]
    np.testing.assert_array_equal(dz, expected_dz)



def test_seed_bug_maxpool_floor_output_size():
    """Floor convention for pooling too (7x9 input, 2x2/s2 -> 3x4; 3x3/s2 -> 3x4):
    the unused last row/column gets zero gradient."""
    rng = np.random.default_rng(78)
    z = rng.standard_normal((2, 2, 7, 9))
    for pooling, strides in (((2, 2), (2, 2)), ((3, 3), (2, 2))):
        out = F.max_pooling_forward(z, pooling, strides, (0, 0))
        assert out.shape == (2, 2, 3, 4)
        g = rng.standard_normal(out.shape)
        dz = F.max_pooling_backward(g, z, pooling, strides, (0, 0))
        assert_matches(dz, O.max_pooling_backward(g, z, pooling, strides, (0, 0)), np.float64)
        if pooling == (2, 2):
            assert np.all(dz[:, :, 6, :] == 0) and np.all(dz[:, :, :, 8] == 0)

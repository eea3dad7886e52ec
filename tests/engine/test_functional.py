"""engine.functional against the loop-based oracle and finite differences.

Three independent checks, on many small random cases:

1. every function equals the naive oracle (tests/engine/oracle.py), in float64
   (relative error <= 1e-10) and float32 (<= 1e-5, output dtype preserved);
2. every backward function equals central finite differences of the engine's
   own forward (float64, relative error <= 1e-7), with the conventions
   ``param grad = d(mean loss)``, ``input grad = d(sum loss)``; i.e. for the
   scalar objective ``L = sum(next_dz * forward(...))``: ``dz = dL/dz`` and
   ``N * dK = dL/dK``;
3. regression tests for each bug of the seed (shared/seed) that the engine fixes.

Relative error is cs231n style: ``max|a-b| / max(|a|, |b|)`` over the array.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine import functional as F
from tests.support import oracle as O
from tests.support.gradcheck import numerical_gradient, relative_error

TOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-5}
GRAD_TOL = 1e-7
DTYPES = [np.float64, np.float32]
DTYPE_IDS = ["f64", "f32"]


def assert_matches(actual, expected, dtype, what=""):
    """``actual`` (engine) has ``dtype`` and the oracle's shape and values."""
    dtype = np.dtype(dtype)
    assert isinstance(actual, np.ndarray), f"{what}: not an ndarray ({type(actual)})"
    assert actual.dtype == dtype, f"{what}: dtype {actual.dtype}, expected {dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = relative_error(actual, expected)
    assert err <= TOL[dtype], f"{what}: relative error {err:.3g} > {TOL[dtype]:.0e}"


def assert_grad(analytic, numeric, what=""):
    assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape} != {numeric.shape}"
    err = relative_error(analytic, numeric)
    assert err <= GRAD_TOL, f"{what}: relative error vs finite differences {err:.3g}"


# ============================================================== convolution
@dataclass(frozen=True)
class ConvCase:
    name: str
    n: int
    c: int
    d: int
    h: int
    w: int
    kernel: tuple
    padding: tuple
    strides: tuple
    seed: int

    def __str__(self):
        return self.name

    @property
    def out_hw(self):
        return (O.output_size(self.h, self.kernel[0], self.padding[0], self.strides[0]),
                O.output_size(self.w, self.kernel[1], self.padding[1], self.strides[1]))

    def arrays(self, dtype=np.float64):
        """``z, K, b, next_dz`` drawn from ``default_rng(seed)``, cast to dtype."""
        rng = np.random.default_rng(self.seed)
        z = rng.standard_normal((self.n, self.c, self.h, self.w))
        K = rng.standard_normal((self.c, self.d) + self.kernel)
        b = rng.standard_normal(self.d)
        g = rng.standard_normal((self.n, self.d) + self.out_hw)
        return tuple(a.astype(dtype) for a in (z, K, b, g))


CONV_CASES = [
    #        name                       N  C  D   H   W  kernel  padding strides seed
    ConvCase("k1x1_p0_s1",              1, 1, 1,  5,  5, (1, 1), (0, 0), (1, 1), 101),
    ConvCase("k1x1_p1_s2",              3, 4, 1,  9, 11, (1, 1), (1, 1), (2, 2), 102),
    ConvCase("k2x2_p0_s2",              3, 1, 2,  8,  8, (2, 2), (0, 0), (2, 2), 103),
    ConvCase("k2x2_p1x2_s3x2",          1, 2, 2, 11,  5, (2, 2), (1, 2), (3, 2), 104),
    ConvCase("k3x3_p1_s1",              2, 3, 2,  7,  9, (3, 3), (1, 1), (1, 1), 105),
    ConvCase("k3x3_p2_s2",              2, 2, 3, 11,  5, (3, 3), (2, 2), (2, 2), 106),
    ConvCase("k3x3_p0_s3",              1, 2, 3,  9,  7, (3, 3), (0, 0), (3, 3), 107),
    ConvCase("k3x3_p0_s2_floor",        2, 2, 2,  8, 10, (3, 3), (0, 0), (2, 2), 108),
    ConvCase("k3x3_p1x2_s1x2",          2, 3, 4,  7,  9, (3, 3), (1, 2), (1, 2), 109),
    ConvCase("k3x3_p2_s3_floor",        3, 2, 2,  8,  7, (3, 3), (2, 2), (3, 3), 110),
    ConvCase("k5x5_p2_s1",              1, 4, 4,  7,  9, (5, 5), (2, 2), (1, 1), 111),
    ConvCase("k5x5_p0_s1_out1x1",       1, 3, 2,  5,  5, (5, 5), (0, 0), (1, 1), 112),
    ConvCase("k5x5_p2_kernel_gt_input", 2, 2, 3,  4,  4, (5, 5), (2, 2), (1, 1), 113),
    ConvCase("k2x3_p1x2_s1x2",          2, 2, 2,  7,  9, (2, 3), (1, 2), (1, 2), 114),
    ConvCase("k2x3_p2x1_s2x3",          2, 1, 4,  6,  7, (2, 3), (2, 1), (2, 3), 115),
    ConvCase("k3x1_p1x0_s3x1",          2, 3, 1, 11,  5, (3, 1), (1, 0), (3, 1), 116),
    ConvCase("k3x1_p2x0_s1x2",          2, 1, 1,  7,  9, (3, 1), (2, 0), (1, 2), 117),
]
CONV_BY_NAME = {case.name: case for case in CONV_CASES}

# finite differences are O(size) engine calls: a subset with padding and strides
CONV_GRADCHECK = [CONV_BY_NAME[name] for name in (
    "k1x1_p1_s2", "k2x2_p1x2_s3x2", "k3x3_p1_s1", "k3x3_p2_s2", "k3x3_p0_s2_floor",
    "k3x3_p1x2_s1x2", "k5x5_p2_kernel_gt_input", "k2x3_p2x1_s2x3", "k3x1_p1x0_s3x1",
)]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_forward_matches_oracle(case, dtype):
    z, K, b, _ = case.arrays(dtype)
    out = F.conv_forward(z, K, b, padding=case.padding, strides=case.strides)
    expected = O.conv_forward(z, K, b, case.padding, case.strides)
    assert expected.shape == (case.n, case.d) + case.out_hw
    assert_matches(out, expected, dtype, "conv_forward")


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_backward_matches_oracle(case, dtype):
    z, K, _, g = case.arrays(dtype)
    dK, db, dz = F.conv_backward(g, K, z, padding=case.padding, strides=case.strides)
    eK, eb, ez = O.conv_backward(g, K, z, case.padding, case.strides)
    assert_matches(dK, eK, dtype, "dK")
    assert_matches(db, eb, dtype, "db")
    assert_matches(dz, ez, dtype, "dz")


def _conv_objective(case, g):
    """``L(z, K, b) = sum(g * conv_forward(z, K, b))`` (a sum over the batch)."""
    def objective(z, K, b):
        return float(np.sum(g * F.conv_forward(z, K, b, padding=case.padding, strides=case.strides)))
    return objective


@pytest.mark.parametrize("case", CONV_GRADCHECK, ids=str)
def test_conv_backward_finite_differences(case):
    z, K, b, g = case.arrays(np.float64)
    L = _conv_objective(case, g)
    dK, db, dz = F.conv_backward(g, K, z, padding=case.padding, strides=case.strides)
    # input gradient: of the summed objective; parameter gradients: of the mean (L / N)
    assert_grad(dz, numerical_gradient(lambda x: L(x, K, b), z), "dz")
    assert_grad(case.n * dK, numerical_gradient(lambda k: L(z, k, b), K), "N*dK")
    assert_grad(case.n * db, numerical_gradient(lambda v: L(z, K, v), b), "N*db")


def test_conv_forward_hand_computed():
    """Tiny example worked out by hand: 2x2 all-ones kernel, stride 2, bias 0.5."""
    z = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    K = np.ones((1, 1, 2, 2))
    b = np.array([0.5])
    out = F.conv_forward(z, K, b, padding=(0, 0), strides=(2, 2))
    expected = np.array([[[[10.5, 18.5], [42.5, 50.5]]]])
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(O.conv_forward(z, K, b, (0, 0), (2, 2)), expected)
    # cross-correlation, not convolution: an asymmetric kernel is not flipped
    K2 = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    out2 = F.conv_forward(z, K2, np.zeros(1), padding=(0, 0), strides=(1, 1))
    np.testing.assert_array_equal(out2[0, 0], z[0, 0, :3, :3])


def test_conv_rejects_bad_shapes():
    z = np.zeros((1, 2, 3, 3))
    with pytest.raises(ValueError):      # 5x5 kernel does not fit 3x3 without padding
        F.conv_forward(z, np.zeros((2, 1, 5, 5)), np.zeros(1))
    with pytest.raises(ValueError):      # channel mismatch
        F.conv_forward(z, np.zeros((3, 1, 3, 3)), np.zeros(1))


# ------------------------------------------------------- seed-bug regressions
@pytest.mark.parametrize("padding", [(1, 1), (2, 2), (1, 2), (2, 0)], ids=str)
def test_seed_bug_conv_backward_full_kernel_gradient_with_padding(padding):
    """Seed bug (a): conv_backward's kernel gradient ignored the padding.

    The seed computed ``dK = conv_forward(swap(z), insert_zeros(next_dz))`` on
    the UNPADDED input. With padding p > 0 and stride 1 the output gradient is
    ``(H + 2p - k + 1)`` wide, so the result was only the central
    ``(k - 2p) x (k - 2p)`` taps (e.g. 1x1 for k=3, p=1) or the call crashed
    (k=3, p=2). The fix correlates the PADDED input with next_dz: dK must have
    the full (C, D, k1, k2) shape and equal both the oracle and finite
    differences of the MEAN loss ``sum(next_dz * out) / N``.
    """
    rng = np.random.default_rng(2024 + padding[0] * 10 + padding[1])
    n, c, d, k1, k2 = 3, 2, 3, 3, 3
    z = rng.standard_normal((n, c, 6, 5))
    K = rng.standard_normal((c, d, k1, k2))
    b = rng.standard_normal(d)
    out_shape = (n, d, O.output_size(6, k1, padding[0], 1), O.output_size(5, k2, padding[1], 1))
    g = rng.standard_normal(out_shape)

    dK, db, dz = F.conv_backward(g, K, z, padding=padding, strides=(1, 1))
    assert dK.shape == (c, d, k1, k2)
    eK, eb, ez = O.conv_backward(g, K, z, padding, (1, 1))
    assert_matches(dK, eK, np.float64, "dK vs oracle")
    assert_matches(db, eb, np.float64, "db vs oracle")
    assert_matches(dz, ez, np.float64, "dz vs oracle")

    def mean_loss(z_, K_, b_):
        return float(np.sum(g * F.conv_forward(z_, K_, b_, padding=padding, strides=(1, 1)))) / n

    assert_grad(dK, numerical_gradient(lambda k: mean_loss(z, k, b), K), "dK vs FD of mean loss")
    assert_grad(db, numerical_gradient(lambda v: mean_loss(z, K, v), b), "db vs FD of mean loss")
    # the input gradient is of the SUM over samples, i.e. N * d(mean)/dz
    assert_grad(dz, n * numerical_gradient(lambda x: mean_loss(x, K, b), z), "dz vs FD")
    # the border taps (which the seed dropped) are genuinely non-zero here
    assert np.abs(dK[:, :, 0, :]).max() > 1e-3 and np.abs(dK[:, :, :, -1]).max() > 1e-3


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_seed_bug_conv_floor_output_size_non_divisible_stride(dtype):
    """Seed bug (d): conv_forward asserted ``(H + 2p - k) % stride == 0``.

    Here H=8, W=10, k=3, stride 2, no padding: (8 - 3) % 2 == 1, so the seed
    refused the input. We use the floor convention (as PyTorch):
    ``Ho = 1 + (8 - 3) // 2 = 3``, ``Wo = 1 + (10 - 3) // 2 = 4``; the last
    row and column of the input fit no window, are never read and must get
    an exactly zero gradient.
    """
    rng = np.random.default_rng(77)
    z = rng.standard_normal((2, 2, 8, 10)).astype(dtype)
    K = rng.standard_normal((2, 3, 3, 3)).astype(dtype)
    b = rng.standard_normal(3).astype(dtype)
    out = F.conv_forward(z, K, b, padding=(0, 0), strides=(2, 2))
    assert out.shape == (2, 3, 3, 4)
    assert_matches(out, O.conv_forward(z, K, b, (0, 0), (2, 2)), dtype, "conv_forward")

    g = rng.standard_normal(out.shape).astype(dtype)
    dK, db, dz = F.conv_backward(g, K, z, padding=(0, 0), strides=(2, 2))
    eK, eb, ez = O.conv_backward(g, K, z, (0, 0), (2, 2))
    assert_matches(dK, eK, dtype, "dK")
    assert_matches(db, eb, dtype, "db")
    assert_matches(dz, ez, dtype, "dz")
    assert np.all(dz[:, :, 7, :] == 0) and np.all(dz[:, :, :, 9] == 0)

    # changing the unused row/column does not change the output
    z2 = z.copy()
    z2[:, :, 7, :] = 100
    z2[:, :, :, 9] = -100
    np.testing.assert_array_equal(F.conv_forward(z2, K, b, padding=(0, 0), strides=(2, 2)), out)

    if dtype == np.float64:
        L = lambda x: float(np.sum(g * F.conv_forward(x, K, b, padding=(0, 0), strides=(2, 2))))
        assert_grad(dz, numerical_gradient(L, z), "dz vs FD")


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


# ================================================================== flatten
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7), (2, 1, 5, 3)], ids=str)
def test_flatten_matches_oracle(shape, dtype):
    rng = np.random.default_rng(300 + len(shape) + shape[-1])
    X = rng.standard_normal(shape).astype(dtype)
    out = F.flatten_forward(X)
    assert_matches(out, O.flatten_forward(X), dtype, "flatten_forward")
    g = rng.standard_normal(out.shape).astype(dtype)
    assert_matches(F.flatten_backward(g, X), O.flatten_backward(g, X), dtype, "flatten_backward")


def test_flatten_of_non_contiguous_conv_output():
    """conv_forward returns a transposed view; flatten must still be NCHW order."""
    rng = np.random.default_rng(310)
    z = rng.standard_normal((2, 2, 5, 5))
    out = F.conv_forward(z, rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(3))
    assert_matches(F.flatten_forward(out), O.flatten_forward(np.array(out)), np.float64)


# ========================================================== fully connected
FC_CASES = [(1, 1, 1, 401), (3, 5, 4, 402), (7, 13, 10, 403), (2, 1, 6, 404), (4, 9, 1, 405)]


def _fc_arrays(n, n_in, n_out, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    W = rng.standard_normal((n_in, n_out))
    b = rng.standard_normal(n_out)
    g = rng.standard_normal((n, n_out))
    return tuple(a.astype(dtype) for a in (X, W, b, g))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("n,n_in,n_out,seed", FC_CASES)
def test_fullyconnected_matches_oracle(n, n_in, n_out, seed, dtype):
    X, W, b, g = _fc_arrays(n, n_in, n_out, seed, dtype)
    assert_matches(F.fullyconnected_forward(X, W, b), O.fullyconnected_forward(X, W, b),
                   dtype, "fullyconnected_forward")
    dW, db, delta = F.fullyconnected_backward(g, W, X)
    eW, eb, edelta = O.fullyconnected_backward(g, W, X)
    assert_matches(dW, eW, dtype, "dW")
    assert_matches(db, eb, dtype, "db")
    assert_matches(delta, edelta, dtype, "delta")


@pytest.mark.parametrize("n,n_in,n_out,seed", FC_CASES)
def test_fullyconnected_backward_finite_differences(n, n_in, n_out, seed):
    X, W, b, g = _fc_arrays(n, n_in, n_out, seed)

    def L(X_, W_, b_):
        return float(np.sum(g * F.fullyconnected_forward(X_, W_, b_)))

    dW, db, delta = F.fullyconnected_backward(g, W, X)
    assert_grad(delta, numerical_gradient(lambda x: L(x, W, b), X), "delta")
    assert_grad(n * dW, numerical_gradient(lambda w: L(X, w, b), W), "N*dW")
    assert_grad(n * db, numerical_gradient(lambda v: L(X, W, v), b), "N*db")


# ===================================================================== relu
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (5, 7), (1, 1)], ids=str)
def test_relu_matches_oracle(shape, dtype):
    rng = np.random.default_rng(500 + shape[-1])
    X = rng.standard_normal(shape)
    X.flat[::3] = 0.0                     # exact zeros: the gradient there is 0 (X > 0 strictly)
    X = X.astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    assert_matches(F.relu_forward(X), O.relu_forward(X), dtype, "relu_forward")
    assert_matches(F.relu_backward(g, X), O.relu_backward(g, X), dtype, "relu_backward")


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (5, 7)], ids=str)
def test_relu_backward_finite_differences(shape):
    rng = np.random.default_rng(510 + shape[-1])
    X = rng.standard_normal(shape)
    X = np.where(X >= 0, X + 0.1, X - 0.1)  # away from the kink at 0
    g = rng.standard_normal(shape)
    num = numerical_gradient(lambda x: float(np.sum(g * F.relu_forward(x))), X)
    assert_grad(F.relu_backward(g, X), num, "relu dX")


# ===================================================================== loss
def _ce_arrays(n, d, scale, soft, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    logits = (scale * rng.standard_normal((n, d))).astype(dtype)
    if soft:   # probability rows (sum to 1)
        y = rng.random((n, d))
        y /= y.sum(axis=1, keepdims=True)
    else:      # one-hot
        y = np.eye(d)[rng.integers(0, d, n)]
    return logits, y


CE_CASES = [
    # n,  d, scale,  soft,  seed
    (1,   2,   1.0, False, 601),
    (4,  10,   1.0, False, 602),
    (5,   3,  10.0, False, 603),
    (3,   7, 100.0, False, 604),
    (6,   4, 1000.0, False, 605),
    (4,   5,   2.0, True,  606),
    (2,   6, 300.0, True,  607),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("n,d,scale,soft,seed", CE_CASES)
def test_cross_entropy_matches_oracle(n, d, scale, soft, seed, dtype):
    logits, y = _ce_arrays(n, d, scale, soft, seed, dtype)
    loss, dy = F.cross_entropy_loss(logits, y)
    e_loss, e_dy = O.cross_entropy_loss(logits, y)
    assert isinstance(loss, float) and np.isfinite(loss)
    assert relative_error(loss, e_loss) <= TOL[np.dtype(dtype)], (loss, e_loss)
    assert_matches(dy, e_dy, dtype, "dy")


@pytest.mark.parametrize("n,d,scale,soft,seed", CE_CASES)
def test_cross_entropy_dy_finite_differences(n, d, scale, soft, seed):
    """``loss`` is the batch MEAN and ``dy`` is per sample: ``dy = N * dloss/dlogits``.

    The step grows with the logit scale: the loss is ~scale in magnitude, so a
    fixed 1e-6 step would leave a float64 round-off of ~1e-16 * scale / 1e-6 in
    the difference quotient (for scale 1000 logits ~100s apart the loss is
    locally almost linear, so the larger step costs no truncation accuracy).
    """
    logits, y = _ce_arrays(n, d, scale, soft, seed)
    _, dy = F.cross_entropy_loss(logits, y)
    num = numerical_gradient(lambda x: F.cross_entropy_loss(x, y)[0], logits,
                             eps=1e-6 * max(1.0, scale))
    assert_grad(dy, n * num, "dy")


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("logits,label,loss,dy", [
    ([1000.0, -1000.0, 0.0], 1, 2000.0, [1.0, -1.0, 0.0]),
    ([1000.0, -1000.0, 0.0], 2, 1000.0, [1.0, 0.0, -1.0]),
    ([1000.0, -1000.0, 0.0], 0, 0.0, [0.0, 0.0, 0.0]),
    ([-1000.0, 1000.0], 0, 2000.0, [-1.0, 1.0]),
    ([-1000.0, 1000.0], 1, 0.0, [0.0, 0.0]),
    ([500.0, 500.0, -500.0], 2, 1000.0 + np.log(2.0), [0.5, 0.5, -1.0]),
], ids=["1000_-1000_0_true1", "1000_-1000_0_true2", "1000_-1000_0_true0",
        "-1000_1000_true0", "-1000_1000_true1", "500_500_-500_true2"])
def test_seed_bug_cross_entropy_finite_for_extreme_logits(logits, label, loss, dy, dtype):
    """Seed bug (b): cross_entropy_loss computed ``log(softmax)``.

    For logits ~1000 apart the seed's softmax underflows to exactly 0, so
    ``-log(p_true)`` is ``inf`` when the true class is the small logit, and
    ``0 * log(0)`` gives NaN for the other classes. The log-softmax form is
    exact here: for logits [1000, -1000, 0] with true class 1 the loss is
    ``1000 - (-1000) = 2000`` and ``dy = softmax - y = [1, -1, 0]``.
    """
    x = np.array([logits], dtype=dtype)
    y = np.eye(x.shape[1])[[label]]
    got_loss, got_dy = F.cross_entropy_loss(x, y)
    assert np.isfinite(got_loss) and np.all(np.isfinite(got_dy))
    assert got_dy.dtype == np.dtype(dtype)
    # float32 cannot even represent 1000 + log(2) to better than ~6e-8 relative
    tol = 1e-12 if np.dtype(dtype) == np.float64 else TOL[np.dtype(dtype)]
    assert abs(got_loss - loss) <= tol * max(1.0, loss), (got_loss, loss)
    np.testing.assert_allclose(got_dy, [dy], rtol=0, atol=tol)
    o_loss, o_dy = O.cross_entropy_loss(x, y)           # the oracle agrees
    assert abs(o_loss - loss) <= 1e-12 * max(1.0, loss)
    np.testing.assert_allclose(o_dy, [dy], rtol=0, atol=1e-12)


def test_seed_bug_cross_entropy_extreme_logits_batch():
    """Batch mean over the two extreme rows: (2000 + 0) / 2 = 1000."""
    x = np.array([[-1000.0, 1000.0], [1000.0, -1000.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    loss, dy = F.cross_entropy_loss(x, y)
    assert loss == pytest.approx(1000.0, rel=1e-12)
    np.testing.assert_allclose(dy, [[-1.0, 1.0], [0.0, 0.0]], rtol=0, atol=1e-12)


# ================================================ dtype and purity (all fns)
def _all_calls(dtype):
    """One representative call of every public seed function, inputs in ``dtype``."""
    rng = np.random.default_rng(900)
    a = lambda *shape: rng.standard_normal(shape).astype(dtype)
    z, K, b = a(2, 3, 7, 6), a(3, 2, 3, 3), a(2)
    conv_g = a(2, 2, 4, 3)        # 1 + (7 + 2 - 3) // 2 = 4, 1 + (6 + 2 - 3) // 2 = 3
    pool_g = a(2, 3, 3, 3)        # 2x2/s2 on 7x6 -> 3x3;  3x3/s2 p1 on 7x6 -> 4x3
    pool_g2 = a(2, 3, 4, 3)
    X, W, fb, fc_g = a(4, 5), a(5, 3), a(3), a(4, 3)
    y = np.eye(3)[[0, 2, 1, 1]].astype(dtype)
    return {
        "conv_forward": (F.conv_forward, (z, K, b, (1, 1), (2, 2))),
        "conv_backward": (F.conv_backward, (conv_g, K, z, (1, 1), (2, 2))),
        "max_pooling_forward_tiled": (F.max_pooling_forward, (z, (2, 2), (2, 2), (0, 0))),
        "max_pooling_backward_tiled": (F.max_pooling_backward, (pool_g, z, (2, 2), (2, 2), (0, 0))),
        "max_pooling_forward_overlap": (F.max_pooling_forward, (z, (3, 3), (2, 2), (1, 1))),
        "max_pooling_backward_overlap": (F.max_pooling_backward, (pool_g2, z, (3, 3), (2, 2), (1, 1))),
        "flatten_forward": (F.flatten_forward, (z,)),
        "flatten_backward": (F.flatten_backward, (a(2, 3 * 7 * 6), z)),
        "fullyconnected_forward": (F.fullyconnected_forward, (X, W, fb)),
        "fullyconnected_backward": (F.fullyconnected_backward, (fc_g, W, X)),
        "relu_forward": (F.relu_forward, (z,)),
        "relu_backward": (F.relu_backward, (a(2, 3, 7, 6), z)),
        "cross_entropy_loss": (F.cross_entropy_loss, (X[:, :3], y)),
    }


CALL_NAMES = list(_all_calls(np.float64))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", CALL_NAMES)
def test_seed_bug_output_dtype_follows_input(name, dtype):
    """Seed bug (c): the seed's functions built their outputs with ``np.zeros``
    (float64) or cast to float64, so float32 inputs came back float64 (twice
    the memory, slow mixed-precision math downstream). float32 in -> float32
    out and float64 in -> float64 out for every forward and backward output."""
    fn, args = _all_calls(dtype)[name]
    result = fn(*args)
    outputs = result if isinstance(result, tuple) else (result,)
    if name == "cross_entropy_loss":
        loss, dy = outputs
        assert isinstance(loss, float) and np.isfinite(loss)
        outputs = (dy,)
    for i, out in enumerate(outputs):
        assert isinstance(out, np.ndarray), f"{name}[{i}] is {type(out)}"
        assert out.dtype == np.dtype(dtype), f"{name}[{i}]: {out.dtype} for {np.dtype(dtype)} input"
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", CALL_NAMES)
def test_functions_do_not_modify_their_inputs(name):
    fn, args = _all_calls(np.float64)[name]
    before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    fn(*args)
    for original, now in zip(before, args):
        if isinstance(now, np.ndarray):
            np.testing.assert_array_equal(now, original)


# ====================================== memory layouts (views, channel-major)
def _layout(x, layout):
    """Same values as ``x: (N, C, H, W)`` in another memory layout."""
    if layout == "c_contiguous":
        return np.ascontiguousarray(x)
    if layout == "channel_major":     # CNHW memory seen as NCHW, like conv_forward's output
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    if layout == "batch_innermost":   # CHWN memory, the engine's activation layout
        return np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    if layout == "fortran":
        return np.asfortranarray(x)
    if layout == "negative_strides":
        return x[:, :, ::-1, ::-1].copy()[:, :, ::-1, ::-1]
    raise ValueError(layout)


LAYOUTS = ["c_contiguous", "channel_major", "batch_innermost", "fortran", "negative_strides"]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_any_memory_layout_matches_oracle(layout, dtype):
    """The engine may pick code paths by memory order (e.g. channel-major conv
    outputs feeding a pool); every layout must give the oracle's values.
    N != C so that a swapped N/C axis cannot go unnoticed."""
    rng = np.random.default_rng(950)
    z = _layout(rng.integers(-2, 3, (3, 2, 8, 7)).astype(dtype), layout)   # ties for the pools
    K = rng.standard_normal((2, 4, 3, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)

    out = F.conv_forward(z, K, b, padding=(1, 1), strides=(1, 2))
    assert_matches(out, O.conv_forward(z, K, b, (1, 1), (1, 2)), dtype, "conv_forward")
    g = _layout(rng.standard_normal(out.shape).astype(dtype), layout)
    for got, want, what in zip(F.conv_backward(g, K, z, padding=(1, 1), strides=(1, 2)),
                               O.conv_backward(g, K, z, (1, 1), (1, 2)), ("dK", "db", "dz")):
        assert_matches(got, want, dtype, what)

    for pooling, strides, padding in (((2, 2), (2, 2), (0, 0)), ((2, 2), (2, 2), (1, 0)),
                                      ((3, 3), (2, 2), (1, 1)), ((2, 3), (1, 2), (0, 0))):
        for x in (z, out):            # a layout-converted input and a real conv output
            ho = O.output_size(x.shape[2], pooling[0], padding[0], strides[0])
            wo = O.output_size(x.shape[3], pooling[1], padding[1], strides[1])
            pg = _layout(rng.standard_normal(x.shape[:2] + (ho, wo)).astype(dtype), layout)
            what = f"pool {pooling}/{strides}/{padding}"
            assert_matches(F.max_pooling_forward(x, pooling, strides, padding),
                           O.max_pooling_forward(x, pooling, strides, padding), dtype, what)
            assert_matches(F.max_pooling_backward(pg, x, pooling, strides, padding),
                           O.max_pooling_backward(pg, x, pooling, strides, padding), dtype, what + " dz")

    flat = F.flatten_forward(out)
    assert_matches(flat, O.flatten_forward(out), dtype, "flatten_forward")
    W = np.asfortranarray(rng.standard_normal((flat.shape[1], 3)).astype(dtype))
    fb = rng.standard_normal(3).astype(dtype)
    assert_matches(F.fullyconnected_forward(flat, W, fb), O.fullyconnected_forward(flat, W, fb),
                   dtype, "fullyconnected_forward")
    fg = rng.standard_normal((3, 3)).astype(dtype)[::-1]
    for got, want, what in zip(F.fullyconnected_backward(fg, W, flat),
                               O.fullyconnected_backward(fg, W, flat), ("dW", "db", "delta")):
        assert_matches(got, want, dtype, what)
    assert_matches(F.relu_backward(g, out), O.relu_backward(g, out), dtype, "relu_backward")


# =============================== the GEMM-level helpers exported by functional
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case", [CONV_BY_NAME[n] for n in (
    "k3x3_p1x2_s1x2", "k2x3_p2x1_s2x3", "k3x3_p0_s2_floor", "k1x1_p1_s2")], ids=str)
def test_conv_cols_helpers_match_oracle(case, dtype):
    """conv_forward_cols / conv_backward_cols / kernel_matrix (used by the layer
    classes with a cached im2col matrix and a reusable buffer)."""
    z, K, b, g = case.arrays(dtype)
    k1, k2 = case.kernel
    KM = F.kernel_matrix(K)
    assert KM.shape == (case.d, case.c * k1 * k2)
    for d in range(case.d):
        np.testing.assert_array_equal(KM[d], K[:, d].ravel())

    # a reusable buffer that is too large and full of garbage, used twice
    buf = np.full(case.c * k1 * k2 * case.n * case.out_hw[0] * case.out_hw[1] + 7, np.nan, dtype=dtype)
    for scale in (1.0, -2.0):
        zs = (scale * z).astype(dtype)
        out, cols = F.conv_forward_cols(zs, K, b, case.padding, case.strides, col_buf=buf)
        assert_matches(out, O.conv_forward(zs, K, b, case.padding, case.strides), dtype, "out")
        assert_matches(cols, O.im2col_matrix(zs, k1, k2, case.padding, case.strides), dtype, "cols")

        dK_sum, db_sum, dz = F.conv_backward_cols(g, K, cols, zs.shape, case.padding, case.strides)
        eK, eb, ez = O.conv_backward(g, K, zs, case.padding, case.strides)
        assert_matches(dK_sum, case.n * eK, dtype, "dK_sum (not divided by N)")
        assert_matches(db_sum, case.n * eb, dtype, "db_sum (not divided by N)")
        assert_matches(dz, ez, dtype, "dz")
        dK2, db2, dz2 = F.conv_backward_cols(g, K, cols, zs.shape, case.padding, case.strides,
                                             need_dz=False)
        assert dz2 is None
        np.testing.assert_array_equal(dK2, dK_sum)
        np.testing.assert_array_equal(db2, db_sum)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_log_softmax_and_softmax_match_oracle(dtype):
    rng = np.random.default_rng(960)
    logits = np.concatenate([rng.standard_normal((3, 5)), 1000 * rng.standard_normal((3, 5)),
                             [[1000.0, -1000.0, 0.0, 5.0, 5.0]]]).astype(dtype)
    expected = np.array([O.log_softmax_row(row) for row in logits])
    logp = F.log_softmax(logits)
    assert np.all(np.isfinite(logp))
    # row-wise normalisation: compare each row against its own scale
    for got, want in zip(logp, expected):
        assert got.dtype == np.dtype(dtype)
        assert relative_error(got, want) <= TOL[np.dtype(dtype)], (got, want)
    assert_matches(F.softmax(logits), np.exp(expected), dtype, "softmax")


def test_every_public_function_is_covered():
    """Guard: a function added to ``engine.functional.__all__`` needs a test here."""
    covered = {
        "conv_forward", "conv_backward", "max_pooling_forward", "max_pooling_backward",
        "flatten_forward", "flatten_backward", "fullyconnected_forward",
        "fullyconnected_backward", "relu_forward", "relu_backward", "cross_entropy_loss",
        "kernel_matrix", "conv_forward_cols", "conv_backward_cols", "log_softmax", "softmax",
    }
    missing = set(F.__all__) - covered
    assert not missing, f"untested public functions in engine.functional: {sorted(missing)}"

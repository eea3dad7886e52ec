"""engine.nn.functional, convolution: ``conv_forward`` / ``conv_backward`` and
the GEMM-level helpers (``kernel_matrix``, ``conv_forward_cols``,
``conv_backward_cols``) against the loop oracle and finite differences, and
the regression tests for the seed's convolution bugs (a) and (d).

Shapes: ``z: (N, C, H, W)``, ``K: (C, D, k1, k2)``, ``b: (D,)``, output
``(N, D, Ho, Wo)`` with ``Ho = 1 + (H + 2*p1 - k1) // s1``. Parameter
gradients are of the mean loss, the input gradient of the summed loss (see
``tests/engine/nn/test_functional.py``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.nn import functional as F
from tests.support import oracle as O
from tests.support.functional_checks import DTYPE_IDS, DTYPES, assert_grad, assert_matches
from tests.support.gradcheck import numerical_gradient


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

"""engine.nn.spectral_conv: the frequency-space (DFT) stride-1 convolution
against the im2col path of :mod:`engine.nn.functional`.

Shapes: ``z: (N, C, H, W)``, ``K: (C, D, k1, k2)``, ``b: (D,)``, output
``(N, D, Ho, Wo)``, ``Ho = H + 2*p1 - k1 + 1``. ``spectral_backward`` returns
batch *sums* (``dK``, ``db``), ``functional.conv_backward`` batch means.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import functional as F
from engine.nn.im2col import empty_chwn
from engine.nn.spectral_conv import spectral_backward, spectral_forward, spectral_plan
from engine.nn.spectral_choice import spectral_values, spectral_wins

#: (N, C, D, H, W, k1, k2, p1, p2): odd and even padded sizes (the Nyquist row
#: of the kept half spectrum), H != W, k1 != k2, p1 != p2, a 1x1 output, a
#: kernel larger than the unpadded input.
CASES = [
    (1, 1, 1, 5, 7, 3, 3, 0, 0),
    (3, 2, 4, 7, 9, 3, 5, 1, 2),
    (8, 5, 4, 10, 6, 5, 3, 2, 0),
    (3, 5, 1, 9, 8, 5, 5, 2, 1),
    (8, 2, 4, 6, 11, 3, 3, 1, 1),
    (1, 5, 4, 12, 7, 5, 3, 0, 2),
    (3, 2, 4, 5, 5, 5, 5, 0, 0),
    (2, 2, 3, 4, 4, 5, 5, 2, 2),
]
#: float32 result vs float64 reference, max abs error / max |ref|. Measured on
#: the project's shapes (N 32, C 8..32, D 16..64, 14x14 and 28x28, k 3..5):
#: <= 4.1e-7 for the spectral path, <= 6.0e-7 for the im2col path's own float32
#: products; 5e-6 leaves ~10x for other data while a wrong term (a missing
#: conjugate, a lost frequency) is off by O(1).
F32_TOL = 5e-6


def _arrays(case, dtype=np.float64, seed=0, chwn=True):
    """``z, K, b, g`` for ``case``; ``z`` and the output gradient ``g`` stored
    batch-innermost (as the engine keeps activations) when ``chwn``."""
    n, c, d, h, w, k1, k2, p1, p2 = case
    rng = np.random.default_rng(seed)
    ho, wo = h + 2 * p1 - k1 + 1, w + 2 * p2 - k2 + 1
    z, g = rng.standard_normal((n, c, h, w)), rng.standard_normal((n, d, ho, wo))
    if chwn:
        z, g = _chwn(z), _chwn(g)
    K, b = rng.standard_normal((c, d, k1, k2)), rng.standard_normal(d)
    return tuple(a.astype(dtype) for a in (z, K, b, g))


def _chwn(a):
    """A copy of ``a (N, C, H, W)`` stored batch-innermost."""
    out = empty_chwn(a.shape, a.dtype)
    out[...] = a
    return out


def _plan(case, dtype):
    _, _, _, h, w, k1, k2, p1, p2 = case
    return spectral_plan(h, w, k1, k2, p1, p2, dtype)


def _rel(actual, expected):
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def _is_chwn(a):
    """``a`` is a logical (N, C, H, W) view of C-contiguous (C, H, W, N) memory."""
    return a.transpose(1, 2, 3, 0).flags.c_contiguous


@pytest.mark.parametrize("case", CASES, ids=str)
def test_float64_matches_im2col(case):
    z, K, b, g = _arrays(case)
    padding = case[7:]
    plan = _plan(case, np.float64)
    out, cache = spectral_forward(z, K, b, plan)
    dk, db, dz = spectral_backward(g, K, cache, plan)
    ref_dk, ref_db, ref_dz = F.conv_backward(g, K, z, padding)
    n = case[0]
    for name, got, ref in (("out", out, F.conv_forward(z, K, b, padding)), ("dK", dk / n, ref_dk),
                           ("db", db / n, ref_db), ("dz", dz, ref_dz)):
        assert got.shape == ref.shape and got.dtype == np.float64, name
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10 * np.abs(ref).max(), err_msg=name)


@pytest.mark.parametrize("case", [CASES[1], CASES[2], (32, 16, 32, 14, 14, 5, 5, 0, 0),
                                  (32, 8, 16, 14, 14, 3, 3, 1, 1)], ids=str)
def test_float32_within_the_measured_tolerance(case):
    z, K, b, g = _arrays(case, seed=1)
    padding = case[7:]
    ref_out, cols = F.conv_forward_cols(z, K, b, padding, (1, 1))
    ref = (ref_out,) + F.conv_backward_cols(g, K, cols, z.shape, padding, (1, 1))
    z32, K32, b32, g32 = (a.astype(np.float32) for a in (z, K, b, g))
    plan = _plan(case, np.float32)
    out, cache = spectral_forward(z32, K32, b32, plan)
    got = (out,) + spectral_backward(g32, K32, cache, plan)
    for name, a, r in zip(("out", "dK", "db", "dz"), got, ref):
        assert a.dtype == np.float32, name
        assert _rel(a, r) <= F32_TOL, (name, _rel(a, r))
        assert _rel(a, r) > 0, name          # really computed in float32


@pytest.mark.parametrize("chwn", [True, False], ids=["batch_innermost", "c_contiguous"])
def test_any_input_layout_gives_batch_innermost_results(chwn):
    case = CASES[1]
    z, K, b, g = _arrays(case, chwn=chwn)
    assert _is_chwn(z) == chwn and z.flags.c_contiguous != chwn
    plan = _plan(case, np.float64)
    out, cache = spectral_forward(z, K, b, plan)
    dk, db, dz = spectral_backward(g, K, cache, plan)
    assert _is_chwn(out) and _is_chwn(dz)
    np.testing.assert_allclose(out, F.conv_forward(z, K, b, case[7:]), atol=1e-10)
    np.testing.assert_allclose(dz, F.conv_backward(g, K, z, case[7:])[2], atol=1e-10)


def test_need_dz_false_skips_only_the_input_gradient():
    case = CASES[2]
    z, K, b, g = _arrays(case)
    plan = _plan(case, np.float64)
    _, cache = spectral_forward(z, K, b, plan)
    dk, db, dz = spectral_backward(g, K, cache, plan, need_dz=False)
    full = spectral_backward(g, K, cache, plan)
    assert dz is None and full[2] is not None
    np.testing.assert_array_equal(dk, full[0])
    np.testing.assert_array_equal(db, full[1])


def test_bias_and_its_gradient():
    """A zero kernel leaves only the bias; ``db`` is the plain sum of ``g``."""
    case = CASES[3]
    z, K, b, g = _arrays(case)
    plan = _plan(case, np.float64)
    out, cache = spectral_forward(z, np.zeros_like(K), b, plan)
    np.testing.assert_allclose(out, np.broadcast_to(b[None, :, None, None], out.shape), atol=1e-12)
    _, db, _ = spectral_backward(g, K, cache, plan)
    np.testing.assert_allclose(db, g.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_plan_is_cached_read_only_and_checked():
    plan = spectral_plan(14, 14, 5, 5, 0, 0, np.float32)
    assert spectral_plan(14, 14, 5, 5, 0, 0, np.float32) is plan
    assert (plan.hp, plan.hb, plan.f, plan.ho) == (14, 8, 112, 10)
    assert plan.x_w.dtype == np.float32 and plan.x_w.shape == (3 * 14, 2 * 14)
    with pytest.raises(ValueError):
        plan.out_h[0, 0] = 1.0
    z = np.zeros((2, 3, 14, 12), np.float32)
    with pytest.raises(ValueError, match="do not fit"):
        spectral_forward(z, np.zeros((3, 4, 5, 5), np.float32), np.zeros(4, np.float32), plan)


@pytest.mark.parametrize("shape, backward, wins", [
    # N, C, D, H, W, k, padding
    ((32, 16, 32, 14, 14, 5, 0), True, True),      # bench net conv2 (measured 2.3x)
    ((64, 16, 32, 14, 14, 5, 0), True, True),
    ((32, 32, 64, 14, 14, 5, 0), True, True),      # playground conv2 (2.7x)
    ((64, 32, 64, 14, 14, 5, 0), True, True),
    ((32, 16, 32, 14, 14, 5, 0), False, True),     # inference: forward alone 1.8x
    ((32, 8, 16, 14, 14, 3, 1), True, False),      # tiny net conv2: a tie (1.0x)
    ((32, 8, 16, 14, 14, 3, 1), False, False),     # its forward alone 0.7x
    ((32, 1, 16, 28, 28, 5, 2), True, False),      # a first layer: 0.3x
    ((32, 16, 1, 14, 14, 5, 0), True, True),       # one output map: 3.6x
    ((1, 16, 32, 14, 14, 5, 0), True, False),      # one image: 0.5x
])
def test_spectral_wins_where_measured(shape, backward, wins):
    n, c, d, h, w, k, p = shape
    assert spectral_wins(n, c, d, h, w, k, k, p, 1, np.float32, backward=backward) is wins


def test_spectral_wins_never_for_strides_or_other_dtypes():
    bench = (32, 16, 32, 14, 14, 5, 5, 0)
    assert spectral_wins(*bench, (1, 1), np.float64)
    assert not spectral_wins(*bench, (2, 2), np.float32)
    assert not spectral_wins(*bench, (1, 2), np.float32)
    assert not spectral_wins(*bench, 1, np.float16)
    assert not spectral_wins(*bench, 1, np.int32)


def test_spectral_path_never_holds_more_values_than_im2col():
    """Many channels on small maps make the kernel's spectrum (3 x F x C x D
    values, whatever the batch) far larger than the im2col matrix: such a
    layer (1024 -> 1024 channels, 3x3 on 7x7, ~300 MB of spectra) stays on im2col."""
    from engine.nn.spectral_choice import im2col_values
    hostile = (32, 1024, 1024, 7, 7, 3, 3, (0, 0))
    n, c, d, h, w, k1, k2, p = hostile
    assert spectral_values(n, c, d, h, w, p) > 10 * im2col_values(n, c, h, w, k1, k2, p)
    assert not spectral_wins(*hostile, 1, np.float32)
    assert not spectral_wins(*hostile, 1, np.float32, backward=False)
    for n, c, d in ((32, 16, 32), (64, 32, 64)):           # the bench and playground conv2
        assert spectral_values(n, c, d, 14, 14, (0, 0)) <= im2col_values(n, c, 14, 14, 5, 5, (0, 0))
        assert spectral_wins(n, c, d, 14, 14, 5, 5, (0, 0), 1, np.float32)

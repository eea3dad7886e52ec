"""Each slice scales its own gradients by its share of the batch (in its
thread or process, in parallel); the training thread only sums them, in
one pass per array. The sum is exactly the weighted mean the slices'
gradients define: for two equal slices ``(g0 + g1) * 0.5`` bit for bit,
for unequal ones ``g0 * w0 + g1 * w1`` in float32."""
from __future__ import annotations

import numpy as np
import pytest

from engine.training.parallel import scale_into, slice_bounds, slice_share, sum_slice_grads


def _grads(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"conv.K": rng.standard_normal((4, 1, 3, 3)).astype(np.float32),
            "fc.W": (rng.standard_normal((50, 10)) * 1e-3).astype(np.float32),
            "fc.b": rng.standard_normal(10).astype(np.float32)}


def test_shares_are_the_slices_fractions_of_the_batch():
    slices = slice_bounds(41, 2, 8)
    assert [slice_share(s, slices) for s in slices] == [20 / 41, 21 / 41]
    assert sum(slice_share(s, slice_bounds(64, 3, 8)) for s in slice_bounds(64, 3, 8)) == \
        pytest.approx(1.0)


def test_two_equal_slices_sum_to_the_halved_sum_bit_for_bit():
    g0, g1 = _grads(1), _grads(2)
    expected = {k: (g0[k] + g1[k]) * np.float32(0.5) for k in g0}
    scaled = [{k: np.empty_like(v) for k, v in g0.items()} for _ in range(2)]
    slices = slice_bounds(64, 2, 8)
    for out, g, s in zip(scaled, (g0, g1), slices):
        scale_into(out, g, slice_share(s, slices))
    out = {k: np.full_like(v, np.nan) for k, v in g0.items()}
    sum_slice_grads(out, scaled)
    for k, v in expected.items():
        np.testing.assert_array_equal(out[k], v, err_msg=k)


def test_unequal_slices_weigh_each_slice_by_its_share():
    g0, g1, g2 = _grads(3), _grads(4), _grads(5)
    slices = slice_bounds(41, 3, 8)
    shares = [slice_share(s, slices) for s in slices]
    assert len(set(shares)) == 2
    expected = {k: (g0[k] * np.float32(shares[0]) + g1[k] * np.float32(shares[1]))
                + g2[k] * np.float32(shares[2]) for k in g0}
    originals = {k: v.copy() for k, v in g1.items()}
    scale_into(g0, g0, shares[0])               # in place, as a thread does with its replica's
    scaled1 = {k: np.empty_like(v) for k, v in g1.items()}
    scale_into(scaled1, g1, shares[1])          # into a region, as a slice process does
    scale_into(g2, g2, shares[2])
    for k, v in originals.items():
        np.testing.assert_array_equal(g1[k], v)  # the source is left alone
    sum_slice_grads(g0, [g0, scaled1, g2])       # the first may be the output itself
    for k, v in expected.items():
        np.testing.assert_array_equal(g0[k], v, err_msg=k)


def test_one_slice_is_copied_unscaled():
    g = _grads(6)
    out = {k: np.zeros_like(v) for k, v in g.items()}
    scale_into(out, g, 1.0)
    sum_slice_grads(out, [out])
    for k, v in g.items():
        np.testing.assert_array_equal(out[k], v)
    fresh = {k: np.zeros_like(v) for k, v in g.items()}
    sum_slice_grads(fresh, [g])
    for k, v in g.items():
        np.testing.assert_array_equal(fresh[k], v)

"""engine.nn.layers.dropout.Dropout: identity at inference; in training each
unit is zeroed with probability ``rate`` and the rest scaled by ``1/(1-rate)``
(inverted dropout), the backward pass uses the same mask; seeded streams.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn.layers import Dropout
from tests.support.gradcheck import numerical_gradient, relative_error
from tests.support.layer_checks import GRAD_TOL, train_step


def test_dropout_eval_is_identity():
    x = np.random.default_rng(51).standard_normal((4, 3, 5, 5))
    drop = Dropout(0.5, seed=1)
    drop.set_training(False)
    out = drop.forward(x)
    np.testing.assert_array_equal(out, x)
    g = np.ones_like(x)
    np.testing.assert_array_equal(drop.backward(g), g)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_dropout_training_zeroes_rate_and_scales(rate, dtype):
    x = (np.random.default_rng(52).random((200, 500)) + 0.5).astype(dtype)  # all > 0
    drop = Dropout(rate, seed=7)
    drop.set_training(True)
    out = drop.forward(x)
    assert out.dtype == np.dtype(dtype) and out.shape == x.shape
    dropped = out == 0
    frac = dropped.mean()
    assert abs(frac - rate) < 0.01, f"dropped fraction {frac:.4f} for rate {rate}"
    kept = ~dropped
    np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6 if dtype == np.float32 else 1e-15)
    # backward uses the SAME mask and scale
    g = np.random.default_rng(53).standard_normal(x.shape).astype(dtype)
    dx = drop.backward(g)
    assert dx.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(dx[dropped], 0)
    np.testing.assert_allclose(dx[kept], g[kept] / (1 - rate), rtol=1e-6 if dtype == np.float32 else 1e-15)
    # expectation is preserved (inverted dropout)
    assert abs(out.mean() / x.mean() - 1) < 0.03


def test_dropout_seeded_determinism_and_fresh_masks():
    x = np.ones((50, 40))
    a, b, c = Dropout(0.5, seed=3), Dropout(0.5, seed=3), Dropout(0.5, seed=4)
    for d in (a, b, c):
        d.set_training(True)
    first_a, first_b, first_c = a.forward(x), b.forward(x), c.forward(x)
    np.testing.assert_array_equal(first_a, first_b)         # same seed, same mask
    assert not np.array_equal(first_a, first_c)             # other seed, other mask
    second_a = a.forward(x)
    assert not np.array_equal(first_a, second_a)            # a new mask every call
    np.testing.assert_array_equal(second_a, b.forward(x))   # ... reproducibly
    # from_config restarts the same stream
    twin = Dropout.from_config(a.config())
    twin.set_training(True)
    np.testing.assert_array_equal(twin.forward(x), first_a)


def test_dropout_rate_zero_and_validation():
    x = np.random.default_rng(54).standard_normal((3, 4))
    drop = Dropout(0.0)
    drop.set_training(True)
    np.testing.assert_array_equal(drop.forward(x), x)
    np.testing.assert_array_equal(drop.backward(x), x)
    for bad in (1.0, 1.5, -0.1):
        with pytest.raises(ValueError):
            Dropout(bad)


def test_dropout_finite_differences_with_fixed_mask():
    """With the mask fixed, dropout is linear: its backward is the exact derivative."""
    rng = np.random.default_rng(55)
    x = rng.standard_normal((3, 2, 3, 3))
    g = rng.standard_normal(x.shape)
    drop = Dropout(0.4, seed=9)
    out, dx, _ = train_step(drop, x, g)
    mask = out / x          # the mask the forward pass applied: 0 or 1 / (1 - rate)
    np.testing.assert_allclose(np.unique(np.round(mask, 6)), [0.0, round(1 / 0.6, 6)])
    num = numerical_gradient(lambda x_: float(np.sum(g * x_ * mask)), x)
    assert relative_error(dx, num) <= GRAD_TOL
    assert 0 < (mask == 0).sum() < mask.size
    np.testing.assert_array_equal(dx == 0, mask == 0)

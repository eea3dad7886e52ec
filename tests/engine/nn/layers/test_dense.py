"""engine.nn.layers.dense.Dense: ``(N, in) -> (N, out)``, ``W: (in, out)``,
``b: (out,)``; against the oracle and finite differences, float32, and
without the input gradient. Conventions: :mod:`tests.support.layer_checks`.
"""
from __future__ import annotations

import numpy as np
import pytest

from tests.support import oracle as O
from tests.support.layer_checks import (F32_TOL, ORACLE_TOL, assert_close, gradcheck_layer, make_dense,
                                        train_step)


DENSE_CASES = [(4, 7, 5, 41), (1, 3, 1, 42), (6, 16, 10, 43)]   # N, in, out, seed


@pytest.mark.parametrize("n, n_in, n_out, seed", DENSE_CASES)
def test_dense_matches_oracle(n, n_in, n_out, seed):
    dense = make_dense(n_in, n_out, seed)
    rng = np.random.default_rng(seed + 1)
    x, g = rng.standard_normal((n, n_in)), rng.standard_normal((n, n_out))
    W, b = dense.params["W"].copy(), dense.params["b"].copy()
    assert W.shape == (n_in, n_out) and b.shape == (n_out,)
    dense.set_training(False)
    assert_close(dense.forward(x), O.fullyconnected_forward(x, W, b), ORACLE_TOL, "forward")
    assert dense.output_shape((n_in,)) == (n_out,)
    out, dx, grads = train_step(dense, x, g)
    eW, eb, ex = O.fullyconnected_backward(g, W, x)
    assert_close(out, O.fullyconnected_forward(x, W, b), ORACLE_TOL, "forward (training)")
    assert_close(grads["W"], eW, ORACLE_TOL, "dW (mean loss)")
    assert_close(grads["b"], eb, ORACLE_TOL, "db (mean loss)")
    assert_close(dx, ex, ORACLE_TOL, "dx (summed loss)")


@pytest.mark.parametrize("n, n_in, n_out, seed", DENSE_CASES)
def test_dense_finite_differences(n, n_in, n_out, seed):
    x = np.random.default_rng(seed + 2).standard_normal((n, n_in))
    gradcheck_layer(make_dense(n_in, n_out, seed), x, np.random.default_rng(seed + 3))


def test_dense_float32_and_no_input_grad():
    dense = make_dense(7, 5, 44, dtype=np.float32)
    rng = np.random.default_rng(45)
    x, g = rng.standard_normal((4, 7)), rng.standard_normal((4, 5))
    W, b = dense.params["W"].astype(np.float64), dense.params["b"].astype(np.float64)
    out, dx, grads = train_step(dense, x.astype(np.float32), g.astype(np.float32))
    eW, eb, ex = O.fullyconnected_backward(g.astype(np.float32), W, x.astype(np.float32))
    assert_close(out, O.fullyconnected_forward(x.astype(np.float32), W, b), F32_TOL, "out", np.float32)
    assert_close(grads["W"], eW, F32_TOL, "dW", np.float32)
    assert_close(dx, ex, F32_TOL, "dx", np.float32)
    dense.set_input_gradient(False)
    _, none, grads2 = train_step(dense, x.astype(np.float32), g.astype(np.float32))
    assert none is None
    np.testing.assert_array_equal(grads2["W"], grads["W"])
    with pytest.raises(ValueError):
        dense.output_shape((8,))

"""engine.nn.layers.activations.ReLU: shape kept, ``max(0, x)``, gradient only
where ``x > 0``; against the oracle (both memory layouts) and finite differences.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn.layers import ReLU
from tests.support import oracle as O
from tests.support.layer_checks import LAYOUTS, assert_close, gradcheck_layer, in_layout, train_step


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(3, 2, 4, 5), (4, 7)], ids=str)
def test_relu_matches_oracle(shape, layout):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape)
    relu = ReLU()
    relu.set_training(False)
    assert_close(relu.forward(in_layout(x, layout)), O.relu_forward(x), 0.0, "forward")
    out, dx, grads = train_step(relu, in_layout(x, layout), in_layout(g, layout))
    assert grads == {}
    assert_close(out, O.relu_forward(x), 0.0, "forward (training)")
    assert_close(dx, O.relu_backward(g, x), 0.0, "dx")


def test_relu_zero_input_gets_zero_gradient_and_float32_kept():
    x = np.array([[-1.0, 0.0, 2.0]], dtype=np.float32)
    out, dx, _ = train_step(ReLU(), x, np.ones_like(x))
    assert out.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 2]])
    np.testing.assert_array_equal(dx, [[0, 0, 1]])   # gradient passes only where x > 0


def test_relu_finite_differences():
    x = np.random.default_rng(22).standard_normal((2, 3, 3, 4))
    gradcheck_layer(ReLU(), x, np.random.default_rng(23))

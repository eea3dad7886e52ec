"""engine.nn.layers.reshape.Flatten: ``(N, C, H, W) -> (N, C*H*W)`` in C order,
against the oracle (both memory layouts) and finite differences.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn.layers import Flatten
from tests.support import oracle as O
from tests.support.layer_checks import LAYOUTS, assert_close, gradcheck_layer, in_layout, train_step


@pytest.mark.parametrize("layout", LAYOUTS)
def test_flatten_matches_oracle(layout):
    rng = np.random.default_rng(31)
    x = rng.standard_normal((3, 2, 4, 5))
    g = rng.standard_normal((3, 40))
    flat = Flatten()
    assert flat.output_shape((2, 4, 5)) == (40,)
    flat.set_training(False)
    assert_close(flat.forward(in_layout(x, layout)), O.flatten_forward(x), 0.0, "forward")
    out, dx, grads = train_step(flat, in_layout(x, layout), g)
    assert grads == {}
    assert_close(out, O.flatten_forward(x), 0.0, "forward (training)")
    assert_close(dx, O.flatten_backward(g, x), 0.0, "dx")


def test_flatten_finite_differences():
    x = np.random.default_rng(32).standard_normal((2, 3, 2, 2))
    gradcheck_layer(Flatten(), x, np.random.default_rng(33))

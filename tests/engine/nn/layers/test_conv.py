"""engine.nn.layers.conv.Conv2D against the loop oracle and finite differences.

``(N, C, H, W) -> (N, D, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``; kernel
``K: (C, D, k1, k2)``, bias ``b: (D,)``. Objective and gradient conventions:
:mod:`tests.support.layer_checks`. Also: the first layer skips its input
gradient, He initialisation, and the reused im2col workspace.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.nn.layers import Conv2D
from tests.support import oracle as O
from tests.support.layer_checks import (F32_TOL, LAYOUTS, ORACLE_TOL, assert_close, gradcheck_layer,
                                        in_layout, make_conv, train_step)


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
    stride: tuple
    seed: int

    def __str__(self):
        return self.name

    def layer(self, dtype=np.float64) -> Conv2D:
        return make_conv(self.c, self.d, self.kernel, self.padding, self.stride, self.seed, dtype)

    def arrays(self):
        rng = np.random.default_rng(self.seed + 1000)
        x = rng.standard_normal((self.n, self.c, self.h, self.w))
        ho = O.output_size(self.h, self.kernel[0], self.padding[0], self.stride[0])
        wo = O.output_size(self.w, self.kernel[1], self.padding[1], self.stride[1])
        g = rng.standard_normal((self.n, self.d, ho, wo))
        return x, g


CONV_CASES = [
    #        name               N  C  D  H  W  kernel  padding stride seed
    ConvCase("3x3_p0_s1",       2, 3, 4, 6, 7, (3, 3), (0, 0), (1, 1), 1),
    ConvCase("3x3_p1_s1_same",  2, 2, 3, 5, 5, (3, 3), (1, 1), (1, 1), 2),
    ConvCase("5x5_p2_s1",       2, 1, 4, 6, 6, (5, 5), (2, 2), (1, 1), 3),
    ConvCase("3x3_p1_s2_floor", 2, 2, 3, 8, 7, (3, 3), (1, 1), (2, 2), 4),
    ConvCase("2x3_p1x0_s2x1",   3, 2, 2, 5, 6, (2, 3), (1, 0), (2, 1), 5),
    ConvCase("1x1_p0_s1",       2, 4, 3, 4, 4, (1, 1), (0, 0), (1, 1), 6),
    ConvCase("4x4_full_window", 2, 2, 3, 4, 4, (4, 4), (0, 0), (1, 1), 7),
    ConvCase("3x3_p2_s3",       1, 2, 2, 7, 8, (3, 3), (2, 2), (3, 3), 8),
]


def check_training_step(conv: Conv2D, case: ConvCase, layout: str = "nchw"):
    """One training step of ``conv`` on ``case``'s arrays (in ``conv``'s dtype
    and ``layout``) against the oracle: output, dK, db (mean loss) and dx
    (summed loss), to ``ORACLE_TOL`` in float64, ``F32_TOL`` in float32.
    :return: ``(out, dx)``."""
    dtype = conv.params["K"].dtype
    tol = ORACLE_TOL if dtype == np.float64 else F32_TOL
    x, g = (a.astype(dtype) for a in case.arrays())
    K, b = conv.params["K"].astype(np.float64), conv.params["b"].astype(np.float64)
    out, dx, grads = train_step(conv, in_layout(x, layout), in_layout(g, layout))
    assert_close(out, O.conv_forward(x, K, b, case.padding, case.stride), tol, "forward", dtype)
    eK, eb, ex = O.conv_backward(g, K, x, case.padding, case.stride)
    assert_close(grads["K"], eK, tol, "dK (mean loss)", dtype)
    assert_close(grads["b"], eb, tol, "db (mean loss)", dtype)
    assert_close(dx, ex, tol, "dx (summed loss)", dtype)
    return out, dx


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_forward_backward_match_oracle(case, layout):
    conv = case.layer(np.float64)
    x, _ = case.arrays()
    K, b = conv.params["K"].copy(), conv.params["b"].copy()

    conv.set_training(False)
    out_eval = conv.forward(in_layout(x, layout))
    expected = O.conv_forward(x, K, b, case.padding, case.stride)
    assert_close(out_eval, expected, ORACLE_TOL, "forward (eval)")
    assert out_eval.shape[1:] == conv.output_shape(x.shape[1:])

    out, _ = check_training_step(conv, case, layout)
    np.testing.assert_array_equal(out, out_eval)   # training mode computes the same output


@pytest.mark.parametrize("case", CONV_CASES[:5], ids=str)
def test_conv2d_float32_forward_and_backward(case):
    check_training_step(case.layer(np.float32), case)


@pytest.mark.parametrize("case", [c for c in CONV_CASES if c.name != "1x1_p0_s1"], ids=str)
def test_conv2d_finite_differences(case):
    x, _ = case.arrays()
    gradcheck_layer(case.layer(np.float64), x, np.random.default_rng(case.seed + 2000))


def test_conv2d_without_input_gradient_returns_none_and_same_param_grads():
    case = CONV_CASES[1]
    x, g = case.arrays()
    with_dx = case.layer(np.float64)
    without_dx = case.layer(np.float64)
    without_dx.set_input_gradient(False)
    _, dx, grads = train_step(with_dx, x, g)
    _, none, grads_no_dx = train_step(without_dx, x, g)
    assert dx is not None and dx.shape == x.shape
    assert none is None
    for k in grads:
        np.testing.assert_array_equal(grads_no_dx[k], grads[k])


def test_conv2d_constructor_dtype_shapes_and_init():
    conv = Conv2D(3, 5, 3, padding=1, rng=np.random.default_rng(0), dtype=np.float64)
    assert conv.params["K"].shape == (3, 5, 3, 3) and conv.params["b"].shape == (5,)
    assert all(v.dtype == np.float64 for v in list(conv.params.values()) + list(conv.grads.values()))
    assert set(conv.grads) == set(conv.params)
    # He initialisation: std ~ sqrt(2 / fan_in), zero bias
    big = Conv2D(8, 64, 3, rng=np.random.default_rng(1))
    assert big.params["K"].dtype == np.float32
    assert abs(big.params["K"].std() - np.sqrt(2 / 72)) < 0.1 * np.sqrt(2 / 72)
    assert not big.params["b"].any()
    # same rng seed -> same weights
    again = Conv2D(8, 64, 3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(again.params["K"], big.params["K"])
    with pytest.raises(ValueError):
        conv.output_shape((2, 8, 8))      # wrong channel count
    with pytest.raises(ValueError):
        Conv2D(1, 1, 5).output_shape((1, 3, 3))  # kernel does not fit


def test_conv2d_buffer_reuse_does_not_leak_between_batches():
    """The im2col workspace is reused: a smaller batch after a larger one must
    still give exact results (forward and gradients)."""
    case = CONV_CASES[0]
    conv = case.layer(np.float64)
    rng = np.random.default_rng(5)
    big = rng.standard_normal((5, case.c, case.h, case.w))
    g_big = rng.standard_normal((5,) + conv.output_shape(big.shape[1:]))
    train_step(conv, big, g_big)
    x, g = case.arrays()
    out, dx, grads = train_step(conv, x, g)
    K, b = conv.params["K"], conv.params["b"]
    assert_close(out, O.conv_forward(x, K, b, case.padding, case.stride), ORACLE_TOL, "forward")
    eK, eb, ex = O.conv_backward(g, K, x, case.padding, case.stride)
    assert_close(grads["K"], eK, ORACLE_TOL, "dK")
    assert_close(dx, ex, ORACLE_TOL, "dx")

"""engine.layers: every layer class against the loop oracle and finite differences.

Objective used for every gradient check. For a layer ``f`` and a fixed random
upstream gradient ``g`` (shaped like the output), let

    S(x, theta) = sum(g * f(x; theta))      (the loss SUMMED over the batch)
    L(x, theta) = S / N                     (the MEAN loss over the batch)

The engine's conventions (engine/functional.py) say that, after a training
forward pass, ``layer.backward(g)`` returns the INPUT gradient of the summed
loss, ``dS/dx``, and fills ``layer.grads`` with PARAMETER gradients of the
mean loss, ``dL/dtheta = (1/N) dS/dtheta``. Both are checked in float64
against central finite differences (tests/engine/gradcheck.py) and against
the naive oracle's backward functions (tests/engine/oracle.py).

Activations inside the engine are logical NCHW arrays stored batch-innermost
(CHWN, engine/im2col.py), so the oracle comparisons are also run with the
input and upstream gradient in that memory layout.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.layers import LAYER_TYPES, Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, ReLU
from tests.support import oracle as O
from tests.support.gradcheck import numerical_gradient, relative_error

ORACLE_TOL = 1e-10      # float64 engine vs float64 oracle
F32_TOL = 1e-5          # float32 engine vs float64 oracle
GRAD_TOL = 1e-8         # float64 analytic vs central finite differences (worst seen ~2e-9)
LAYOUTS = ["nchw", "chwn"]


# ------------------------------------------------------------------ helpers
def in_layout(x: np.ndarray, layout: str) -> np.ndarray:
    """The same logical array, stored C-contiguous (``nchw``) or batch-innermost (``chwn``)."""
    if layout == "nchw" or x.ndim != 4:
        return np.ascontiguousarray(x)
    out = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    assert out.shape[0] == 1 or out.strides[0] == out.itemsize  # batch really is innermost
    return out


def assert_close(actual, expected, tol, what, dtype=np.float64):
    assert isinstance(actual, np.ndarray), f"{what}: not an ndarray ({type(actual)})"
    assert actual.dtype == np.dtype(dtype), f"{what}: dtype {actual.dtype}, expected {np.dtype(dtype)}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = relative_error(actual, expected)
    assert err <= tol, f"{what}: relative error {err:.3g} > {tol:.0e}"


def randomise_biases(layer: Layer, rng: np.random.Generator) -> None:
    """Layers start with zero biases; give them values so bias bugs can show."""
    if "b" in layer.params:
        layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)


def train_step(layer: Layer, x: np.ndarray, g: np.ndarray):
    """Training-mode forward + backward: ``(out, dx, {param: grad copy})``."""
    layer.training = True
    out = layer.forward(x)
    dx = layer.backward(g)
    return out, dx, {k: v.copy() for k, v in layer.grads.items()}


def gradcheck_layer(layer: Layer, x: np.ndarray, rng: np.random.Generator, tol: float = GRAD_TOL):
    """Finite-difference check of ``dS/dx`` and ``dL/dtheta`` (see module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    layer.training = False
    g = rng.standard_normal(layer.forward(x).shape)
    _, dx, grads = train_step(layer, x, g)
    assert set(grads) == set(layer.params)

    layer.training = False  # finite differences only need forward passes

    def summed(x_):
        return float(np.sum(g * layer.forward(x_)))

    num_dx = numerical_gradient(summed, x)
    assert dx is not None
    err = relative_error(dx, num_dx)
    assert err <= tol, f"{layer.name}: input gradient rel error {err:.3g} > {tol:.0e}"
    for name, p in layer.params.items():
        original = p.copy()

        def summed_p(value, p=p):
            np.copyto(p, value)
            return summed(x)

        num = numerical_gradient(summed_p, original) / n   # gradient of the MEAN loss
        np.copyto(p, original)
        assert grads[name].dtype == np.float64
        err = relative_error(grads[name], num)
        assert err <= tol, f"{layer.name}.{name}: rel error {err:.3g} > {tol:.0e}"
    # parameters restored: the layer still computes what it computed before
    np.testing.assert_array_equal(layer.forward(x), layer.forward(x))


def held_arrays(layer: Layer, exclude=()) -> list[str]:
    """Attributes of ``layer`` (besides params/grads) that hold an ndarray."""
    found = []
    for key, value in vars(layer).items():
        if key in ("params", "grads") or key in exclude:
            continue
        values = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(v, np.ndarray) for v in values):
            found.append(key)
    return found


# ============================================================== Conv2D
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
        rng = np.random.default_rng(self.seed)
        conv = Conv2D(self.c, self.d, self.kernel, padding=self.padding, stride=self.stride,
                      rng=rng, dtype=dtype)
        randomise_biases(conv, rng)
        return conv

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


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_forward_backward_match_oracle(case, layout):
    conv = case.layer(np.float64)
    x, g = case.arrays()
    K, b = conv.params["K"].copy(), conv.params["b"].copy()

    conv.training = False
    out_eval = conv.forward(in_layout(x, layout))
    expected = O.conv_forward(x, K, b, case.padding, case.stride)
    assert_close(out_eval, expected, ORACLE_TOL, "forward (eval)")
    assert out_eval.shape[1:] == conv.output_shape(x.shape[1:])

    out, dx, grads = train_step(conv, in_layout(x, layout), in_layout(g, layout))
    np.testing.assert_array_equal(out, out_eval)   # training mode computes the same output
    eK, eb, ex = O.conv_backward(g, K, x, case.padding, case.stride)
    assert_close(grads["K"], eK, ORACLE_TOL, "dK (mean loss)")
    assert_close(grads["b"], eb, ORACLE_TOL, "db (mean loss)")
    assert_close(dx, ex, ORACLE_TOL, "dx (summed loss)")


@pytest.mark.parametrize("case", CONV_CASES[:5], ids=str)
def test_conv2d_float32_forward_and_backward(case):
    conv = case.layer(np.float32)
    x, g = case.arrays()
    K, b = conv.params["K"].astype(np.float64), conv.params["b"].astype(np.float64)
    out, dx, grads = train_step(conv, x.astype(np.float32), g.astype(np.float32))
    assert_close(out, O.conv_forward(x.astype(np.float32), K, b, case.padding, case.stride),
                 F32_TOL, "forward", np.float32)
    eK, eb, ex = O.conv_backward(g.astype(np.float32), K, x.astype(np.float32), case.padding, case.stride)
    assert_close(grads["K"], eK, F32_TOL, "dK", np.float32)
    assert_close(grads["b"], eb, F32_TOL, "db", np.float32)
    assert_close(dx, ex, F32_TOL, "dx", np.float32)


@pytest.mark.parametrize("case", [c for c in CONV_CASES if c.name != "1x1_p0_s1"], ids=str)
def test_conv2d_finite_differences(case):
    x, _ = case.arrays()
    gradcheck_layer(case.layer(np.float64), x, np.random.default_rng(case.seed + 2000))


def test_conv2d_without_input_gradient_returns_none_and_same_param_grads():
    case = CONV_CASES[1]
    x, g = case.arrays()
    with_dx = case.layer(np.float64)
    without_dx = case.layer(np.float64)
    without_dx.need_input_grad = False
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


# ============================================================== MaxPool2D
@dataclass(frozen=True)
class PoolCase:
    name: str
    n: int
    c: int
    h: int
    w: int
    pool: tuple
    stride: tuple | None
    padding: tuple
    seed: int

    def __str__(self):
        return self.name

    def layer(self) -> MaxPool2D:
        return MaxPool2D(self.pool, stride=self.stride, padding=self.padding)

    @property
    def strides(self):
        return self.stride if self.stride is not None else self.pool

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        x = rng.standard_normal((self.n, self.c, self.h, self.w))
        ho = O.output_size(self.h, self.pool[0], self.padding[0], self.strides[0])
        wo = O.output_size(self.w, self.pool[1], self.padding[1], self.strides[1])
        return x, rng.standard_normal((self.n, self.c, ho, wo))


POOL_CASES = [
    #        name                    N  C  H  W  pool    stride  padding seed
    PoolCase("tiled_2x2",            2, 3, 6, 6, (2, 2), None,   (0, 0), 11),
    PoolCase("tiled_2x2_floor_7x5",  2, 2, 7, 5, (2, 2), None,   (0, 0), 12),
    PoolCase("tiled_2x2_pad1",       2, 2, 5, 5, (2, 2), None,   (1, 1), 13),
    PoolCase("tiled_2x3",            2, 2, 6, 6, (2, 3), None,   (0, 0), 14),
    PoolCase("tiled_3x3_pad1",       1, 2, 7, 7, (3, 3), (3, 3), (1, 1), 15),
    PoolCase("overlap_3x3_s2",       2, 2, 7, 7, (3, 3), (2, 2), (0, 0), 16),
    PoolCase("overlap_3x3_s2_pad1",  2, 2, 6, 6, (3, 3), (2, 2), (1, 1), 17),
    PoolCase("overlap_3x3_s1_pad1",  1, 2, 5, 5, (3, 3), (1, 1), (1, 1), 18),
    PoolCase("gapped_2x2_s3",        2, 2, 8, 8, (2, 2), (3, 3), (0, 0), 19),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_forward_backward_match_oracle(case, layout):
    pool = case.layer()
    x, g = case.arrays()
    pool.training = False
    out_eval = pool.forward(in_layout(x, layout))
    expected = O.max_pooling_forward(x, case.pool, case.strides, case.padding)
    assert_close(out_eval, expected, ORACLE_TOL, "forward (eval)")
    assert out_eval.shape[1:] == pool.output_shape(x.shape[1:])
    out, dx, grads = train_step(pool, in_layout(x, layout), in_layout(g, layout))
    assert grads == {}
    np.testing.assert_array_equal(out, out_eval)
    assert_close(dx, O.max_pooling_backward(g, x, case.pool, case.strides, case.padding),
                 ORACLE_TOL, "dx")


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_ties_route_gradient_to_first_maximum(case):
    """Integer-valued inputs have many ties (also with the zero padding): each
    window's gradient must go to its first maximum, as in the oracle."""
    rng = np.random.default_rng(case.seed + 100)
    x = rng.integers(-1, 2, size=(case.n, case.c, case.h, case.w)).astype(np.float64)
    _, g = case.arrays()
    out, dx, _ = train_step(case.layer(), x, g)
    np.testing.assert_array_equal(out, O.max_pooling_forward(x, case.pool, case.strides, case.padding))
    np.testing.assert_array_equal(dx, O.max_pooling_backward(g, x, case.pool, case.strides, case.padding))


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_finite_differences(case):
    x, _ = case.arrays()
    gradcheck_layer(case.layer(), x, np.random.default_rng(case.seed + 200))


def test_maxpool_float32_keeps_dtype():
    case = POOL_CASES[0]
    x, g = case.arrays()
    out, dx, _ = train_step(case.layer(), x.astype(np.float32), g.astype(np.float32))
    assert out.dtype == np.float32 and dx.dtype == np.float32
    assert_close(out, O.max_pooling_forward(x.astype(np.float32), case.pool), F32_TOL, "out", np.float32)


def test_maxpool_default_stride_is_pool_size():
    assert MaxPool2D(3).stride == (3, 3)
    assert MaxPool2D(2).output_shape((4, 9, 8)) == (4, 4, 4)
    assert MaxPool2D(3, stride=2, padding=1).output_shape((1, 28, 28)) == (1, 14, 14)


# ============================================================== ReLU
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(3, 2, 4, 5), (4, 7)], ids=str)
def test_relu_matches_oracle(shape, layout):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape)
    relu = ReLU()
    relu.training = False
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


# ============================================================== Flatten
@pytest.mark.parametrize("layout", LAYOUTS)
def test_flatten_matches_oracle(layout):
    rng = np.random.default_rng(31)
    x = rng.standard_normal((3, 2, 4, 5))
    g = rng.standard_normal((3, 40))
    flat = Flatten()
    assert flat.output_shape((2, 4, 5)) == (40,)
    flat.training = False
    assert_close(flat.forward(in_layout(x, layout)), O.flatten_forward(x), 0.0, "forward")
    out, dx, grads = train_step(flat, in_layout(x, layout), g)
    assert grads == {}
    assert_close(out, O.flatten_forward(x), 0.0, "forward (training)")
    assert_close(dx, O.flatten_backward(g, x), 0.0, "dx")


def test_flatten_finite_differences():
    x = np.random.default_rng(32).standard_normal((2, 3, 2, 2))
    gradcheck_layer(Flatten(), x, np.random.default_rng(33))


# ============================================================== Dense
DENSE_CASES = [(4, 7, 5, 41), (1, 3, 1, 42), (6, 16, 10, 43)]   # N, in, out, seed


def make_dense(n_in, n_out, seed, dtype=np.float64) -> Dense:
    rng = np.random.default_rng(seed)
    dense = Dense(n_in, n_out, rng=rng, dtype=dtype)
    randomise_biases(dense, rng)
    return dense


@pytest.mark.parametrize("n, n_in, n_out, seed", DENSE_CASES)
def test_dense_matches_oracle(n, n_in, n_out, seed):
    dense = make_dense(n_in, n_out, seed)
    rng = np.random.default_rng(seed + 1)
    x, g = rng.standard_normal((n, n_in)), rng.standard_normal((n, n_out))
    W, b = dense.params["W"].copy(), dense.params["b"].copy()
    assert W.shape == (n_in, n_out) and b.shape == (n_out,)
    dense.training = False
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
    dense.need_input_grad = False
    _, none, grads2 = train_step(dense, x.astype(np.float32), g.astype(np.float32))
    assert none is None
    np.testing.assert_array_equal(grads2["W"], grads["W"])
    with pytest.raises(ValueError):
        dense.output_shape((8,))


# ============================================================== Dropout
def test_dropout_eval_is_identity():
    x = np.random.default_rng(51).standard_normal((4, 3, 5, 5))
    drop = Dropout(0.5, seed=1)
    drop.training = False
    out = drop.forward(x)
    np.testing.assert_array_equal(out, x)
    g = np.ones_like(x)
    np.testing.assert_array_equal(drop.backward(g), g)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_dropout_training_zeroes_rate_and_scales(rate, dtype):
    x = (np.random.default_rng(52).random((200, 500)) + 0.5).astype(dtype)  # all > 0
    drop = Dropout(rate, seed=7)
    drop.training = True
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
        d.training = True
    first_a, first_b, first_c = a.forward(x), b.forward(x), c.forward(x)
    np.testing.assert_array_equal(first_a, first_b)         # same seed, same mask
    assert not np.array_equal(first_a, first_c)             # other seed, other mask
    second_a = a.forward(x)
    assert not np.array_equal(first_a, second_a)            # a new mask every call
    np.testing.assert_array_equal(second_a, b.forward(x))   # ... reproducibly
    # from_config restarts the same stream
    twin = Dropout.from_config(a.config())
    twin.training = True
    np.testing.assert_array_equal(twin.forward(x), first_a)


def test_dropout_rate_zero_and_validation():
    x = np.random.default_rng(54).standard_normal((3, 4))
    drop = Dropout(0.0)
    drop.training = True
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
    _, dx, _ = train_step(drop, x, g)
    mask = drop._mask.copy()
    num = numerical_gradient(lambda x_: float(np.sum(g * x_ * mask)), x)
    assert relative_error(dx, num) <= GRAD_TOL
    assert 0 < (mask == 0).sum() < mask.size
    np.testing.assert_array_equal(dx == 0, mask == 0)


# ============================================================== caches
LAYER_FACTORIES = {
    "conv": (lambda: CONV_CASES[1].layer(), (2, 2, 5, 5)),
    "conv_s2": (lambda: CONV_CASES[3].layer(), (2, 2, 8, 7)),
    "pool_tiled": (lambda: MaxPool2D(2, padding=1), (2, 2, 5, 5)),
    "pool_overlap": (lambda: MaxPool2D(3, stride=2), (2, 2, 7, 7)),
    "relu": (lambda: ReLU(), (2, 2, 3, 3)),
    "flatten": (lambda: Flatten(), (2, 2, 3, 3)),
    "dense": (lambda: make_dense(6, 4, 61), (3, 6)),
    "dropout": (lambda: Dropout(0.5, seed=1), (3, 6)),
}
# what each layer keeps for its backward pass (Conv2D's ``_cols_buf`` is a
# reusable im2col workspace, not a per-batch cache)
CACHE_ATTRS = ("_cache", "_x", "_out", "_mask")


@pytest.mark.parametrize("kind", list(LAYER_FACTORIES))
def test_eval_mode_keeps_no_cache_training_mode_does(kind):
    factory, shape = LAYER_FACTORIES[kind]
    x = np.random.default_rng(62).standard_normal(shape)

    fresh = factory()
    assert fresh.training is False  # layers start in eval mode
    out_eval = fresh.forward(x)
    assert held_arrays(fresh) == [], f"{kind}: eval forward kept {held_arrays(fresh)}"

    layer = factory()
    layer.training = True
    out = layer.forward(x)
    if kind != "dropout":
        np.testing.assert_array_equal(out, out_eval)
    if kind not in ("flatten",):
        assert held_arrays(layer), f"{kind}: training forward cached nothing for backward"
    dx = layer.backward(np.ones_like(out))
    assert dx.shape == x.shape

    layer.training = False          # switching to eval releases the cache
    layer.forward(x)
    assert held_arrays(layer, exclude=("_cols_buf",)) == []
    for attr in CACHE_ATTRS:
        assert getattr(layer, attr, None) is None


# ============================================================== shared_copy / config
@pytest.mark.parametrize("kind", list(LAYER_FACTORIES))
def test_shared_copy_shares_params_but_not_grads(kind):
    factory, shape = LAYER_FACTORIES[kind]
    layer = factory()
    twin = layer.shared_copy()
    assert type(twin) is type(layer) and twin.name == layer.name
    assert twin.config() == layer.config()
    assert set(twin.params) == set(layer.params) == set(twin.grads)
    for k in layer.params:
        assert twin.params[k] is layer.params[k]
        assert twin.grads[k] is not layer.grads[k]
        assert twin.grads[k].dtype == layer.params[k].dtype
        assert not np.shares_memory(twin.grads[k], layer.grads[k])
    if kind == "dropout":
        return
    rng = np.random.default_rng(63)
    x1, x2 = rng.standard_normal(shape), rng.standard_normal(shape)
    # interleave: both cache, then both backward -- caches and grads stay separate
    layer.training = twin.training = True
    out1, out2 = layer.forward(x1), twin.forward(x2)
    g1, g2 = rng.standard_normal(out1.shape), rng.standard_normal(out2.shape)
    dx2 = twin.backward(g2)
    grads2 = {k: v.copy() for k, v in twin.grads.items()}
    dx1 = layer.backward(g1)
    ref = factory()   # an independent layer with the same weights
    _, rdx1, rgrads1 = train_step(ref, x1, g1)
    _, rdx2, rgrads2 = train_step(ref, x2, g2)
    np.testing.assert_array_equal(dx1, rdx1)
    np.testing.assert_array_equal(dx2, rdx2)
    for k in layer.params:
        np.testing.assert_array_equal(layer.grads[k], rgrads1[k])
        np.testing.assert_array_equal(twin.grads[k], grads2[k])   # untouched by layer.backward
        np.testing.assert_array_equal(grads2[k], rgrads2[k])
    # a change to the shared weights is seen by both
    for k, v in layer.params.items():
        v += 1.0
        np.testing.assert_array_equal(twin.params[k], v)


@pytest.mark.parametrize("kind", list(LAYER_FACTORIES))
def test_config_round_trip(kind):
    import json
    layer = LAYER_FACTORIES[kind][0]()
    cfg = layer.config()
    assert json.loads(json.dumps(cfg)) == cfg
    assert LAYER_TYPES[cfg["type"]] is type(layer)
    rebuilt = type(layer).from_config(cfg)
    assert rebuilt.config() == cfg
    assert {k: v.shape for k, v in rebuilt.params.items()} == {k: v.shape for k, v in layer.params.items()}
    assert repr(layer).startswith(type(layer).__name__ + "(")

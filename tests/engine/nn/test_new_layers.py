"""The layers a first CNN course adds - AvgPool2D, BatchNorm2D/1D, Tanh,
Sigmoid, LeakyReLU - and their functions in :mod:`engine.nn.functional_extra`,
against a naive loop oracle written here (it does not import the engine) and
central finite differences. Conventions: :mod:`tests.support.layer_checks`
(input gradients of the summed loss, parameter gradients of the mean loss;
both memory layouts).

Batch norm in training mode is checked in training mode: its output depends
on the whole batch, so the finite differences perturb one input value and
re-run the training forward pass (the running statistics it updates do not
change its training output).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.nn import functional_extra as FX
from engine.nn.layers import AvgPool2D, BatchNorm1D, BatchNorm2D, LeakyReLU, Sigmoid, Tanh
from tests.support.gradcheck import numerical_gradient, relative_error
from tests.support.layer_checks import (F32_TOL, GRAD_TOL, LAYOUTS, ORACLE_TOL, assert_close,
                                        gradcheck_layer, in_layout, train_step)


# =========================================================== the loop oracle
def o_out_size(size, k, p, s):
    return 1 + (size + 2 * p - k) // s


def o_avg_pool_forward(z, pool, stride, pad):
    """Mean of each window of the zero-padded input (zeros count), from the definition."""
    n_b, ch, h, w = z.shape
    (k1, k2), (s1, s2), (p1, p2) = pool, stride, pad
    ho, wo = o_out_size(h, k1, p1, s1), o_out_size(w, k2, p2, s2)
    out = np.zeros((n_b, ch, ho, wo))
    for n in range(n_b):
        for c in range(ch):
            for oh in range(ho):
                for ow in range(wo):
                    acc = 0.0
                    for i in range(k1):
                        for j in range(k2):
                            r, q = oh * s1 + i - p1, ow * s2 + j - p2
                            if 0 <= r < h and 0 <= q < w:
                                acc += z[n, c, r, q]
                    out[n, c, oh, ow] = acc / (k1 * k2)
    return out


def o_avg_pool_backward(g, z_shape, pool, stride, pad):
    n_b, ch, h, w = z_shape
    (k1, k2), (s1, s2), (p1, p2) = pool, stride, pad
    dz = np.zeros(z_shape)
    for n in range(n_b):
        for c in range(ch):
            for oh in range(g.shape[2]):
                for ow in range(g.shape[3]):
                    for i in range(k1):
                        for j in range(k2):
                            r, q = oh * s1 + i - p1, ow * s2 + j - p2
                            if 0 <= r < h and 0 <= q < w:
                                dz[n, c, r, q] += g[n, c, oh, ow] / (k1 * k2)
    return dz


def o_channel_values(x, c):
    """All values of channel ``c`` of ``(N, C)`` or ``(N, C, H, W)``, as (index, value) pairs."""
    idx = [i for i in np.ndindex(*x.shape) if i[1] == c]
    return idx, [float(x[i]) for i in idx]


def o_bn_forward(x, gamma, beta, eps):
    """Batch norm with the batch statistics, channel by channel: ``(out, mean, var)``."""
    out, means, vars_ = np.zeros(x.shape), [], []
    for c in range(x.shape[1]):
        idx, vals = o_channel_values(x, c)
        mean = sum(vals) / len(vals)
        var = sum((v - mean) ** 2 for v in vals) / len(vals)
        for i, v in zip(idx, vals):
            out[i] = gamma[c] * (v - mean) / math.sqrt(var + eps) + beta[c]
        means.append(mean)
        vars_.append(var)
    return out, np.array(means), np.array(vars_)


def o_bn_backward(g, x, gamma, eps):
    """The staged chain rule (x -> mean, var -> x_hat -> out) channel by channel:
    ``(dgamma / N, dbeta / N, dx)``."""
    n_b = x.shape[0]
    dx, dgamma, dbeta = np.zeros(x.shape), np.zeros(x.shape[1]), np.zeros(x.shape[1])
    for c in range(x.shape[1]):
        idx, vals = o_channel_values(x, c)
        m = len(vals)
        mean = sum(vals) / m
        var = sum((v - mean) ** 2 for v in vals) / m
        std = math.sqrt(var + eps)
        gs = [float(g[i]) for i in idx]
        xhat = [(v - mean) / std for v in vals]
        dgamma[c] = sum(gi * xh for gi, xh in zip(gs, xhat))
        dbeta[c] = sum(gs)
        dxhat = [gi * gamma[c] for gi in gs]
        dvar = sum(d * (v - mean) for d, v in zip(dxhat, vals)) * -0.5 * (var + eps) ** -1.5
        dmean = -sum(dxhat) / std + dvar * sum(-2 * (v - mean) for v in vals) / m
        for i, d, v in zip(idx, dxhat, vals):
            dx[i] = d / std + dvar * 2 * (v - mean) / m + dmean / m
    return dgamma / n_b, dbeta / n_b, dx


def o_elementwise(x, fn):
    out = np.zeros(x.shape)
    for i in np.ndindex(*x.shape):
        out[i] = fn(float(x[i]))
    return out


ACTIVATIONS = {   # name: (layer factory, f(v), f'(v))
    "tanh": (Tanh, math.tanh, lambda v: 1 - math.tanh(v) ** 2),
    "sigmoid": (Sigmoid, lambda v: 1 / (1 + math.exp(-v)),
                lambda v: math.exp(-v) / (1 + math.exp(-v)) ** 2),
    "leaky": (lambda: LeakyReLU(0.2), lambda v: v if v > 0 else 0.2 * v,
              lambda v: 1.0 if v > 0 else 0.2),
}


# ============================================================ average pooling
POOLS = [   # (name, (N, C, H, W), pool, stride, padding)
    ("tiled_2x2", (2, 3, 6, 6), (2, 2), (2, 2), (0, 0)),
    ("tiled_floor_7x5", (2, 2, 7, 5), (2, 2), (2, 2), (0, 0)),
    ("overlap_3x3_s2_pad1", (2, 2, 6, 5), (3, 3), (2, 2), (1, 1)),
    ("overlap_3x3_s1_pad1", (1, 2, 5, 5), (3, 3), (1, 1), (1, 1)),
    ("gapped_2x2_s3", (2, 2, 8, 8), (2, 2), (3, 3), (0, 0)),
    ("rect_2x3_s1x2", (1, 2, 5, 7), (2, 3), (1, 2), (1, 0)),
    ("whole_map_to_1x1", (2, 3, 4, 4), (4, 4), (4, 4), (0, 0)),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", POOLS, ids=lambda c: c[0])
def test_avgpool_matches_the_oracle(case, layout):
    _, shape, pool, stride, pad = case
    rng = np.random.default_rng(len(case[0]))
    x = rng.standard_normal(shape)
    layer = AvgPool2D(pool, stride=stride, padding=pad)
    expected = o_avg_pool_forward(x, pool, stride, pad)
    assert expected.shape[1:] == layer.output_shape(shape[1:])
    g = rng.standard_normal(expected.shape)
    out, dx, grads = train_step(layer, in_layout(x, layout), in_layout(g, layout))
    assert grads == {}
    assert_close(out, expected, ORACLE_TOL, "forward")
    assert_close(dx, o_avg_pool_backward(g, shape, pool, stride, pad), ORACLE_TOL, "dx")
    assert_close(FX.avg_pooling_forward(x, pool, stride, pad), expected, ORACLE_TOL, "functional")
    assert_close(FX.avg_pooling_backward(g, x, pool, stride, pad),
                 o_avg_pool_backward(g, shape, pool, stride, pad), ORACLE_TOL, "functional dx")


@pytest.mark.parametrize("case", POOLS, ids=lambda c: c[0])
def test_avgpool_finite_differences(case):
    _, shape, pool, stride, pad = case
    x = np.random.default_rng(3).standard_normal(shape)
    gradcheck_layer(AvgPool2D(pool, stride=stride, padding=pad), x, np.random.default_rng(4))


def test_avgpool_hand_values_and_float32():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(AvgPool2D(2).forward(x)[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # padding 1, 3x3 window, stride 2 at the corner: (0 + 1 + 4 + 5) / 9 (the zeros count)
    out = AvgPool2D(3, stride=2, padding=1).forward(x)
    assert out.dtype == np.float32 and out[0, 0, 0, 0] == pytest.approx(10 / 9)
    g = np.ones((1, 1, 2, 2), np.float32)
    dx = AvgPool2D(2).pure_backward(g, x.shape)
    assert dx.dtype == np.float32 and np.all(dx == 0.25)


# ======================================================== batch normalisation
BN_CASES = [   # (name, factory, input shape)
    ("maps", lambda: BatchNorm2D(3, eps=1e-3), (4, 3, 3, 2)),
    ("maps_one_pixel", lambda: BatchNorm2D(2, eps=1e-3), (5, 2, 1, 1)),
    ("features", lambda: BatchNorm1D(4, eps=1e-3), (6, 4)),
]


def bn_layer(factory, seed):
    """A batch-norm layer in float64 with non-trivial gamma and beta."""
    layer = factory()
    rng = np.random.default_rng(seed)
    layer.load_params({"gamma": rng.uniform(0.5, 2.0, layer.num_features),
                       "beta": rng.standard_normal(layer.num_features)})
    return layer


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", BN_CASES, ids=lambda c: c[0])
def test_batchnorm_training_matches_the_oracle(case, layout):
    _, factory, shape = case
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape) * 3 + 1
    g = rng.standard_normal(shape)
    layer = bn_layer(factory, 8)
    gamma, beta = layer.params["gamma"].copy(), layer.params["beta"].copy()
    out, dx, grads = train_step(layer, in_layout(x, layout), in_layout(g, layout))
    expected, _, _ = o_bn_forward(x, gamma, beta, layer.eps)
    dgamma, dbeta, dz = o_bn_backward(g, x, gamma, layer.eps)
    assert_close(out, expected, ORACLE_TOL, "forward")
    assert_close(dx, dz, 1e-9, "dx")
    assert_close(grads["gamma"], dgamma, ORACLE_TOL, "dgamma")
    assert_close(grads["beta"], dbeta, ORACLE_TOL, "dbeta")


@pytest.mark.parametrize("case", BN_CASES, ids=lambda c: c[0])
def test_batchnorm_training_finite_differences(case):
    _, factory, shape = case
    rng = np.random.default_rng(9)
    x = rng.standard_normal(shape)
    layer = bn_layer(factory, 10)
    g = rng.standard_normal(shape)
    _, dx, grads = train_step(layer, x, g)

    def summed(x_):
        return float(np.sum(g * layer.forward(x_)))          # training mode: batch statistics

    assert relative_error(dx, numerical_gradient(summed, x)) <= GRAD_TOL
    for key, p in layer.params.items():
        original = p.copy()

        def summed_p(value, p=p):
            np.copyto(p, value)
            return summed(x)

        num = numerical_gradient(summed_p, original) / shape[0]    # the MEAN loss
        np.copyto(p, original)
        assert relative_error(grads[key], num) <= GRAD_TOL, key


@pytest.mark.parametrize("case", BN_CASES, ids=lambda c: c[0])
def test_batchnorm_running_statistics_and_inference(case):
    """Training moves the running statistics by ``momentum`` towards the batch's
    (variance unbiased); inference normalises with them, and its input
    gradient (``pure_backward``) matches finite differences."""
    _, factory, shape = case
    rng = np.random.default_rng(11)
    layer = bn_layer(factory, 12)
    x = rng.standard_normal(shape) * 2 + 3
    _, mean, var = o_bn_forward(x, layer.params["gamma"], layer.params["beta"], layer.eps)
    m = x.size // shape[1]
    layer.set_training(True)
    layer.forward(x)
    np.testing.assert_allclose(layer.buffers["running_mean"], 0.9 * 0 + 0.1 * mean, rtol=1e-6)
    np.testing.assert_allclose(layer.buffers["running_var"], 0.9 * 1 + 0.1 * var * m / (m - 1),
                               rtol=1e-6)
    layer.set_training(False)
    rm, rv = (layer.buffers[k].astype(np.float64) for k in ("running_mean", "running_var"))
    bshape = (1, -1) + (1,) * (len(shape) - 2)
    expected = ((x - rm.reshape(bshape)) / np.sqrt(rv.reshape(bshape) + layer.eps)
                * layer.params["gamma"].reshape(bshape) + layer.params["beta"].reshape(bshape))
    assert_close(layer.forward(x), expected, 1e-7, "eval forward")
    out, memo = layer.pure_forward(x)
    np.testing.assert_array_equal(out, layer.forward(x))
    g = rng.standard_normal(shape)
    num = numerical_gradient(lambda x_: float(np.sum(g * layer.pure_forward(x_)[0])), x)
    assert relative_error(layer.pure_backward(g, memo), num) <= GRAD_TOL


def test_batchnorm_shared_copy_reads_but_never_updates_the_running_statistics():
    layer = BatchNorm2D(2)
    twin = layer.shared_copy()
    assert twin.buffers["running_mean"] is layer.buffers["running_mean"]
    twin.set_training(True)
    twin.forward(np.random.default_rng(0).standard_normal((3, 2, 2, 2)).astype(np.float32) + 5)
    np.testing.assert_array_equal(layer.buffers["running_mean"], 0.0)
    layer.set_training(True)
    layer.forward(np.full((3, 2, 2, 2), 5.0, np.float32))
    np.testing.assert_allclose(twin.buffers["running_mean"], 0.5)   # seen by the twin


def test_batchnorm_non_finite_batch_leaves_the_running_statistics_alone():
    layer = BatchNorm1D(3)
    layer.set_training(True)
    x = np.ones((4, 3), np.float32)
    x[0, 1] = np.inf
    with np.errstate(all="ignore"):
        layer.forward(x)
    np.testing.assert_array_equal(layer.buffers["running_mean"], 0.0)
    np.testing.assert_array_equal(layer.buffers["running_var"], 1.0)


def test_batchnorm_float32_and_a_batch_of_one():
    x = np.random.default_rng(1).standard_normal((1, 4)).astype(np.float32)
    layer = BatchNorm1D(4)
    out, dx, grads = train_step(layer, x, np.ones_like(x))
    assert out.dtype == dx.dtype == grads["gamma"].dtype == np.float32
    np.testing.assert_array_equal(out, 0.0)          # one value per feature: x_hat = 0 -> beta
    np.testing.assert_array_equal(layer.buffers["running_var"], np.float32(0.9))   # var 0: no 0/0


# ================================================================ activations
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(3, 2, 4, 5), (4, 7)], ids=str)
def test_activation_matches_the_oracle(name, shape, layout):
    factory, f, df = ACTIVATIONS[name]
    rng = np.random.default_rng(21)
    x = rng.standard_normal(shape) * 3
    g = rng.standard_normal(shape)
    layer = factory()
    out, dx, grads = train_step(layer, in_layout(x, layout), in_layout(g, layout))
    assert grads == {}
    assert_close(out, o_elementwise(x, f), 1e-12, "forward")
    assert_close(dx, g * o_elementwise(x, df), 1e-12, "dx")
    out_p, memo = layer.pure_forward(x)
    assert_close(out_p, o_elementwise(x, f), 1e-12, "pure forward")
    assert_close(layer.pure_backward(g, memo), g * o_elementwise(x, df), 1e-12, "pure dx")


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_finite_differences(name):
    x = np.random.default_rng(22).standard_normal((2, 3, 3, 4))
    gradcheck_layer(ACTIVATIONS[name][0](), x, np.random.default_rng(23))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_float32_and_extremes(name):
    factory, f, _ = ACTIVATIONS[name]
    x = np.array([[-1000.0, -1.0, 0.0, 1.0, 1000.0]], dtype=np.float32)
    with np.errstate(all="raise"):                    # no overflow warnings at the extremes
        out, dx, _ = train_step(factory(), x, np.ones_like(x))
    assert out.dtype == dx.dtype == np.float32
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    assert_close(out[:, 1:4], o_elementwise(x[:, 1:4], f), F32_TOL, "out", np.float32)


def test_output_signs_of_the_new_layers():
    assert Tanh().output_signed(True) and not Tanh().output_signed(False)
    assert not Sigmoid().output_signed(True)
    assert LeakyReLU(0.1).output_signed(True) and not LeakyReLU(0.0).output_signed(True)
    assert BatchNorm2D(1).output_signed(False)              # beta can be negative
    assert AvgPool2D(2).output_signed(True) and not AvgPool2D(2).output_signed(False)

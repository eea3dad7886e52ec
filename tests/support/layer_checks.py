"""Checks shared by the layer tests (``tests/engine/nn/layers/``).

Objective used for every gradient check. For a layer ``f`` and a fixed random
upstream gradient ``g`` (shaped like the output), let

    S(x, theta) = sum(g * f(x; theta))      (the loss SUMMED over the batch)
    L(x, theta) = S / N                     (the MEAN loss over the batch)

The engine's conventions (engine/nn/functional.py) say that, after a training
forward pass, ``layer.backward(g)`` returns the INPUT gradient of the summed
loss, ``dS/dx``, and fills ``layer.grads`` with PARAMETER gradients of the
mean loss, ``dL/dtheta = (1/N) dS/dtheta``. Both are checked in float64
against central finite differences (tests/support/gradcheck.py) and against
the naive oracle's backward functions (tests/support/oracle.py).

Activations inside the engine are logical NCHW arrays stored batch-innermost
(CHWN, engine/nn/im2col.py), so the oracle comparisons are also run with the
input and upstream gradient in that memory layout (:func:`in_layout`).
"""
from __future__ import annotations

import numpy as np

from engine.nn.layers import Conv2D, Dense, Layer
from .gradcheck import numerical_gradient, relative_error

ORACLE_TOL = 1e-10      # float64 engine vs float64 oracle
F32_TOL = 1e-5          # float32 engine vs float64 oracle
GRAD_TOL = 1e-8         # float64 analytic vs central finite differences (worst seen ~2e-9)
LAYOUTS = ["nchw", "chwn"]


def in_layout(x: np.ndarray, layout: str) -> np.ndarray:
    """The same logical array, stored C-contiguous (``nchw``) or batch-innermost (``chwn``)."""
    if layout == "nchw" or x.ndim != 4:
        return np.ascontiguousarray(x)
    out = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    assert out.shape[0] == 1 or out.strides[0] == out.itemsize  # batch really is innermost
    return out


def assert_close(actual, expected, tol, what, dtype=np.float64):
    """``actual`` is an ndarray of ``dtype`` with ``expected``'s shape, within ``tol``."""
    assert isinstance(actual, np.ndarray), f"{what}: not an ndarray ({type(actual)})"
    assert actual.dtype == np.dtype(dtype), f"{what}: dtype {actual.dtype}, expected {np.dtype(dtype)}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = relative_error(actual, expected)
    assert err <= tol, f"{what}: relative error {err:.3g} > {tol:.0e}"


def randomise_biases(layer: Layer, rng: np.random.Generator) -> None:
    """Layers start with zero biases; give them values so bias bugs can show."""
    if "b" in layer.params:
        layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)


def make_conv(c, d, kernel, padding, stride, seed, dtype=np.float64) -> Conv2D:
    """``Conv2D(c -> d)`` with weights and (non-zero) biases drawn from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    conv = Conv2D(c, d, kernel, padding=padding, stride=stride, rng=rng, dtype=dtype)
    randomise_biases(conv, rng)
    return conv


def make_dense(n_in, n_out, seed, dtype=np.float64) -> Dense:
    """``Dense(n_in -> n_out)`` with weights and (non-zero) biases from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    dense = Dense(n_in, n_out, rng=rng, dtype=dtype)
    randomise_biases(dense, rng)
    return dense


def train_step(layer: Layer, x: np.ndarray, g: np.ndarray):
    """Training-mode forward + backward: ``(out, dx, {param: grad copy})``."""
    layer.set_training(True)
    out = layer.forward(x)
    dx = layer.backward(g)
    return out, dx, {k: v.copy() for k, v in layer.grads.items()}


def gradcheck_layer(layer: Layer, x: np.ndarray, rng: np.random.Generator, tol: float = GRAD_TOL):
    """Finite-difference check of ``dS/dx`` and ``dL/dtheta`` (see module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    layer.set_training(False)
    g = rng.standard_normal(layer.forward(x).shape)
    _, dx, grads = train_step(layer, x, g)
    assert set(grads) == set(layer.params)

    layer.set_training(False)  # finite differences only need forward passes

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

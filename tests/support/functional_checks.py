"""Assertions shared by the tests of :mod:`engine.nn.functional` (split by
concern over ``tests/engine/nn/test_functional*.py``).

* :func:`assert_matches`: the engine's output has the requested dtype, the
  oracle's shape and its values (relative error <= :data:`TOL` of the dtype);
* :func:`assert_grad`: an analytic gradient equals central finite
  differences (relative error <= :data:`GRAD_TOL`, float64).

Relative error is cs231n style: ``max|a-b| / max(|a|, |b|)`` over the array.
"""
from __future__ import annotations

import numpy as np

from .gradcheck import relative_error

TOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-5}
GRAD_TOL = 1e-7
DTYPES = [np.float64, np.float32]
DTYPE_IDS = ["f64", "f32"]


def assert_matches(actual, expected, dtype, what=""):
    """``actual`` (engine) has ``dtype`` and the oracle's shape and values."""
    dtype = np.dtype(dtype)
    assert isinstance(actual, np.ndarray), f"{what}: not an ndarray ({type(actual)})"
    assert actual.dtype == dtype, f"{what}: dtype {actual.dtype}, expected {dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = relative_error(actual, expected)
    assert err <= TOL[dtype], f"{what}: relative error {err:.3g} > {TOL[dtype]:.0e}"


def assert_grad(analytic, numeric, what=""):
    """``analytic`` equals the finite-difference gradient ``numeric`` (same shape)."""
    assert analytic.shape == numeric.shape, f"{what}: shape {analytic.shape} != {numeric.shape}"
    err = relative_error(analytic, numeric)
    assert err <= GRAD_TOL, f"{what}: relative error vs finite differences {err:.3g}"

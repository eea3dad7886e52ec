"""Finite-difference gradient checking helpers (cs231n style), float64.

Reusable by any test (functional, layers, whole network)::

    num = numerical_gradient(lambda k: loss(z, k, b), K)
    assert relative_error(analytic_dK, num) < 1e-7
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function at ``x``.

    :param f: called as ``f(x_perturbed)`` with a float64 array shaped like
        ``x``; must return a scalar and must not keep or modify the array
        (it is perturbed in place between calls).
    :param x: the point; it is not modified (a private float64 copy is used).
    :param eps: step; ``df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.
    :return: float64 array shaped like ``x``.
    """
    x = np.array(x, dtype=np.float64)  # private copy, never the caller's array
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        original = x[idx]
        x[idx] = original + eps
        f_plus = float(f(x))
        x[idx] = original - eps
        f_minus = float(f(x))
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a, b) -> float:
    """``max|a - b| / max(1e-12, max|a|, max|b|)`` in float64.

    Shapes must match exactly (no broadcasting, so shape bugs are not hidden).
    Returns ``inf`` if either side has a NaN or an infinity, so that a
    ``relative_error(...) <= tol`` assertion fails on non-finite results.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    if a.size == 0:
        return 0.0
    scale = max(1e-12, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return float(np.max(np.abs(a - b))) / scale

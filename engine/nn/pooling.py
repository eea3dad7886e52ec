"""Max-pooling kernels behind :func:`engine.nn.functional.max_pooling_forward`.

Two paths, both exact and both routing a window's gradient to its *first*
maximum (row-major inside the window, like ``np.argmax``):

* tiled (window == stride, the usual 2x2/2): ``k1*k2`` element-wise maxima of
  strided views; the forward pass also records which tap held the first
  maximum (``first: (N, C, Ho, Wo) uint8``) so the backward pass is one
  broadcast compare and multiply;
* general (overlapping or gapped windows): a sliding-window view, ``argmax``
  and an accumulating ``bincount`` scatter.

Arrays may be in any memory layout; outputs and gradients are allocated in
the layout of the input (batch-innermost in the engine, see
:mod:`engine.nn.im2col`), so every operation streams through memory.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .im2col import empty_like_layout
from .zero_operand import zeros_operand


def _tap(zp, i, j, k1, k2, ho, wo):
    """Tap ``(i, j)`` of every non-overlapping ``k1 x k2`` window: ``(A, B, Ho, Wo)`` view."""
    return zp[:, :, i:i + k1 * (ho - 1) + 1:k1, j:j + k2 * (wo - 1) + 1:k2]


def tiled_forward(zp: np.ndarray, k1: int, k2: int, relu: bool = False):
    """Non-overlapping max pool of the (already padded) ``zp: (N, C, Hp, Wp)``.

    :param relu: pool ``max(zp, 0)`` instead of ``zp`` (a ReLU before the
        pool, fused: ``max`` commutes with it, so this is ``relu(pool(zp))``
        computed on the 4x smaller pooled array)
    :return: ``(out, first)``, both ``(N, C, Ho, Wo)``, ``Ho = Hp // k1``;
        ``first`` is the row-major index of the first maximum in each window;
        with ``relu``, windows whose maximum is not positive get an index of
        at least ``k1*k2`` (no tap: the ReLU passes them no gradient).
    """
    ho, wo = zp.shape[2] // k1, zp.shape[3] // k2
    taps = k1 * k2
    out = np.array(_tap(zp, 0, 0, k1, k2, ho, wo), order="K")
    first = np.zeros_like(out, dtype=np.uint8 if 2 * taps <= 256 else np.int32)
    better = np.empty_like(out, dtype=bool)
    # same-dtype arithmetic only (a bool operand would make NumPy cast element by element)
    better_int = better.view(np.uint8) if first.dtype == np.uint8 else better
    step = np.empty_like(first)
    for t in range(1, taps):
        tap = _tap(zp, t // k2, t % k2, k1, k2, ho, wo)
        np.greater(tap, out, out=better)   # strictly greater: ties keep the earlier tap
        np.maximum(out, tap, out=out)
        np.multiply(better_int, first.dtype.type(t), out=step)   # t where better, else 0
        np.maximum(first, step, out=first)  # taps come in increasing order: first = t there
    if relu:
        np.less_equal(out, 0, out=better)  # the ReLU zeroes these windows and their gradient
        np.multiply(better_int, first.dtype.type(taps), out=step)
        first += step
        np.maximum(out, zeros_operand(out), out=out)   # an array, not 0: a faster NumPy loop
    return out, first


def tiled_max(zp: np.ndarray, k1: int, k2: int) -> np.ndarray:
    """Non-overlapping max pool without the bookkeeping for a backward pass."""
    ho, wo = zp.shape[2] // k1, zp.shape[3] // k2
    out = np.array(_tap(zp, 0, 0, k1, k2, ho, wo), order="K")
    for t in range(1, k1 * k2):
        np.maximum(out, _tap(zp, t // k2, t % k2, k1, k2, ho, wo), out=out)
    return out


def tiled_backward(dout: np.ndarray, first: np.ndarray, padded_shape, k1: int, k2: int):
    """Gradient w.r.t. the padded input, ``(N, C, Hp, Wp)``, from :func:`tiled_forward`'s ``first``."""
    _, _, ho, wo = dout.shape
    exact = padded_shape[2] == ho * k1 and padded_shape[3] == wo * k2
    dzp = empty_like_layout(first, padded_shape, dout.dtype, zero=not exact)  # layout of the input
    hit = np.empty_like(first, dtype=bool)
    for t in range(k1 * k2):
        np.equal(first, t, out=hit)
        np.multiply(dout, hit, out=_tap(dzp, t // k2, t % k2, k1, k2, ho, wo))
    return dzp


def general_forward(zp: np.ndarray, k1: int, k2: int, s1: int, s2: int) -> np.ndarray:
    """Max pool with any window/stride via a sliding-window view."""
    ho, wo = 1 + (zp.shape[2] - k1) // s1, 1 + (zp.shape[3] - k2) // s2
    windows = sliding_window_view(zp, (k1, k2), axis=(2, 3))[:, :, ::s1, ::s2][:, :, :ho, :wo]
    return windows.max(axis=(4, 5))


def general_backward(dout: np.ndarray, zp: np.ndarray, k1: int, k2: int, s1: int, s2: int):
    """Gradient w.r.t. the padded input for any window/stride (overlaps accumulate)."""
    n, c, hp, wp = zp.shape
    _, _, ho, wo = dout.shape
    windows = sliding_window_view(zp, (k1, k2), axis=(2, 3))[:, :, ::s1, ::s2][:, :, :ho, :wo]
    first = windows.reshape(n, c, ho, wo, k1 * k2).argmax(axis=-1)          # (N, C, Ho, Wo)
    rows = s1 * np.arange(ho).reshape(ho, 1) + first // k2
    cols = s2 * np.arange(wo) + first % k2
    plane = np.arange(n * c).reshape(n, c, 1, 1) * (hp * wp)
    flat = (plane + rows * wp + cols).ravel()
    dzp = np.bincount(flat, weights=np.ravel(dout), minlength=n * c * hp * wp)
    return dzp.astype(dout.dtype, copy=False).reshape(n, c, hp, wp)

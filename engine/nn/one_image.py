"""One image at a time: a stride-1 convolution, its input gradient and a
non-overlapping max pool for a batch of one (``N == 1``).

Why a separate path. For one image every array is small (a few thousand
values) and NumPy's cost is per call, and much more per *row* of a strided
operand (~0.1 µs each) than per value: the batched kernels (batch-innermost
rows of ``Wo*N`` values, see :mod:`engine.nn.im2col`) would work on rows of
10 to 28 values here. This path uses only contiguous 1-D operations, copies
of long rows, one matrix product per convolution and gathers (``np.take``)
with index arrays precomputed once per layer and input shape (a
:class:`ConvPlan` / :class:`PoolPlan`, immutable, so several threads may
share it).

Layout: an image ``(1, C, H, W)`` is C-contiguous, which for ``N == 1`` is
also the engine's batch-innermost layout. Every array returned is new (the
caller may keep it): nothing is written into buffers reused between calls.

Results equal the batched path's up to float rounding (the same products,
summed in another order) and, for the pool, exactly (the same maxima; the
gradient goes to each window's *first* maximum, row-major, like ``np.argmax``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .shapes import conv_output_size


class _WorkArrays(threading.local):
    """Per-thread work arrays, ``{(role, shape, dtype): array}``, reused by later calls."""

    def __init__(self):
        self.arrays: dict[tuple, np.ndarray] = {}


_work = _WorkArrays()
#: More work arrays than this in one thread (many different layer shapes): start afresh.
MAX_WORK_ARRAYS = 32


def scratch(role: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A zero-initialised work array of ``shape`` for temporary values, the
    same array for every call *in the same thread* with the same ``role``,
    shape and dtype: never hand it to a caller. What a call writes stays for
    the next one, so a caller that always writes the same part may rely on
    the rest staying zero.

    Why: arrays of a few hundred KB are, with glibc's default settings, fresh
    pages from the OS on every call (~30 µs of page faults for 300 KB), and
    zeroing them costs a pass over memory; one array per thread keeps calls
    from different threads (the GUI, a training or explanation worker) apart.
    """
    arrays = _work.arrays
    if len(arrays) > MAX_WORK_ARRAYS:
        arrays.clear()
    key = (role, shape, dtype)
    buf = arrays.get(key)
    if buf is None:
        buf = arrays[key] = np.zeros(shape, dtype=dtype)
    return buf


@dataclass(frozen=True)
class ConvPlan:
    """Shapes of a stride-1 convolution of one ``(C, H, W)`` image with ``D``
    kernels ``k1 x k2``, zero padding ``(p1, p2)``, output ``(D, Ho, Wo)``; the
    padded image is ``(C, Hp, Wp)``."""
    c: int
    h: int
    w: int
    d: int
    k1: int
    k2: int
    p1: int
    p2: int
    ho: int
    wo: int

    @property
    def hp(self) -> int:
        return self.h + 2 * self.p1

    @property
    def wp(self) -> int:
        return self.w + 2 * self.p2


def conv_plan(x_shape: tuple[int, ...], k_shape: tuple[int, ...], padding: tuple[int, int],
              stride: tuple[int, int]) -> ConvPlan | None:
    """The plan for ``x_shape = (1, C, H, W)`` and a kernel ``(C, D, k1, k2)``,
    or None when this path does not apply (a batch, a stride, other channels)."""
    n, c, h, w = x_shape
    c_k, d, k1, k2 = k_shape
    if n != 1 or c != c_k or tuple(stride) != (1, 1):
        return None
    p1, p2 = padding
    return ConvPlan(c, h, w, d, k1, k2, p1, p2, conv_output_size(h, k1, p1, 1),
                    conv_output_size(w, k2, p2, 1))


def _padded(x: np.ndarray, plan: ConvPlan) -> np.ndarray:
    """``x: (1, C, H, W)`` as a contiguous zero-padded ``(C, Hp, Wp)``."""
    x3 = x.reshape(plan.c, plan.h, plan.w)
    if plan.p1 == 0 and plan.p2 == 0:
        return np.ascontiguousarray(x3)
    xp = np.zeros((plan.c, plan.hp, plan.wp), dtype=x.dtype)
    xp[:, plan.p1:plan.p1 + plan.h, plan.p2:plan.p2 + plan.w] = x3
    return xp


def conv_forward_one(x: np.ndarray, K: np.ndarray, b: np.ndarray, plan: ConvPlan) -> np.ndarray:
    """``x: (1, C, H, W)``, ``K: (C, D, k1, k2)``, ``b: (D,)`` -> a new
    C-contiguous ``(1, D, Ho, Wo)``.

    The padded image is first copied ``k2`` times, copy ``j`` shifted left by
    ``j`` columns and cut to ``Wo`` columns: ``(k2, C, Hp, Wo)``. In copy ``j``
    the values under kernel tap ``(i, j)`` of all output positions are then one
    contiguous run of ``Ho*Wo`` values, starting at row ``i``: the im2col
    matrix ``(C*k1*k2, Ho*Wo)`` is one copy of long runs (plus a row of ones
    that carries the bias), and one matrix product gives the output.
    """
    c, d, k1, k2 = plan.c, plan.d, plan.k1, plan.k2
    hp, ho, wo = plan.hp, plan.ho, plan.wo
    dt = x.dtype
    xp = _padded(x, plan)
    sc, sh, sw = xp.strides
    shifted = np.empty((k2, c, hp, wo), dtype=dt)
    np.copyto(shifted, np.ndarray((k2, c, hp, wo), dt, xp, 0, (sw, sc, sh, sw)))
    isz, rows, positions = shifted.itemsize, c * k1 * k2, ho * wo
    cols = scratch("conv_forward", (rows + 1, positions), dt)
    np.copyto(cols[:rows].reshape(c, k1, k2, positions),
              np.ndarray((c, k1, k2, positions), dt, shifted, 0,
                         (hp * wo * isz, wo * isz, c * hp * wo * isz, isz)))
    cols[rows] = 1                                      # the bias's column of the kernel
    km = np.empty((d, rows + 1), dtype=dt)
    np.copyto(km[:, :rows].reshape(d, c, k1 * k2), K.reshape(c, d, k1 * k2).transpose(1, 0, 2))
    km[:, rows] = b
    return (km @ cols).reshape(1, d, ho, wo)


def conv_input_gradient_one(dout: np.ndarray, K: np.ndarray, plan: ConvPlan) -> np.ndarray:
    """Gradient w.r.t. the input ``(1, C, H, W)`` (new, C-contiguous) from the
    output gradient ``dout: (1, D, Ho, Wo)``.

    ``dout`` is widened with zero columns to ``(D, Ho, Wp)``; one product with
    the kernel ordered tap-major, ``(k1*k2*C, D)``, gives each tap's share,
    written into a ``(k1*k2, C, Hp, Wp)`` block whose last ``Hp - Ho`` rows per
    channel stay zero (as do the widened columns). The padded input's gradient
    is the sum of these blocks, tap ``(i, j)`` shifted by ``i*Wp + j``: one
    strided view (tap ``(i, j)`` read ``i*Wp + j`` values early; such reads
    land on the previous block's zero rows and columns) and one sum, instead
    of ``k1*k2`` adds. Then the padding is cut off.
    """
    c, d, k1, k2 = plan.c, plan.d, plan.k1, plan.k2
    hp, wp, ho, wo = plan.hp, plan.wp, plan.ho, plan.wo
    dt = np.result_type(dout.dtype, K.dtype)
    taps, plane, filled = k1 * k2, hp * wp, ho * wp
    span = c * plane
    wide = scratch("conv_input_gradient_dout", (d, ho, wp), dt)     # columns >= Wo stay 0
    wide[:, :, :wo] = dout.reshape(d, ho, wo)
    kt = np.empty((k1, k2, c, d), dtype=dt)
    np.copyto(kt, K.transpose(2, 3, 0, 1))
    blocks = scratch("conv_input_gradient", (taps * c, plane), dt)  # rows >= Ho stay 0
    np.matmul(kt.reshape(taps * c, d), wide.reshape(d, filled), out=blocks[:, :filled])
    isz = blocks.itemsize
    shifted = np.ndarray((k1, k2, span), dt, blocks, 0,
                         ((k2 * span - wp) * isz, (span - 1) * isz, isz))
    dxp = shifted.sum(axis=(0, 1))                                       # (C*Hp*Wp,)
    dx = np.empty((1, c, plan.h, plan.w), dtype=dt)
    np.copyto(dx[0], dxp.reshape(c, hp, wp)[:, plan.p1:plan.p1 + plan.h,
                                            plan.p2:plan.p2 + plan.w])
    return dx


@dataclass(frozen=True)
class PoolPlan:
    """A non-overlapping ``k1 x k2`` max pool (stride = window, no padding)
    of one ``(C, H, W)`` image, output ``(C, Ho, Wo)``, ``Ho = H // k1``.

    :ivar corners: ``(C*Ho*Wo,)`` flat index of each window's top-left value
    """
    c: int
    h: int
    w: int
    k1: int
    k2: int
    ho: int
    wo: int
    corners: np.ndarray


def pool_plan(x_shape: tuple[int, ...], pool: tuple[int, int], stride: tuple[int, int],
              padding: tuple[int, int]) -> PoolPlan | None:
    """The plan for ``x_shape = (1, C, H, W)``, or None when this path does not
    apply (a batch, padding, overlapping or gapped windows)."""
    n, c, h, w = x_shape
    k1, k2 = pool
    if n != 1 or tuple(pool) != tuple(stride) or tuple(padding) != (0, 0) or k1 > h or k2 > w:
        return None
    ho, wo = h // k1, w // k2
    corners = (np.arange(c).reshape(c, 1, 1) * (h * w) + np.arange(ho).reshape(ho, 1) * (k1 * w)
               + np.arange(wo) * k2).ravel()
    corners.setflags(write=False)
    return PoolPlan(c, h, w, k1, k2, ho, wo, corners)


def _window_maxima(flat: np.ndarray, plan: PoolPlan, track: bool):
    """``(maxima, rows, cols)``: at every flat position ``p`` the maximum of the
    ``k1 x k2`` block whose top-left value is ``flat[p]`` (valid at window
    corners only), and, with ``track``, the block row holding the first
    maximum (at ``p``) and in each row the column of its first maximum.
    Later taps win only when strictly greater: ties keep the earlier one."""
    k1, k2, w = plan.k1, plan.k2, plan.w
    n = flat.size - (k2 - 1)
    m, cols = flat[:n], None
    for j in range(1, k2):
        tap = flat[j:j + n]
        if track:
            better = np.greater(tap, m).view(np.uint8)
            cols = better if cols is None else np.where(better, np.uint8(j), cols)
        m = np.maximum(m, tap)
    n2 = m.size - (k1 - 1) * w
    mm, rows = m[:n2], None
    for i in range(1, k1):
        tap = m[i * w:i * w + n2]
        if track:
            better = np.greater(tap, mm).view(np.uint8)
            rows = better if rows is None else np.where(better, np.uint8(i), rows)
        mm = np.maximum(mm, tap)
    return mm, rows, cols


def _at_corners(m: np.ndarray, plan: PoolPlan) -> np.ndarray:
    """A new ``(C, Ho, Wo)`` of the values of the flat map ``m`` at the window
    corners (a strided copy: ~2x faster than ``np.take`` with ``corners``)."""
    isz = m.itemsize
    view = np.ndarray((plan.c, plan.ho, plan.wo), m.dtype, m, 0,
                      (plan.h * plan.w * isz, plan.k1 * plan.w * isz, plan.k2 * isz))
    return np.array(view)


def pool_forward_one(x: np.ndarray, plan: PoolPlan) -> np.ndarray:
    """``x: (1, C, H, W)`` -> a new ``(1, C, Ho, Wo)`` of window maxima."""
    flat = np.ascontiguousarray(x).reshape(-1)
    return _at_corners(_window_maxima(flat, plan, False)[0], plan)[None]


@dataclass(frozen=True)
class PoolMemo:
    """What :func:`pool_backward_one` needs: the flat input index of each
    window's first maximum, ``winners: (C*Ho*Wo,) intp``, and the plan."""
    winners: np.ndarray
    plan: PoolPlan


def pool_forward_one_tracked(x: np.ndarray, plan: PoolPlan) -> tuple[np.ndarray, PoolMemo]:
    """``(out (1, C, Ho, Wo), memo)``: the window maxima and where each
    window's first maximum is (for :func:`pool_backward_one`)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    m, rows, cols = _window_maxima(flat, plan, True)
    winners = plan.corners
    if rows is not None:
        winners = winners + _at_corners(rows, plan).reshape(-1) * np.intp(plan.w)
    if cols is not None:
        winners = winners + np.take(cols, winners)
    return _at_corners(m, plan)[None], PoolMemo(winners, plan)


def pool_backward_one(dout: np.ndarray, memo: PoolMemo) -> np.ndarray:
    """Gradient w.r.t. the input ``(1, C, H, W)`` (new): each window's gradient
    on its first maximum, zero elsewhere (and on rows/columns no window covers)."""
    plan = memo.plan
    dx = np.zeros(plan.c * plan.h * plan.w, dtype=dout.dtype)
    dx[memo.winners] = dout.reshape(-1)
    return dx.reshape(1, plan.c, plan.h, plan.w)

"""Stride-1 convolution in frequency space (DFT), as real matrix products.

Same semantics as the im2col path (:func:`engine.nn.functional.conv_forward_cols`
/ :func:`~engine.nn.functional.conv_backward_cols`): a cross-correlation
``out[n,d,i,j] = b[d] + sum_{c,u,v} x_pad[n,c,i+u,j+v] * K[c,d,u,v]`` with zero
padding ``(p1, p2)``, kernel ``K: (C, D, k1, k2)``, bias ``b: (D,)``.

Why. The im2col products cost ``2*C*D*k1*k2`` flops per output value. In
frequency space the channel mixing is one small complex product per
frequency, ``(D, C) @ (C, N)``: for 5x5 kernels on 14x14 maps several times
fewer multiply-adds. ``np.fft`` is far too slow for such small maps, so every
DFT here is a real matrix product with matrices precomputed once per shape
(a :class:`SpectralPlan`).

The maths. DFT size = the padded input ``Hp x Wp`` (``Hp = H + 2*p1``), so no
circular product wraps around:

* forward: ``Y[f] = conj(K[f]) X[f]`` summed over channels (a correlation);
  the output is the top-left ``Ho x Wo`` of the inverse DFT; the bias goes
  into the DC coefficient.
* input gradient: ``dXpad[f] = K[f] dY[f]`` summed over ``D`` (``dY`` zero-padded
  to ``Hp x Wp``: a full convolution), cropped to the unpadded ``H x W``.
* kernel gradient: ``dK[f] = X[f] conj(dY[f])`` summed over the batch; the
  kernel is the top-left ``k1 x k2`` of its inverse DFT. The bias gradient is
  the DC coefficient of ``dY``.

Only ``Hb = Hp//2 + 1`` frequencies along H are kept (the maps are real; the
others are complex conjugates), all ``Wp`` along W: ``F = Hb*Wp`` frequencies.

Complex products by three real ones (Gauss). A spectrum is stored as three
real parts ``(F, 3, rows, cols)``: ``X`` as ``[Xr, Xi, Xr+Xi]``, the kernel as
``[Kr, Ki, Kr-Ki]``, ``dY`` as ``[dYr, dYi, dYr-dYi]`` (extra DFT matrix rows);
each complex product is one batched real product ``part_q @ part_q``
(q = 0, 1, 2) -- ``conj(K)X``, ``X conj(dY)`` and ``conj(conj(dY) conj(K))``
all use these parts -- and the real/imaginary recombination is folded into
the matrix of the first inverse DFT (no extra pass over memory).

Layouts. Activations arrive and leave as the engine keeps them: logical
``(N, C, H, W)`` views of batch-innermost ``(C, H, W, N)`` memory (see
:mod:`engine.nn.im2col`; other layouts are copied once). ``X`` is
``(F, 3, C, N)``, the kernel ``(F, 3, D, C)``, ``dY`` ``(F, 3, N, D)``: the
products ``(D, C) @ (C, N)`` and ``(C, N) @ (N, D)`` read contiguous operands,
the input gradient's ``(C, D) @ (D, N)`` transposed views of both (as fast).

dtype: the plan's, float32 (all products in float32) or float64.

Rounding. Every output value mixes the whole image's spectrum, so its float32
error is ~1e-7 of the *image's* largest value, not of its own neighbourhood
as with im2col: a map that is near zero beside a 1e4 times larger spot gets
errors of ~1e-4 of its local scale (im2col: ~1e-7). For activations of a
trained network this is below what training notices (a whole training step
agrees with im2col to 1e-5 of the largest gradient); a NaN or infinity in an
image likewise reaches all of that image's outputs, not only its neighbours.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .shapes import conv_output_size

__all__ = ["SpectralPlan", "SpectralCache", "spectral_plan", "spectral_forward",
           "spectral_backward"]

#: The three stored parts from (real, imaginary): ``X`` [r, i, r+i]; kernel, ``dY`` [r, i, r-i].
PARTS_X = np.array([[1, 0], [0, 1], [1, 1]])
PARTS_CONJ = np.array([[1, 0], [0, 1], [1, -1]])
#: (real, imaginary) of a product from its three real partial products, for
#: ``conj(K) X`` and ``X conj(dY)``, and for ``K dY`` (as ``conj(conj(dY) conj(K))``).
FOLD_CONJ = np.array([[1, 1, 0], [-1, 1, 1]])
FOLD_INPUT = np.array([[1, -1, 0], [1, 1, -1]])


# ------------------------------------------------------------------- the plan
def _phase(k: np.ndarray, x: np.ndarray, size: int) -> np.ndarray:
    """``2*pi*k*x/size`` for integer grids ``(len(k), len(x))``, reduced modulo ``size`` first."""
    return 2.0 * np.pi * (np.multiply.outer(k, x) % size) / size


def _half_dft(positions: np.ndarray, size: int) -> np.ndarray:
    """DFT of a real signal at ``positions`` of a length-``size`` grid, the
    frequencies ``0..size//2``: ``(2*Hb, len)``, rows ``(k, part)``: ``cos``, ``-sin``."""
    t = _phase(np.arange(size // 2 + 1), positions, size)
    return np.stack([np.cos(t), -np.sin(t)], axis=1).reshape(-1, len(positions))


def _full_dft(positions: np.ndarray, size: int, parts: np.ndarray) -> np.ndarray:
    """DFT of a complex signal given as rows ``(part, x)`` (real then imaginary),
    ``(len(parts)*size, 2*len)``: rows ``(k, q)`` = ``parts[q] @ (real, imaginary)``."""
    t = _phase(np.arange(size), positions, size)
    c, s = np.cos(t), np.sin(t)
    complex_rows = np.stack([np.hstack([c, s]), np.hstack([-s, c])], axis=1)  # (size, 2, 2*len)
    return np.einsum("qp,kpx->kqx", parts, complex_rows).reshape(-1, 2 * len(positions))


def _full_inverse(positions: np.ndarray, size: int, fold: np.ndarray) -> np.ndarray:
    """Inverse DFT (unscaled) to complex values at ``positions``, reading three
    parts per frequency: ``(2*len, 3*size)``, rows ``(part, x)``, columns ``(k, q)``;
    ``fold`` ``(2, 3)`` gives (real, imaginary) of the spectrum from its parts."""
    t = _phase(positions, np.arange(size), size)                        # (len, size)
    c, s = np.cos(t), np.sin(t)
    by_part = np.stack([np.stack([c, -s], axis=2), np.stack([s, c], axis=2)])  # (2, len, size, 2)
    return np.einsum("rxkp,pq->rxkq", by_part, fold).reshape(2 * len(positions), -1)


def _half_inverse(positions: np.ndarray, size: int, scale: float) -> np.ndarray:
    """Real part of the inverse DFT over the kept half ``k = 0..size//2``:
    ``(len, 2*Hb)``, columns ``(k, part)``. The left-out half (complex
    conjugates) is counted by doubling every ``k`` that has a distinct mirror."""
    k = np.arange(size // 2 + 1)
    weight = np.where((k == 0) | (2 * k == size), 1.0, 2.0) * scale
    t = _phase(positions, k, size)                                      # (len, Hb)
    return np.stack([weight * np.cos(t), -weight * np.sin(t)], axis=2).reshape(len(positions), -1)


@dataclass(frozen=True)
class SpectralPlan:
    """DFT matrices for one input size, kernel size and padding (any N, C, D).

    Input ``(H, W)``, padded ``(Hp, Wp)``, output ``(Ho, Wo)``; ``Hb = Hp//2 + 1``,
    ``F = Hb*Wp`` frequencies. Row/column orders as in :func:`_half_dft` /
    :func:`_full_dft` (forward) and :func:`_full_inverse` /
    :func:`_half_inverse` (inverse; the latter scaled by ``1/(Hp*Wp)``).
    Immutable: threads may share it.
    """
    h: int
    w: int
    k1: int
    k2: int
    p1: int
    p2: int
    hp: int
    wp: int
    ho: int
    wo: int
    hb: int
    dtype: np.dtype
    x_h: np.ndarray       # (2*Hb, H)    input rows -> half spectrum along H
    x_w: np.ndarray       # (3*Wp, 2*W)  -> full spectrum along W, parts [r, i, r+i]
    k_h: np.ndarray       # (2*Hb, k1)   kernel taps
    k_w: np.ndarray       # (3*Wp, 2*k2) parts [r, i, r-i]
    dy_h: np.ndarray      # (2*Hb, Ho)   output gradient
    dy_w: np.ndarray      # (3*Wp, 2*Wo) parts [r, i, r-i]
    out_w: np.ndarray     # (2*Wo, 3*Wp) spectrum parts -> output columns (complex)
    out_h: np.ndarray     # (Ho, 2*Hb)   -> output rows (real)
    dk_w: np.ndarray      # (2*k2, 3*Wp) -> kernel-gradient taps
    dk_h: np.ndarray      # (k1, 2*Hb)
    dx_w: np.ndarray      # (2*W, 3*Wp)  -> input-gradient columns (unpadded)
    dx_h: np.ndarray      # (H, 2*Hb)

    @property
    def f(self) -> int:
        """Number of kept frequencies ``Hb*Wp``."""
        return self.hb * self.wp


@functools.lru_cache(maxsize=64)
def spectral_plan(h: int, w: int, k1: int, k2: int, p1: int, p2: int, dtype=np.float32
                  ) -> SpectralPlan:
    """The (cached) plan for input ``(H, W)``, kernel ``k1 x k2``, padding ``(p1, p2)``."""
    ho, wo = conv_output_size(h, k1, p1, 1), conv_output_size(w, k2, p2, 1)
    hp, wp = h + 2 * p1, w + 2 * p2
    rows, cols = np.arange(h) + p1, np.arange(w) + p2
    scale = 1.0 / (hp * wp)
    mats = dict(
        x_h=_half_dft(rows, hp), x_w=_full_dft(cols, wp, PARTS_X),
        k_h=_half_dft(np.arange(k1), hp), k_w=_full_dft(np.arange(k2), wp, PARTS_CONJ),
        dy_h=_half_dft(np.arange(ho), hp), dy_w=_full_dft(np.arange(wo), wp, PARTS_CONJ),
        out_w=_full_inverse(np.arange(wo), wp, FOLD_CONJ),
        out_h=_half_inverse(np.arange(ho), hp, scale),
        dk_w=_full_inverse(np.arange(k2), wp, FOLD_CONJ),
        dk_h=_half_inverse(np.arange(k1), hp, scale),
        dx_w=_full_inverse(cols, wp, FOLD_INPUT), dx_h=_half_inverse(rows, hp, scale))
    mats = {name: np.ascontiguousarray(m, dtype=dtype) for name, m in mats.items()}
    for m in mats.values():
        m.setflags(write=False)                 # shared by threads: read-only
    return SpectralPlan(h, w, k1, k2, p1, p2, hp, wp, ho, wo, hp // 2 + 1, np.dtype(dtype),
                        **mats)


# ------------------------------------------------------------- the transforms
#: Columns per block of a short, wide product (see :func:`_wide_product`).
BLOCK = 512


def _wide_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a (M, K) @ b (..., K, P)`` for a C-contiguous ``b``, in blocks of ``BLOCK`` columns.

    With ``M, K`` of 10 to 40 and ``P`` in the thousands, OpenBLAS runs one
    such product at ~35 GFLOP/s on one core (measured on this project's
    shapes) and the same product cut into blocks of a few hundred columns
    (one batched call over strided views, no copies) at ~70-90.
    """
    m, (k, p) = a.shape[0], b.shape[-2:]
    if p <= 2 * BLOCK:
        return np.matmul(a, b)
    b = np.ascontiguousarray(b, dtype=np.result_type(a, b))  # the strides below assume it
    blocks = p // BLOCK
    b3 = b.reshape(-1, k, p)
    out = np.empty((b3.shape[0], m, p), dtype=b.dtype)
    size, main = b.itemsize, blocks * BLOCK
    np.matmul(a, as_strided(b3, (b3.shape[0], blocks, k, BLOCK),
                            (k * p * size, BLOCK * size, p * size, size)),
              out=as_strided(out, (out.shape[0], blocks, m, BLOCK),
                             (m * p * size, BLOCK * size, p * size, size)))
    if main < p:
        np.matmul(a, b3[:, :, main:], out=out[:, :, main:])
    return out.reshape(b.shape[:-2] + (m, p))


def _batch_inner(x: np.ndarray) -> np.ndarray:
    """Batch-innermost memory ``(C, H, W, N)`` of a logical ``(N, C, H, W)``
    array: a view when it is stored that way, else a copy."""
    m = x.transpose(1, 2, 3, 0)
    return m if m.flags.c_contiguous else np.ascontiguousarray(m)


def _spectrum(rows: np.ndarray, cols: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """2-D DFT of real maps ``(A, h, w, B)`` -> ``(F, 3, A, B)``.

    Along H one product per map ``rows (2*Hb, h) @ (h, w*B)``; along W one per
    (map, kh) block ``cols (3*Wp, 2*w) @ (2*w, B)``, written straight into the
    frequency-major result (its rows ``(kw, q)`` are evenly strided there).
    """
    a, h, w, b = maps.shape
    hb, wp = rows.shape[0] // 2, cols.shape[0] // 3
    half = np.matmul(rows, maps.reshape(a, h, w * b))                  # (A, Hb*2, w*B)
    spec = np.empty((hb, wp, 3, a, b), dtype=maps.dtype)
    size = spec.itemsize
    view = as_strided(spec, shape=(a, hb, 3 * wp, b),
                      strides=(b * size, wp * 3 * a * b * size, a * b * size, size))
    np.matmul(cols, half.reshape(a, hb, 2 * w, b), out=view)
    return spec.reshape(hb * wp, 3, a, b)


def _spectrum_wide(rows: np.ndarray, cols: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """2-D DFT of real maps stored ``(h, w, A, B)`` -> ``(F, 3, A, B)``: one
    product along H, one per kh along W (wide products, no strided writes)."""
    h, w, a, b = maps.shape
    hb = rows.shape[0] // 2
    half = _wide_product(rows, maps.reshape(h, w * a * b))             # (Hb*2, w*A*B)
    spec = _wide_product(cols, half.reshape(hb, 2 * w, a * b))         # (Hb, 3*Wp, A*B)
    return spec.reshape(-1, 3, a, b)


def _inverse(cols: np.ndarray, rows: np.ndarray, spec: np.ndarray) -> np.ndarray:
    """Inverse 2-D DFT of ``spec (F, 3, A, B)`` (three parts) -> real
    ``(h, w, A, B)``, ``h, w = len(rows), len(cols)//2``."""
    _, _, a, b = spec.shape
    hb = rows.shape[1] // 2
    w = cols.shape[0] // 2
    z = _wide_product(cols, spec.reshape(hb, -1, a * b))                  # (Hb, 2*w, A*B)
    return _wide_product(rows, z.reshape(2 * hb, w * a * b)).reshape(-1, w, a, b)


def _kernel_spectrum(K: np.ndarray, plan: SpectralPlan) -> np.ndarray:
    """``K: (C, D, k1, k2)`` -> its spectrum's parts ``[Kr, Ki, Kr-Ki]`` ``(F, 3, D, C)``."""
    taps = np.ascontiguousarray(K.transpose(2, 3, 1, 0))                # (k1, k2, D, C)
    return _spectrum_wide(plan.k_h, plan.k_w, taps)


# ------------------------------------------------------------ forward/backward
@dataclass(frozen=True)
class SpectralCache:
    """What the backward pass needs from the forward: the input spectrum
    ``(F, 3, C, N)`` and the kernel spectrum ``(F, 3, D, C)`` (of the ``K``
    given to the forward)."""
    x_spec: np.ndarray
    k_spec: np.ndarray


def spectral_forward(z: np.ndarray, K: np.ndarray, b: np.ndarray, plan: SpectralPlan
                     ) -> tuple[np.ndarray, SpectralCache]:
    """Stride-1 convolution of ``z: (N, C, H, W)`` with ``K: (C, D, k1, k2)``
    plus ``b: (D,)``, zero padding as planned.

    :return: ``(out, cache)``; ``out: (N, D, Ho, Wo)`` a view of new
        batch-innermost ``(D, Ho, Wo, N)`` memory, ``cache`` for
        :func:`spectral_backward`.
    """
    _, c, h, w = z.shape
    if K.shape[0] != c or (h, w) != (plan.h, plan.w) or K.shape[2:] != (plan.k1, plan.k2):
        raise ValueError(f"input {z.shape} and kernel {K.shape} do not fit the plan "
                         f"({plan.h}x{plan.w}, kernel {plan.k1}x{plan.k2})")
    dt = plan.dtype
    x_spec = _spectrum(plan.x_h, plan.x_w, _batch_inner(z.astype(dt, copy=False)))
    k_spec = _kernel_spectrum(K.astype(dt, copy=False), plan)
    y_spec = np.matmul(k_spec, x_spec)                                   # (F, 3, D, N)
    y_spec[0, 0] += (b.astype(dt) * (plan.hp * plan.wp))[:, None]        # bias: real DC part
    out = _inverse(plan.out_w, plan.out_h, y_spec)                       # (Ho, Wo, D, N)
    out = np.ascontiguousarray(out.transpose(2, 0, 1, 3))                # (D, Ho, Wo, N)
    return out.transpose(3, 0, 1, 2), SpectralCache(x_spec, k_spec)


def spectral_backward(next_dz: np.ndarray, K: np.ndarray, cache: SpectralCache,
                      plan: SpectralPlan, need_dz: bool = True
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradients of :func:`spectral_forward`, as
    :func:`engine.nn.functional.conv_backward_cols`.

    :param next_dz: output gradient ``(N, D, Ho, Wo)``
    :param K: the forward's kernel ``(C, D, k1, k2)`` (its spectrum is in ``cache``)
    :return: ``(dK_sum, db_sum, dz)`` -- sums over the batch (not divided by
        N): ``dK (C, D, k1, k2)``, ``db (D,)``, ``dz (N, C, H, W)`` (a view of
        batch-innermost memory) or None when ``need_dz`` is False.
    """
    dz_hwnd = np.ascontiguousarray(next_dz.astype(plan.dtype, copy=False).transpose(2, 3, 0, 1))
    dy_spec = _spectrum_wide(plan.dy_h, plan.dy_w, dz_hwnd)              # (F, 3, N, D)
    db = dy_spec[0, 0].sum(axis=0)                                       # DC: sum over n, i, j
    dk_spec = np.matmul(cache.x_spec, dy_spec)                           # (F, 3, C, D)
    dk = _inverse(plan.dk_w, plan.dk_h, dk_spec)                         # (k1, k2, C, D)
    dk = np.ascontiguousarray(dk.transpose(2, 3, 0, 1))
    dz = None
    if need_dz:
        # (C, D) @ (D, N) from transposed views: as fast as the plain product
        # here, and the result's batch-innermost layout is cheaper to reorder
        dx_spec = np.matmul(cache.k_spec.transpose(0, 1, 3, 2),
                            dy_spec.transpose(0, 1, 3, 2))               # (F, 3, C, N)
        dx = _inverse(plan.dx_w, plan.dx_h, dx_spec)                     # (H, W, C, N)
        dz = np.ascontiguousarray(dx.transpose(2, 0, 1, 3)).transpose(3, 0, 1, 2)
    return dk, db, dz

"""im2col / col2im: the sliding-window copies behind convolution.

Memory layout. Arrays are *logically* NCHW everywhere, but the engine keeps
activations in **batch-innermost ("CHWN") memory** and hands out transposed
views: ``x_logical = x_memory.transpose(3, 0, 1, 2)``. With the batch as the
fastest axis, every copy, pooling tap and col2im add below runs over long
contiguous rows (``Wo*N`` elements) instead of ``Wo``-element snippets,
which is what makes them fast in NumPy.

``cols`` is ``(C, k1, k2, Ho, Wo, N)`` in memory, used as the matrix
``(C*k1*k2, Ho*Wo*N)``. With the kernel as ``(D, C*k1*k2)`` one GEMM gives
the output ``(D, Ho*Wo*N)``, i.e. CHWN memory again: no transposes.

Output size (floor convention, as PyTorch)::

    Ho = 1 + (H + 2*p1 - k1) // s1
    Wo = 1 + (W + 2*p2 - k2) // s2

Rows/columns of the padded input beyond the last full window are never read
(and get a zero gradient). Inputs in any other memory layout work too, just
a little slower.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .shapes import conv_output_size


def empty_chwn(shape, dtype, zero: bool = False) -> np.ndarray:
    """A new logical ``(N, C, H, W)`` array stored batch-innermost (CHWN)."""
    n, c, h, w = shape
    return (np.zeros if zero else np.empty)((c, h, w, n), dtype=dtype).transpose(3, 0, 1, 2)


def empty_like_layout(proto: np.ndarray, shape=None, dtype=None, zero: bool = False) -> np.ndarray:
    """A new array of ``shape`` (default ``proto.shape``) whose axes are laid out
    in memory in the same order as ``proto``'s (like ``np.empty_like(order="K")``
    but for a different shape)."""
    shape = tuple(proto.shape if shape is None else shape)
    dtype = proto.dtype if dtype is None else dtype
    order = sorted(range(proto.ndim), key=lambda a: (-abs(proto.strides[a]), a))
    physical = (np.zeros if zero else np.empty)(tuple(shape[a] for a in order), dtype=dtype)
    return physical.transpose(np.argsort(order))


def pad_spatial(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Zero-pad the last two axes of ``x: (N, C, H, W)`` -> ``(N, C, H+2p1, W+2p2)``.

    The padded copy is stored batch-innermost (CHWN); no copy without padding.
    """
    p1, p2 = padding
    if p1 == 0 and p2 == 0:
        return x
    n, c, h, w = x.shape
    out = empty_chwn((n, c, h + 2 * p1, w + 2 * p2), x.dtype, zero=True)
    out[:, :, p1:p1 + h, p2:p2 + w] = x
    return out


def window_view(x_pad: np.ndarray, k1: int, k2: int, s1: int, s2: int) -> np.ndarray:
    """Read-only strided view ``(C, k1, k2, Ho, Wo, N)`` of ``x_pad: (N, C, Hp, Wp)``.

    ``view[c, i, j, h, w, n] == x_pad[n, c, s1*h + i, s2*w + j]``.
    """
    n, c, hp, wp = x_pad.shape
    ho, wo = 1 + (hp - k1) // s1, 1 + (wp - k2) // s2
    sn, sc, sh, sw = x_pad.strides
    return as_strided(x_pad, shape=(c, k1, k2, ho, wo, n),
                      strides=(sc, sh, sw, sh * s1, sw * s2, sn), writeable=False)


def im2col(x: np.ndarray, k1: int, k2: int, padding: tuple[int, int],
           strides: tuple[int, int], out: np.ndarray | None = None) -> np.ndarray:
    """``x: (N, C, H, W)`` -> ``cols: (C*k1*k2, Ho*Wo*N)`` (contiguous copy).

    ``out``, if given, is a reusable buffer (at least that many elements, the
    dtype of ``x``); it avoids a fresh multi-MB allocation per call.
    """
    view = window_view(pad_spatial(x, padding), k1, k2, *strides)
    c, _, _, ho, wo, n = view.shape
    if out is None:
        cols = np.empty(view.shape, dtype=x.dtype)
    else:
        cols = out.reshape(-1)[:view.size].reshape(view.shape)
    np.copyto(cols, view)
    return cols.reshape(c * k1 * k2, ho * wo * n)


def col2im(dcols: np.ndarray, x_shape: tuple[int, int, int, int], k1: int, k2: int,
           padding: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """Adjoint of :func:`im2col`: ``dcols: (C*k1*k2, Ho*Wo*N)`` -> ``dx: (N, C, H, W)``.

    Overlapping windows accumulate. Loops over the ``k1*k2`` kernel taps only;
    each tap is one vectorised add over all of ``(C, Ho, Wo, N)``. The result
    is stored batch-innermost (CHWN).
    """
    n, c, h, w = x_shape
    (p1, p2), (s1, s2) = padding, strides
    ho, wo = conv_output_size(h, k1, p1, s1), conv_output_size(w, k2, p2, s2)
    d6 = dcols.reshape(c, k1, k2, ho, wo, n)
    dx_pad = np.zeros((c, h + 2 * p1, w + 2 * p2, n), dtype=dcols.dtype)
    for i in range(k1):
        for j in range(k2):
            dx_pad[:, i:i + s1 * (ho - 1) + 1:s1, j:j + s2 * (wo - 1) + 1:s2] += d6[:, i, j]
    return dx_pad[:, p1:p1 + h, p2:p2 + w].transpose(3, 0, 1, 2)


def col2im_full_width(dout: np.ndarray, kernel_t: np.ndarray, x_shape: tuple[int, int, int, int],
                      k1: int, k2: int, padding: tuple[int, int]) -> np.ndarray:
    """The input gradient of a stride-1 convolution for a *small batch*:
    ``kernel_t (C*k1*k2, D) @ dout (D, Ho*Wo*N)`` scattered back like :func:`col2im`,
    but computed on "full-width" rows: ``dout`` is widened with zero columns
    to the padded input's width ``Wp``, so every tap's contribution is one
    contiguous run of ``Ho*Wp*N`` values per channel (the zero columns land
    on positions they leave unchanged). :func:`col2im` adds ``C*Ho`` runs of
    ``Wo*N`` values per tap, which for one image are a few values each and
    cost NumPy more in loop overhead than in arithmetic; here the product is
    ``Wp/Wo`` times larger instead. Returns ``dx: (N, C, H, W)`` (CHWN memory).
    """
    n, c, h, w = x_shape
    p1, p2 = padding
    hp, wp = h + 2 * p1, w + 2 * p2
    ho, wo = hp - k1 + 1, wp - k2 + 1
    d = dout.shape[0]
    wide = np.zeros((d, ho, wp, n), dtype=dout.dtype)
    wide[:, :, :wo] = dout.reshape(d, ho, wo, n)
    run = ho * wp * n
    dcols = (kernel_t @ wide.reshape(d, run)).reshape(c, k1, k2, run)
    # the last tap's run ends (k2 - 1) * N past the map: zeros spill there
    dx_pad = np.zeros((c, (hp * wp + k2 - 1) * n), dtype=dcols.dtype)
    for i in range(k1):
        for j in range(k2):
            start = (i * wp + j) * n
            dx_pad[:, start:start + run] += dcols[:, i, j]
    dx_pad = dx_pad[:, :hp * wp * n].reshape(c, hp, wp, n)
    return dx_pad[:, p1:p1 + h, p2:p2 + w].transpose(3, 0, 1, 2)

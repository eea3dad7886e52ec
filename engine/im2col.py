"""im2col / col2im: the sliding-window copies behind convolution.

Layout: ``cols`` is ``(C, k1, k2, N, Ho, Wo)``, viewed as a matrix
``(C*k1*k2, N*Ho*Wo)``. With the kernel as ``(D, C*k1*k2)`` one GEMM gives
the output as ``(D, N*Ho*Wo)``, i.e. channel-major ("CNHW") memory, which the
callers expose as an ``(N, D, Ho, Wo)`` transposed view: no transpose copies.

Output size (floor convention, as PyTorch)::

    Ho = 1 + (H + 2*p1 - k1) // s1
    Wo = 1 + (W + 2*p2 - k2) // s2

Rows/columns of the padded input beyond the last full window are never read
(and get a zero gradient).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_output_size(size: int, kernel: int, pad: int, stride: int) -> int:
    """``1 + (size + 2*pad - kernel) // stride``; raises if no window fits."""
    if stride < 1 or pad < 0 or kernel < 1:
        raise ValueError(f"need kernel >= 1, stride >= 1, pad >= 0; got {kernel}, {stride}, {pad}")
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(f"kernel {kernel} does not fit input {size} with padding {pad}")
    return 1 + span // stride


def pad_spatial(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Zero-pad the last two axes of ``x: (..., H, W)`` -> ``(..., H+2p1, W+2p2)``."""
    p1, p2 = padding
    if p1 == 0 and p2 == 0:
        return x
    out = np.zeros(x.shape[:-2] + (x.shape[-2] + 2 * p1, x.shape[-1] + 2 * p2), dtype=x.dtype)
    out[..., p1:p1 + x.shape[-2], p2:p2 + x.shape[-1]] = x
    return out


def window_view(x_pad: np.ndarray, k1: int, k2: int, s1: int, s2: int) -> np.ndarray:
    """Read-only strided view ``(C, k1, k2, N, Ho, Wo)`` of ``x_pad: (N, C, Hp, Wp)``.

    ``view[c, i, j, n, h, w] == x_pad[n, c, s1*h + i, s2*w + j]``. Works for any
    memory layout of ``x_pad``.
    """
    n, c, hp, wp = x_pad.shape
    ho, wo = 1 + (hp - k1) // s1, 1 + (wp - k2) // s2
    sn, sc, sh, sw = x_pad.strides
    return as_strided(x_pad, shape=(c, k1, k2, n, ho, wo),
                      strides=(sc, sh, sw, sn, sh * s1, sw * s2), writeable=False)


def im2col(x: np.ndarray, k1: int, k2: int, padding: tuple[int, int],
           strides: tuple[int, int], out: np.ndarray | None = None) -> np.ndarray:
    """``x: (N, C, H, W)`` -> ``cols: (C*k1*k2, N*Ho*Wo)`` (contiguous copy).

    ``out``, if given, is a reusable C-contiguous buffer of at least that many
    elements and ``x``'s dtype; it avoids a fresh multi-MB allocation per call.
    """
    view = window_view(pad_spatial(x, padding), k1, k2, *strides)
    c, _, _, n, ho, wo = view.shape
    shape = (c * k1 * k2, n * ho * wo)
    if out is None:
        cols = np.empty(view.shape, dtype=x.dtype)
    else:
        cols = out.reshape(-1)[:view.size].reshape(view.shape)
    np.copyto(cols, view)
    return cols.reshape(shape)


def col2im(dcols: np.ndarray, x_shape: tuple[int, int, int, int], k1: int, k2: int,
           padding: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """Adjoint of :func:`im2col`: ``dcols: (C*k1*k2, N*Ho*Wo)`` -> ``dx: (N, C, H, W)``.

    Overlapping windows accumulate. Loops over the ``k1*k2`` kernel taps only;
    each tap is one vectorised add over all of ``(C, N, Ho, Wo)``. The result
    is a ``(N, C, H, W)`` view of channel-major memory.
    """
    n, c, h, w = x_shape
    (p1, p2), (s1, s2) = padding, strides
    ho, wo = conv_output_size(h, k1, p1, s1), conv_output_size(w, k2, p2, s2)
    d6 = dcols.reshape(c, k1, k2, n, ho, wo)
    dx_pad = np.zeros((c, n, h + 2 * p1, w + 2 * p2), dtype=dcols.dtype)
    for i in range(k1):
        for j in range(k2):
            dx_pad[:, :, i:i + s1 * (ho - 1) + 1:s1, j:j + s2 * (wo - 1) + 1:s2] += d6[:, i, j]
    return dx_pad[:, :, p1:p1 + h, p2:p2 + w].transpose(1, 0, 2, 3)

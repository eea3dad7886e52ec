"""When a convolution should run in frequency space
(:mod:`engine.nn.spectral_conv`) rather than by im2col: a cost model of
both paths in time, fitted to measurements, and a memory rule (the spectral
path never holds more values than the im2col path it replaces).
"""
from __future__ import annotations

import numpy as np

from .shapes import as_pair

__all__ = ["spectral_wins", "spectral_seconds", "im2col_seconds", "spectral_values",
           "im2col_values"]


#: Cost model of one pass (forward or backward) on one core, float32, fitted
#: to interleaved timings of both paths on 17 shapes (N 1..64, C and D 4..64,
#: maps 7..28, kernels 3..7); it predicts the measured speed ratio within ~20 %.
DFT_RATE = 70e9          # flop/s of the DFT products
PRODUCT_RATE = 60e9      # flop/s of the per-frequency channel products ...
PRODUCT_CALL = 0.12e-6   # ... plus seconds per product (3*F of them per product set)
SPECTRAL_CALL = 30e-6    # seconds of fixed NumPy overhead per pass
GEMM_RATE = 86e9         # flop/s of the im2col path's products
IM2COL_VALUE = 0.3e-9    # seconds per im2col value copied (forward) ...
COL2IM_VALUE = 0.7e-9    # ... and added back by col2im (backward)
IM2COL_CALL = 25e-6      # seconds of fixed overhead per pass
#: The spectral path is chosen when the model makes it this much faster
#: (margin for the model's error: near-ties stay on the im2col path).
MARGIN = 1.2


def spectral_seconds(n: int, c: int, d: int, h: int, w: int, k1: int, k2: int,
                     padding: tuple[int, int], backward: bool = True) -> float:
    """Modelled seconds of :func:`spectral_forward` (plus :func:`spectral_backward`
    with the input gradient when ``backward``) for ``(N, C, H, W) -> (N, D, Ho, Wo)``."""
    hp, wp = h + 2 * padding[0], w + 2 * padding[1]
    ho, wo, hb = hp - k1 + 1, wp - k2 + 1, hp // 2 + 1
    products = 3 * hb * wp                   # real (D, C) @ (C, N) products per set
    dft = (n * c * (w * 4 * hb * h + hb * 12 * wp * w)                   # input
           + n * d * (hb * 12 * wo * wp + wo * 4 * ho * hb)              # output
           + c * d * (k2 * 4 * hb * k1 + hb * 12 * wp * k2))             # kernel
    seconds = (dft / DFT_RATE + products * (2 * c * d * n / PRODUCT_RATE + PRODUCT_CALL)
               + SPECTRAL_CALL)
    if backward:
        dft = (n * d * (wo * 4 * hb * ho + hb * 12 * wp * wo)            # output gradient
               + n * c * (hb * 12 * w * wp + w * 4 * h * hb)             # input gradient
               + c * d * (hb * 12 * k2 * wp + k2 * 4 * k1 * hb))         # kernel gradient
        seconds += (dft / DFT_RATE + 2 * products * (2 * c * d * n / PRODUCT_RATE + PRODUCT_CALL)
                    + SPECTRAL_CALL)
    return seconds


def im2col_seconds(n: int, c: int, d: int, h: int, w: int, k1: int, k2: int,
                   padding: tuple[int, int], backward: bool = True) -> float:
    """Modelled seconds of the im2col path (forward, plus the backward with the
    input gradient when ``backward``), stride 1, for the same shapes."""
    ho, wo = h + 2 * padding[0] - k1 + 1, w + 2 * padding[1] - k2 + 1
    cols = c * k1 * k2 * ho * wo * n                                     # im2col matrix values
    seconds = 2 * d * cols / GEMM_RATE + cols * IM2COL_VALUE + IM2COL_CALL
    if backward:
        seconds += 4 * d * cols / GEMM_RATE + cols * COL2IM_VALUE + IM2COL_CALL
    return seconds


def spectral_wins(n: int, c: int, d: int, h: int, w: int, k1: int, k2: int, padding, stride,
                  dtype, backward: bool = True) -> bool:
    """Whether the spectral path is worth taking for this convolution.

    Never for a stride other than 1 or a dtype other than float32/float64;
    never with ``C == 1`` (the forward's channel products then have an inner
    size of 1, which NumPy runs in its own loop, ~50x slower per flop: a first
    layer on 28x28 images measured 3.5x slower); otherwise when the cost model
    (:func:`spectral_seconds`, :func:`im2col_seconds`) expects it ``MARGIN``
    times faster. ``backward`` False judges the forward pass alone
    (inference), whose gain is smaller.

    Measured (training step = forward + backward, N = 32 per thread): 5x5
    kernels on 14x14 maps win 2.3-3x (16->32 and 32->64 channels), 3x3
    kernels on 7x7 with 32-64 channels ~1.6x; the small 3x3 net's 8->16
    layer on 14x14 ties (model 0.95: not taken); first layers (C = 1) and
    single images (N = 1) lose. Never when its spectra would hold more
    values than the im2col matrices (:func:`spectral_values`).
    """
    if as_pair(stride) != (1, 1) or np.dtype(dtype) not in (np.float32, np.float64):
        return False
    if min(n, c, d) < 1 or c == 1:
        return False
    padding = as_pair(padding)
    if h + 2 * padding[0] < k1 or w + 2 * padding[1] < k2:
        return False
    if spectral_values(n, c, d, h, w, padding, backward) > im2col_values(
            n, c, h, w, k1, k2, padding, backward):
        return False
    args = (n, c, d, h, w, k1, k2, padding, backward)
    return im2col_seconds(*args) >= MARGIN * spectral_seconds(*args)


def spectral_values(n: int, c: int, d: int, h: int, w: int, padding,
                    backward: bool = True) -> int:
    """Values of the spectra one pass keeps (forward: input, kernel, output;
    backward adds the output gradient's, the kernel gradient's and the input
    gradient's), each ``3 * F`` times its matrix. The kernel's grow with
    ``C * D`` whatever the batch: many channels on small maps make them
    large (a 1024 -> 1024 layer on 7x7 maps: ~300 MB)."""
    p1, p2 = as_pair(padding)
    parts = 3 * ((h + 2 * p1) // 2 + 1) * (w + 2 * p2)
    per = c * n + c * d + d * n
    return parts * (2 * per if backward else per)


def im2col_values(n: int, c: int, h: int, w: int, k1: int, k2: int, padding,
                  backward: bool = True) -> int:
    """Values of the im2col matrix (and, in the backward pass, of its
    gradient) of the same convolution, stride 1: the spectral path is never
    allowed more memory than the path it replaces."""
    p1, p2 = as_pair(padding)
    cols = c * k1 * k2 * (h + 2 * p1 - k1 + 1) * (w + 2 * p2 - k2 + 1) * n
    return cols * (2 if backward else 1)

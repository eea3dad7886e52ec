"""Small image filters for the explanation methods (pure NumPy)."""
from __future__ import annotations

import numpy as np


def gaussian_kernel(sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian ``(2r + 1,)`` float32, ``r = ceil(3 sigma)``
    (``[1.]`` for ``sigma <= 0``); ``sigma`` in pixels."""
    if sigma <= 0:
        return np.ones(1, np.float32)
    r = int(np.ceil(3.0 * sigma))
    t = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (t / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of the last two axes of ``images (..., H, W)``
    with zero padding (dark outside, like the digits' background); same shape
    and dtype. ``sigma`` in pixels; ``<= 0`` returns the input unchanged."""
    k = gaussian_kernel(sigma)
    if k.size == 1:
        return images
    r = k.size // 2
    h, w = images.shape[-2:]
    rows = _band(h, k, r)
    cols = _band(w, k, r)
    return (rows @ images @ cols.T).astype(images.dtype, copy=False)


def _band(n: int, k: np.ndarray, r: int) -> np.ndarray:
    """``(n, n)`` matrix applying the 1-D kernel ``k`` (radius ``r``) with zero padding."""
    out = np.zeros((n, n), np.float32)
    for d in range(-r, r + 1):
        idx = np.arange(max(0, -d), min(n, n - d))
        out[idx, idx + d] = k[d + r]
    return out


def shift(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``images (..., H, W)`` moved by ``(dy, dx)`` pixels (down, right),
    zeros coming in at the edges; a copy."""
    out = np.zeros_like(images)
    h, w = images.shape[-2:]
    src_r, dst_r = slice(max(0, -dy), min(h, h - dy)), slice(max(0, dy), min(h, h + dy))
    src_c, dst_c = slice(max(0, -dx), min(w, w - dx)), slice(max(0, dx), min(w, w + dx))
    out[..., dst_r, dst_c] = images[..., src_r, src_c]
    return out

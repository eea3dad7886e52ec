"""Canvas drawing -> MNIST-style model input, the way MNIST itself was framed.

MNIST digits were size-normalised to fit a 20x20 box (aspect ratio kept,
anti-aliased) and then pasted into a 28x28 field so that their intensity
centre of mass falls on the centre pixel. We reproduce exactly that::

    image (H, W) uint8 0..255 or float 0..1, white ink on black
      |  ink mask = image > ink_threshold;  bounding box (h, w) of the mask
      |  empty / near-empty (too little ink, or bbox too small: a click) -> None
    crop (h, w) float32                     the bbox of the ink, faint
      |                                     anti-aliasing inside it is kept
      |  exact area-weighted resampling with scale s = 20 / max(h, w):
      |  small = Wy @ crop @ Wx.T,  Wy (oh, h), Wx (ow, w)  pixel-overlap weights
    small (oh, ow), max(oh, ow) == 20       the shorter side is ceil(s * side)
      |                                     pixels with the ink centred in it
      |  small /= small.max()               every MNIST digit peaks at 1.0
      |  integer shift: index centre of mass -> (14, 14), clipped to the frame
    out (1, 28, 28) float32 in [0, 1]

Facts measured on the MNIST test set that this reproduces: the longer side of
the non-zero bounding box is exactly 20 px (9997 of 10000 digits), the centre
of mass (row, col indices) lies in [13.5, 14.5] (integer shifts), and the peak
intensity is >= 0.99 for every digit. Feeding a 10x nearest-upsampled MNIST
digit returns the original digit (up to the max normalisation).

Intensity profile for training: strokes in MNIST are ~2 px wide (median
2*area/perimeter of the >0.5 mask is 2.0 px, 5-95 %: 1.3-3.1 px) with a flat
top at 1.0 and anti-aliased edges. A canvas stroke maps to about
``stroke_px * 20 / max(h, w)`` output pixels. Measured on drawn "7"/"4"
shapes (same metric): pen 11-13 % of the digit height -> 1.9-2.5 px (MNIST),
9 % -> 1.65 px, 5 % -> 0.9 px, <= 2 % -> ~0.8 px (a 1-px line, still
peak 1.0 thanks to the max normalisation), 17 % -> 2.9 px. So on a 280 px
canvas with digits ~200 px tall a ~25 px pen matches MNIST best. No stroke
width normalisation is done here; train with the thickness augmentation of
``engine.augment`` for robustness to pen/digit size.

What counts as "nothing drawn" (returns None):

* no pixel above ``ink_threshold``;
* the longer side of the ink bounding box is below ``min_extent`` times the
  shorter canvas side (default 0.12: 34 px on a 280 px canvas, so a single
  click with a pen up to ~30 px wide is ignored);
* the total ink is below ``min_ink`` times the canvas area (default 5e-4:
  ~39 fully-inked pixels on a 280x280 canvas).

An all-white canvas is *not* None: the whole canvas is ink, so the result is a
20x20 block of ones centred in the 28x28 frame (rows/cols 4..23; the
centre-of-mass tie 13.5 / 14.5 goes to the frame centre).
"""
from __future__ import annotations

import numpy as np

__all__ = ["MNIST_BOX", "MNIST_SIZE", "to_model_input"]

MNIST_BOX = 20
"""Side of the box the longer side of the digit is scaled to."""
MNIST_SIZE = 28
"""Side of the square model input."""

_CENTRE = MNIST_SIZE // 2  # 14: MNIST puts the index centre of mass at 14 +- 0.5


def _area_weights(n_out: int, n_in: int, scale: float, offset: float) -> np.ndarray:
    """Exact area-averaging resampling matrix, shape ``(n_out, n_in)``, float32.

    Source pixel ``j`` covers ``[j, j+1)``; it lands on ``[s*j + offset,
    s*(j+1) + offset)`` in output coordinates. Entry ``(i, j)`` is the length of
    the overlap of output pixel ``[i, i+1)`` with that image, i.e. the fraction
    of output pixel ``i`` covered by source pixel ``j``; rows fully covered sum
    to 1. Works for down- and up-sampling and any non-integer ratio.
    """
    j = np.arange(n_in, dtype=np.float64)
    lo = scale * j + offset  # (n_in,)
    hi = lo + scale
    i = np.arange(n_out, dtype=np.float64)[:, None]
    overlap = np.minimum(hi, i + 1.0) - np.maximum(lo, i)
    return np.clip(overlap, 0.0, None).astype(np.float32)


def _as_unit_float(image: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint8/int (0..255), bool or float (0..1) -> float32 in [0, 1]."""
    if image.dtype == np.bool_:
        return image.astype(np.float32)
    if np.issubdtype(image.dtype, np.integer):
        return image.astype(np.float32) * np.float32(1.0 / 255.0)
    out = np.nan_to_num(image.astype(np.float32, copy=False), nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(out, 0.0, 1.0)


def to_model_input(
    image: np.ndarray,
    *,
    ink_threshold: float = 0.1,
    min_extent: float = 0.12,
    min_ink: float = 5e-4,
) -> np.ndarray | None:
    """Frame a drawing like an MNIST digit.

    Parameters
    ----------
    image : (H, W) array
        White ink on black. uint8 (or any integer dtype) is read as 0..255,
        float as 0..1 (clipped; NaN -> 0), bool as 0/1. Any size >= 1x1.
    ink_threshold : float
        Pixels above this fraction of full scale define the ink bounding box.
    min_extent : float
        Return None when the longer bbox side is below ``min_extent * min(H, W)``.
    min_ink : float
        Return None when the summed ink (in fully-inked-pixel units) is below
        ``min_ink * H * W``.

    Returns
    -------
    (1, 28, 28) float32 in [0, 1], or None when nothing (enough) is drawn.
    The longer side of the digit spans exactly 20 pixels, the peak is 1.0 and
    the index centre of mass is within 0.5 px of (14, 14) (unless the digit
    would otherwise leave the frame, then it is clipped to the border).
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D (H, W) image, got shape {image.shape}")
    H, W = image.shape
    if H == 0 or W == 0:
        return None

    # Threshold in the input's own units: no full-canvas float conversion.
    if np.issubdtype(image.dtype, np.integer):
        mask = image > int(np.floor(ink_threshold * 255))  # v/255 > t  <=>  v > floor(255 t)
    else:  # float (NaN compares False) or bool
        mask = image > ink_threshold
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    r0, r1 = int(rows[0]), int(rows[-1]) + 1
    c0, c1 = int(cols[0]), int(cols[-1]) + 1
    h, w = r1 - r0, c1 - c0
    if max(h, w) < min_extent * min(H, W):
        return None

    crop = _as_unit_float(image[r0:r1, c0:c1])
    if float(crop.sum(dtype=np.float64)) < min_ink * H * W:
        return None

    # Scale so that the longer side is exactly MNIST_BOX, same factor on both axes.
    s = MNIST_BOX / max(h, w)
    oh = min(MNIST_BOX, int(np.ceil(h * s - 1e-6)))
    ow = min(MNIST_BOX, int(np.ceil(w * s - 1e-6)))
    wy = _area_weights(oh, h, s, (oh - h * s) / 2.0)  # (oh, h)
    wx = _area_weights(ow, w, s, (ow - w * s) / 2.0)  # (ow, w)
    if h * ow <= w * oh:  # cheaper association order
        small = (wy @ crop) @ wx.T
    else:
        small = wy @ (crop @ wx.T)

    peak = float(small.max())
    if peak <= 0.0:
        return None
    small = np.clip(small * np.float32(1.0 / peak), 0.0, 1.0).astype(np.float32, copy=False)

    # Integer shift putting the index centre of mass at (14, 14) +- 0.5, as
    # MNIST did; an exact tie (e.g. a symmetric shape) goes to the frame centre.
    mass = small.sum(dtype=np.float64)
    cy = float(small.sum(axis=1) @ np.arange(oh)) / mass
    cx = float(small.sum(axis=0) @ np.arange(ow)) / mass
    ty = int(np.clip(np.ceil(_CENTRE - cy - 0.5 - 1e-9), 0, MNIST_SIZE - oh))
    tx = int(np.clip(np.ceil(_CENTRE - cx - 0.5 - 1e-9), 0, MNIST_SIZE - ow))

    out = np.zeros((1, MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    out[0, ty:ty + oh, tx:tx + ow] = small
    return out

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
      |  stroke width of out > max_stroke_width (3.4 px)?  (small digit, wide pen)
      |  yes: redo the crop at 4x (longer side 80 px), erode it by a disk of
      |  the radius that brings the width to STROKE_TARGET (2.4 px) after
      |  re-framing, re-crop to the eroded ink and frame that as above

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
canvas with digits ~200 px tall a ~25 px pen matches MNIST best.

Stroke-width normalisation (only for *too thick* strokes). A digit drawn small
with a wide pen comes out with strokes far wider than MNIST's: ink 35 % of a
280 px canvas tall with the default 25 px pen gives ~3.9 px, with a 40 px pen
~6 px, and the model fails on those (``python -m engine.tools.stroke_replay``, MNIST test
digits re-drawn as round-pen strokes: 96.2 % at 3.9 px, 92.9 % at 4.4 px,
33 % at 6 px, against 98.5-98.9 % anywhere in 0.8-2.8 px). The width is
measured on the framed output as ``2 * area / perimeter`` of its > 0.5 mask
(perimeter = number of 4-neighbour pixel edges; MNIST test digits through
this function: median 2.0 px, 97.6 % at most 3.4 px). Above
``max_stroke_width`` (3.4 px), unless the ink is a solid shape (the > 0.5
mask covers more than 85 % of its bounding box: an all-white canvas, a blot,
a straight bar; nothing to thin), the crop is resampled to 4x the output
resolution (longer side 80 px), its width ``w`` (output pixels) measured
there, and it is grey-eroded (zero outside) by an approximate disk of radius
``k = 10 * 4 * (w - t) / (20 - t)`` fine pixels, ``t = STROKE_TARGET = 2.4``
(alternating 3x3 square / plus-shaped minimum filters, the fractional step
blended), then re-cropped to its ink (> ``ink_threshold``) and framed as
above. A round pen ``p`` eroded by ``k`` is the same path drawn with a pen
``p - 2k`` whose ink box is ``2k`` smaller, which is where ``k`` comes from;
corners and loops the wide pen filled in stay filled, so the result is
somewhat wider than ``t`` (6 px -> ~4.6 px, 4.4 -> 3.0, 3.9 -> 2.8). Thin
strokes are left alone (the model reads 0.8 px strokes as well as 2 px ones).
Only the boldest 2.4 % of the MNIST test digits are touched (accuracy 99.62
vs 99.63 %). Measured gains on the stroke replay (2000 digits, 280 px canvas,
ink height as a fraction of the side): pen 25 at 35 % 96.2 -> 97.5 %, pen 40
at 35 % 33 -> 76 %, at 50 % 92.9 -> 96.9 %, at 65 % 98.0 -> 98.3 %; no change
elsewhere (realistic mix, thin pens). ``max_stroke_width=None`` disables it.
Cost: +0.02 ms per call when not triggered, ~1 ms when it is (280 px canvas).

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

from .frame_map import FrameMap

__all__ = ["MAX_STROKE_WIDTH", "MNIST_BOX", "MNIST_SIZE", "STROKE_TARGET", "FrameMap",
           "area_weights", "frame_like_mnist", "to_model_input"]

MNIST_BOX = 20
"""Side of the box the longer side of the digit is scaled to."""
MNIST_SIZE = 28
"""Side of the square model input."""

MAX_STROKE_WIDTH = 3.4
"""Output stroke width (2 * area / perimeter of the > 0.5 mask, px) above which
strokes are thinned to :data:`STROKE_TARGET`."""
STROKE_TARGET = 2.4
"""Stroke width that too-thick drawings are thinned to (MNIST median: 2.0)."""

_CENTRE = MNIST_SIZE // 2  # 14: MNIST puts the index centre of mass at 14 +- 0.5
_FINE = 4  # stroke thinning works at this multiple of the output resolution
_SOLID_FILL = 0.85  # ink covering more of its box than this is a solid blob, not strokes


def area_weights(n_out: int, n_in: int, scale: float, offset: float) -> np.ndarray:
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


def _box_geometry(h: int, w: int, box: int) -> tuple[float, int, int, float, float]:
    """Where :func:`_resample_to_box` puts an ``(h, w)`` crop: the scale ``s``
    (output pixels per crop pixel), the output size ``(oh, ow)`` and the
    offsets ``(dy, dx)`` so that crop coordinate ``u`` lands on ``s * u + d``."""
    s = box / max(h, w)
    oh = min(box, int(np.ceil(h * s - 1e-6)))
    ow = min(box, int(np.ceil(w * s - 1e-6)))
    return s, oh, ow, (oh - h * s) / 2.0, (ow - w * s) / 2.0


def _resample_to_box(crop: np.ndarray, box: int) -> np.ndarray:
    """Area-resample ``crop (h, w)`` so that its longer side is ``box`` pixels
    (same factor on both axes; the shorter side is ``ceil(s * side)`` pixels with
    the ink centred in it)."""
    h, w = crop.shape
    s, oh, ow, dy, dx = _box_geometry(h, w, box)
    wy = area_weights(oh, h, s, dy)  # (oh, h)
    wx = area_weights(ow, w, s, dx)  # (ow, w)
    if h * ow <= w * oh:  # cheaper association order
        return (wy @ crop) @ wx.T
    return wy @ (crop @ wx.T)


def _frame(small: np.ndarray) -> tuple[np.ndarray, int, int] | None:
    """``small (oh, ow)`` (longer side 20) -> peak 1.0, index centre of mass at
    (14, 14) in a ``(1, 28, 28)`` float32 frame, and the shift ``(ty, tx)``
    that put it there; None if it has no ink."""
    oh, ow = small.shape
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
    return out, ty, tx


def _stroke_width(img: np.ndarray) -> float:
    """``2 * area / perimeter`` of the > 0.5 mask of a 2-D image, in its pixels;
    the perimeter counts 4-neighbour pixel edges (the image border included)."""
    m = img > 0.5
    area = int(np.count_nonzero(m))
    if area == 0:
        return 0.0
    per = (np.count_nonzero(m[1:] != m[:-1]) + np.count_nonzero(m[:, 1:] != m[:, :-1])
           + np.count_nonzero(m[0]) + np.count_nonzero(m[-1])
           + np.count_nonzero(m[:, 0]) + np.count_nonzero(m[:, -1]))
    return 2.0 * area / per


def _is_solid(img: np.ndarray) -> bool:
    """True when the > 0.5 mask of ``img`` covers more than ``_SOLID_FILL`` of its
    bounding box (a blob or a bar, nothing a thinner pen would draw differently)."""
    m = img > 0.5
    rows = np.flatnonzero(m.any(axis=1))
    if rows.size == 0:
        return True
    cols = np.flatnonzero(m.any(axis=0))
    box = (rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1)
    return np.count_nonzero(m) > _SOLID_FILL * box


def _min_step(x: np.ndarray, square: bool) -> np.ndarray:
    """One 3x3 minimum filter (square, or plus-shaped), zero outside the image."""
    p = np.pad(x, 1)
    if square:  # separable: rows, then columns
        r = np.minimum(np.minimum(p[:-2], p[1:-1]), p[2:])
        return np.minimum(np.minimum(r[:, :-2], r[:, 1:-1]), r[:, 2:])
    c = p[1:-1, 1:-1]
    return np.minimum(np.minimum(np.minimum(c, p[:-2, 1:-1]), np.minimum(p[2:, 1:-1], p[1:-1, :-2])),
                      p[1:-1, 2:])


def _erode(x: np.ndarray, radius: float) -> np.ndarray:
    """Grey erosion by an approximate disk of ``radius`` pixels: alternating
    square / plus 3x3 minimum filters (an octagon), the fractional step blended."""
    n = int(radius)
    for i in range(n):
        x = _min_step(x, square=(i % 2 == 0))
    frac = radius - n
    if frac > 1e-3:
        x = x + np.float32(frac) * (_min_step(x, square=(n % 2 == 0)) - x)
    return x


_Placement = tuple[np.ndarray, float, float, float]
"""A framed ``(1, 28, 28)`` input and where the crop went: crop coordinate
``u`` (rows, cols) lands on input coordinate ``scale * u + (dy, dx)``."""


def _placed_frame(crop: np.ndarray) -> _Placement | None:
    """Frame ``crop (h, w)`` like MNIST, with where it went (None: no ink)."""
    framed = _frame(_resample_to_box(crop, MNIST_BOX))
    if framed is None:
        return None
    out, ty, tx = framed
    s, _, _, dy, dx = _box_geometry(*crop.shape, MNIST_BOX)
    return out, s, dy + ty, dx + tx


def _thinned(crop: np.ndarray, ink_threshold: float, target: float) -> _Placement | None:
    """Frame ``crop`` with its strokes thinned to about ``target`` output pixels
    (None: nothing to thin, or the erosion left no ink)."""
    L = MNIST_BOX * _FINE
    big = _resample_to_box(crop, L)
    big *= np.float32(1.0 / max(float(big.max()), 1e-12))
    w = _stroke_width(big) / _FINE  # in output pixels
    if w <= target:
        return None
    # A round pen p eroded by k is the same path drawn with a pen p - 2k, its ink
    # box 2k smaller: (_FINE * w - 2k) / (L - 2k) = target / MNIST_BOX.
    k = MNIST_BOX / 2.0 * _FINE * (w - target) / (MNIST_BOX - target)
    pad = int(np.ceil(k)) + 1
    big = _erode(np.pad(big, pad), k)
    mask = big > ink_threshold
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    inner = _placed_frame(big[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    if inner is None:
        return None
    # crop u -> big s1 u + d1 -> padded + pad -> inner crop - rows[0] -> s2 v + d2
    out, s2, dy2, dx2 = inner
    s1, _, _, dy1, dx1 = _box_geometry(*crop.shape, L)
    return (out, s1 * s2, s2 * (dy1 + pad - rows[0]) + dy2,
            s2 * (dx1 + pad - cols[0]) + dx2)


def to_model_input(image: np.ndarray, *, ink_threshold: float = 0.1, min_extent: float = 0.12,
                   min_ink: float = 5e-4,
                   max_stroke_width: float | None = MAX_STROKE_WIDTH) -> np.ndarray | None:
    """Frame a drawing like an MNIST digit: ``(1, 28, 28)`` float32 in [0, 1],
    or None when nothing (enough) is drawn. The parameters and the result are
    those of :func:`frame_like_mnist`, without the :class:`FrameMap`."""
    framed = frame_like_mnist(image, ink_threshold=ink_threshold, min_extent=min_extent,
                              min_ink=min_ink, max_stroke_width=max_stroke_width)
    return None if framed is None else framed[0]


def frame_like_mnist(
    image: np.ndarray,
    *,
    ink_threshold: float = 0.1,
    min_extent: float = 0.12,
    min_ink: float = 5e-4,
    max_stroke_width: float | None = MAX_STROKE_WIDTH,
) -> tuple[np.ndarray, FrameMap] | None:
    """Frame a drawing like an MNIST digit, and say where the frame lies on it.

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
    max_stroke_width : float or None
        Thin the strokes to :data:`STROKE_TARGET` when the output's stroke
        width is above this many pixels (see the module docstring); None: never.

    Returns
    -------
    ``(x, frame_map)``: ``x`` is ``(1, 28, 28)`` float32 in [0, 1] and
    ``frame_map`` (:class:`~engine.data.frame_map.FrameMap`) maps its pixels
    back onto ``image``; or None when nothing (enough) is drawn.
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
    placed = _placed_frame(crop)
    if placed is not None and max_stroke_width is not None:
        out = placed[0][0]
        if _stroke_width(out) > max_stroke_width and not _is_solid(out):
            placed = _thinned(crop, ink_threshold, STROKE_TARGET) or placed
    if placed is None:
        return None
    out, scale, dy, dx = placed
    return out, FrameMap.placement(scale, dy, dx, r0, c0)

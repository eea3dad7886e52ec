"""A round pen in pure NumPy: strokes drawn the way the app's canvas draws a
mouse stroke, without Qt.

The canvas is a ``side x side`` uint8 image, white ink on black, like the
app's Grayscale8 ``QImage``. A constant-width round pen strokes each polyline
as the union of round-capped segments, anti-aliased as QPainter covers a
round pen (up to its 8-bit rounding and its curve smoothing through segment
midpoints; a test keeps the two within a fraction of a grey level)::

    intensity = clip(pen/2 + 0.5 - distance from the pixel centre, 0, 1)

Writer variations, for re-drawing strokes as different people would
(:func:`place`):

* **slant** - a horizontal shear about the strokes' mean row,
  ``col -= slant * (row - mean row)``; writers vary within
  ``+-``:data:`MAX_SLANT`;
* **height** - the ink's bounding-box height (centre-line extent plus the pen
  width) as a fraction of the canvas side; a digit too wide for the canvas is
  shrunk until it fits;
* **pen width** - in canvas pixels here; the app's brush slider counts
  *reference pixels* (pixels of a :data:`REFERENCE_SIDE` canvas) and scales
  them with the side, see :func:`pen_px` (default brush :data:`DEFAULT_PEN`);
* **position** - uniform, with all ink at least :data:`MARGIN` px inside.

Coordinates are (row, col) in canvas pixels, pixel ``i`` covering
``[i, i+1)``; the app's canvas units are ``(col / side, row / side)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["REFERENCE_SIDE", "DEFAULT_PEN", "MAX_SLANT", "MARGIN", "pen_px", "random_slants",
           "render_segments", "place", "lines_to_segments", "draw"]

#: The brush slider's unit: pixels of a canvas this many pixels wide.
REFERENCE_SIDE = 280.0
#: The app's default brush, in reference pixels (8.9 % of the side).
DEFAULT_PEN = 25.0
#: Writers' slants are drawn from U(-MAX_SLANT, MAX_SLANT) (shear, col per row).
MAX_SLANT = 0.15
#: Placed ink stays at least this many canvas pixels inside every edge.
MARGIN = 2.0


def pen_px(pen_ref: float, side: int) -> float:
    """Pen width in device pixels of a ``side`` px canvas for a brush of
    ``pen_ref`` reference pixels (a 25 px brush is 35.7 px on a 400 px canvas)."""
    return pen_ref * side / REFERENCE_SIDE


def random_slants(rng: np.random.Generator, n: int) -> np.ndarray:
    """``(n,)`` float64 slants, uniform in ``[-MAX_SLANT, MAX_SLANT)``."""
    return rng.uniform(-MAX_SLANT, MAX_SLANT, n)


def render_segments(a: np.ndarray, b: np.ndarray, pen: float, side: int) -> np.ndarray:
    """Anti-aliased round-capped segments on a black canvas.

    ``a, b: (P, 2)`` segment end points (row, col) in canvas pixels; a
    segment with ``a == b`` is a dot. ``pen``: width in canvas pixels.
    Returns ``(side, side)`` uint8, ``round(255 * max over segments of
    clip(pen/2 + 0.5 - distance to the segment, 0, 1))``: the union of the
    segments, as a round pen with round joins strokes a path. Each segment
    fills a ``K x K`` window, ``K = ceil(longest segment + pen + 3)``, so
    split long segments first (:func:`lines_to_segments`). Ink beyond the
    canvas is clipped.
    """
    r = pen / 2.0
    lo = np.floor(np.minimum(a, b) - r - 1).astype(np.int64)  # (P, 2) window corners
    K = int(np.ceil(np.abs(a - b).max() + 2 * r + 3))
    g = np.arange(K, dtype=np.float32) + 0.5
    M = K + 2  # canvas padding: every window fits
    canvas = np.zeros((side + 2 * M, side + 2 * M), np.float32)
    a32 = (a - lo).astype(np.float32)
    d = (b - a).astype(np.float32)
    L2 = np.maximum((d * d).sum(1), 1e-12)[:, None, None]
    Y = g[None, :, None] - a32[:, 0, None, None]  # (P, K, 1)
    X = g[None, None, :] - a32[:, 1, None, None]  # (P, 1, K)
    dy, dx = d[:, 0, None, None], d[:, 1, None, None]
    t = np.clip((Y * dy + X * dx) / L2, 0.0, 1.0)  # (P, K, K) nearest point on the segment
    ey = Y - t * dy
    ex = X - t * dx
    cov = np.clip(np.float32(r + 0.5) - np.sqrt(ey * ey + ex * ex), 0.0, 1.0)
    for k in range(len(a)):
        y0, x0 = lo[k] + M
        w = canvas[y0:y0 + K, x0:x0 + K]
        np.maximum(w, cov[k], out=w)
    return np.round(canvas[M:M + side, M:M + side] * 255).astype(np.uint8)


def place(lines: list[np.ndarray], side: int, pen: float, height: float, slant: float,
          rng: np.random.Generator) -> list[np.ndarray]:
    """Put strokes on a canvas as a writer would draw them.

    ``lines``: polylines ``(n, 2)`` (row, col), any units (MNIST px from
    :func:`engine.data.pen_strokes.extract_strokes`), at least one point.
    The strokes are slanted by ``slant`` (shear about the mean row), scaled so
    the ink - centre-line extent plus ``pen`` - is ``height * side`` tall
    (less when that would not fit in width or height within the margins),
    and moved to a uniformly random position (two ``rng.uniform`` draws) with
    the ink at least :data:`MARGIN` px inside the canvas. ``pen`` is in canvas
    pixels. Returns the polylines in canvas pixels (row, col), same shapes.
    """
    allp = np.concatenate(lines, 0)
    cy = allp[:, 0].mean()
    sheared = [np.stack([p[:, 0], p[:, 1] - slant * (p[:, 0] - cy)], 1) for p in lines]
    allp = np.concatenate(sheared, 0)
    lo, hi = allp.min(0), allp.max(0)
    ext = np.maximum(hi - lo, 1e-3)  # (2,) centre-line extent (rows, cols)
    room = side - 2 * MARGIN - pen
    s = (height * side - pen) / ext[0]
    s = min(s, room / ext[1], room / ext[0])
    ink = ext * s + pen
    origin = np.array([rng.uniform(MARGIN, max(MARGIN, side - MARGIN - ink[0])),
                       rng.uniform(MARGIN, max(MARGIN, side - MARGIN - ink[1]))])
    off = origin + pen / 2.0 - lo * s
    return [p * s + off for p in sheared]


def lines_to_segments(lines: list[np.ndarray], max_len: float) -> tuple[np.ndarray, np.ndarray]:
    """Polylines -> segment end points ``a, b: (P, 2)``.

    Each polyline ``(n, 2)`` gives its ``n - 1`` segments, a segment longer
    than ``max_len`` split into equal pieces no longer than that; a
    single-point polyline gives one zero-length segment (a dot).
    """
    A, B = [], []
    for p in lines:
        if len(p) == 1:
            A.append(p)
            B.append(p)
            continue
        a, b = p[:-1], p[1:]
        n = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / max_len)).astype(int)  # pieces per segment
        rep = np.repeat(np.arange(len(a)), n)
        frac0 = np.concatenate([np.arange(k) / k for k in n])
        frac1 = np.concatenate([np.arange(1, k + 1) / k for k in n])
        d = (b - a)[rep]
        A.append(a[rep] + frac0[:, None] * d)
        B.append(a[rep] + frac1[:, None] * d)
    return np.concatenate(A), np.concatenate(B)


def draw(lines: list[np.ndarray], side: int, pen: float) -> np.ndarray:
    """Stroke polylines (row, col, canvas pixels) with a round pen ``pen``
    canvas pixels wide -> ``(side, side)`` uint8 canvas, white on black.
    Segments are split to at most ``max(pen, 4)`` px first. A 280 px canvas
    with a 25 px pen takes under 1 ms."""
    a, b = lines_to_segments(lines, max(pen, 4.0))
    return render_segments(a, b, pen, side)

"""Rasterising strokes with QPainter: a round-capped, round-joined pen (white
ink, or black for the eraser) along quadratic curves through the segment
midpoints, which gives smooth curves from jittery mouse input.

No seams inside the ink. QPainter strokes a path by filling its outline with
the non-zero winding rule, and its anti-aliased rasteriser adds up the
*signed* coverage of every outline edge in a pixel. Where the outline of a
path winds backwards over itself - a segment much shorter than the pen, a
hairpin that runs back along the stroke - an edge inside the ink sits
between winding +1 and -1 (or 0), and that pixel comes out dark: a hairline
seam (or a hole) inside the stroke, worse the wider the pen in pixels. Two
rules keep the outlines simple:

* a stroke is painted in *pieces* cut at every sharp turn (more than 90
  degrees between consecutive segments, :func:`stroke_pieces`); each piece is
  its own ``drawPath`` and pieces overlap only in the round cap at the cut
  point, so white over white stays white. A sharp corner is therefore kept,
  not rounded by the midpoint curve;
* the canvas never adds a mouse point closer than
  :data:`~gui.drawing.strokes.MIN_STEP` pen widths to the previous one
  (one-pixel jitter and tremor, a release next to the last move); a stroke
  given as points is painted as given, only (near-)duplicates closer than
  :data:`DUPLICATE` pen widths are dropped (:func:`spaced`), so a sparse
  polyline (the MNIST stroke replay) keeps every corner.

Measured: slow shaky mouse strokes and random scribbles with hairpins on
606-2000 px canvases, pens 4-60 reference px: before, up to 40,000 pixels
inside a stroke 10-100 % dark; now none darker than 250 of 255.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from .placed import PlacedImage

DUPLICATE = 0.02
"""Points of a stroke closer than this many pen widths to the previous one
are dropped when painting: near-duplicates (half a pixel for the default pen on
a 280 px canvas)."""


def grey_pixels(image: QImage) -> np.ndarray:
    """A ``Format_Grayscale8`` image as an ``(H, W)`` uint8 array (a copy)."""
    buf = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return buf.reshape(image.height(), image.bytesPerLine())[:, :image.width()].copy()


def stroke_pen(width_px: float, erase: bool) -> QPen:
    color = QColor(0, 0, 0) if erase else QColor(255, 255, 255)
    return QPen(color, max(width_px, 0.5), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin)


def is_sharp(a, b, c) -> bool:
    """True when the path ``a -> b -> c`` (points ``(x, y)``) turns by more
    than 90 degrees at ``b`` (or a segment has no length)."""
    ux, uy = b[0] - a[0], b[1] - a[1]
    vx, vy = c[0] - b[0], c[1] - b[1]
    return ux * vx + uy * vy <= 0.0


def far_apart(a, b, gap: float) -> bool:
    """True if the points ``a`` and ``b`` are at least ``gap`` apart."""
    return (b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2 >= gap * gap


def spaced(points, gap: float) -> list:
    """``points`` without those closer than ``gap`` to the previous kept point;
    the last point is always kept (in place of a kept point too close to it)."""
    out = [points[0]]
    for p in points[1:-1]:
        if far_apart(out[-1], p, gap):
            out.append(p)
    last = points[-1]
    if len(points) > 1 and last != out[-1]:
        if len(out) > 1 and not far_apart(out[-1], last, gap):
            out[-1] = last
        else:
            out.append(last)
    return out


def stroke_pieces(px) -> list[tuple[int, int]]:
    """``[(first, last), ...]`` point indices of the pieces of a stroke with
    ``len(px) >= 2`` points (no two consecutive ones equal), cut at every
    sharp turn (:func:`is_sharp`); consecutive pieces share the cut point."""
    cuts = [i for i in range(1, len(px) - 1) if is_sharp(px[i - 1], px[i], px[i + 1])]
    bounds = [0, *cuts, len(px) - 1]
    return list(zip(bounds, bounds[1:]))


def paint_stroke(painter: QPainter, points, width_px: float, erase: bool, side: int) -> None:
    """Paint one whole stroke given in canvas units (``side``: the image's side
    in pixels, ``width_px``: the pen's diameter in pixels)."""
    px = [(x * side, y * side) for x, y in spaced(list(points), DUPLICATE * width_px / side)]
    painter.setPen(stroke_pen(width_px, erase))
    if len(px) == 1:
        painter.drawPoint(QPointF(*px[0]))
        return
    for first, last in stroke_pieces(px):
        painter.drawPath(smooth_path(px[first:last + 1], -1, None))


def paint_actions(painter: QPainter, actions, side: int) -> None:
    """Paint history actions (tuples of strokes, placed images; see
    :class:`~gui.drawing.strokes.StrokeHistory`) in order on a ``side`` px image."""
    for action in actions:
        if isinstance(action, PlacedImage):
            action.paint(painter, side)
            continue
        for stroke in action:
            paint_stroke(painter, stroke.points, stroke.width * side, stroke.erase, side)


def smooth_path(px, start: int, end: int | None) -> QPainterPath:
    """Quadratic curves through segment midpoints ``M_i = (P_i + P_i+1) / 2``.

    The full stroke is ``P_0 -> M_0 ~(P_1)~> M_1 ~ ... ~> M_n-2 -> P_n-1``.
    ``start = -1`` begins at ``P_0``, ``start = j`` at ``M_j``; ``end = j`` stops
    at ``M_j`` (the part that later points cannot change), ``None`` at ``P_n-1``.
    """
    n = len(px)

    def mid(i):
        return QPointF((px[i][0] + px[i + 1][0]) / 2.0, (px[i][1] + px[i + 1][1]) / 2.0)

    if n == 1:
        path = QPainterPath(QPointF(*px[0]))
        path.lineTo(QPointF(*px[0]))
        return path
    if start < 0:
        path = QPainterPath(QPointF(*px[0]))
        path.lineTo(mid(0))
        first = 1
    else:
        path = QPainterPath(mid(start))
        first = start + 1
    last = n - 2 if end is None else end
    for i in range(first, last + 1):
        path.quadTo(QPointF(*px[i]), mid(i))
    if end is None:
        path.lineTo(QPointF(*px[-1]))
    return path

"""Rasterising strokes with QPainter: a round-capped, round-joined pen (white
ink, or black for the eraser) along quadratic curves through the segment
midpoints, which gives smooth curves from jittery mouse input."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen


def stroke_pen(width_px: float, erase: bool) -> QPen:
    color = QColor(0, 0, 0) if erase else QColor(255, 255, 255)
    return QPen(color, max(width_px, 0.5), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin)


def paint_stroke(painter: QPainter, points, width_px: float, erase: bool, side: int) -> None:
    """Paint one whole stroke given in canvas units."""
    px = [(x * side, y * side) for x, y in points]
    painter.setPen(stroke_pen(width_px, erase))
    if len(px) == 1 or all(p == px[0] for p in px):
        painter.drawPoint(QPointF(*px[0]))
    else:
        painter.drawPath(smooth_path(px, -1, None))


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

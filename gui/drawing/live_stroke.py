"""The stroke being drawn, rasterised incrementally so that each mouse move
costs the same however long the stroke gets: finished parts are baked into a
base image and only the unfinished tail is painted again on each move.

The stroke is painted in the same pieces as a finished one
(:func:`gui.drawing.painting.stroke_pieces`: cut at sharp turns): a piece is
baked as soon as the turn that ends it is known, and a long piece is baked
up to its last settled midpoint every ``COMMIT_EVERY`` points."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage, QPainter

from .painting import is_sharp, smooth_path, stroke_pen
from .strokes import Stroke

COMMIT_EVERY = 32      # bake the settled part of a long piece after this many points


class LiveStroke:
    """One stroke in progress on top of ``base`` (the drawing before it).

    :param point: the first point, in canvas units ``[0, 1]``
    :param width: pen diameter as a fraction of the side
    :param erase: paint black (the eraser)
    """

    def __init__(self, base: QImage, point: tuple[float, float], width: float, erase: bool):
        self.points = [point]
        self.width, self.erase = width, erase
        self._base = base.copy()
        self._start = 0     # index of the first point of the open (last) piece
        self._checked = 0   # points up to this index were tested for a sharp turn
        self._from = -1     # midpoint (in the open piece) its unbaked tail starts at; -1: none

    @property
    def last(self) -> tuple[float, float]:
        return self.points[-1]

    def add(self, point: tuple[float, float]) -> None:
        """Append a point (one equal to the last point is ignored)."""
        if point != self.points[-1]:
            self.points.append(point)

    def rebase(self, base: QImage) -> None:
        """Draw on top of a new ``base`` (the canvas was resized): nothing is baked yet."""
        self._base = base.copy()
        self._start, self._checked, self._from = 0, 0, -1

    def render(self) -> tuple[QImage, QRectF]:
        """``(drawing with the stroke so far, image rectangle its newest part touches)``."""
        side = self._base.width()
        width = self.width * side
        pts = self.points
        for i in range(max(self._checked, self._start) + 1, len(pts) - 1):
            self._checked = i
            if is_sharp(pts[i - 1], pts[i], pts[i + 1]):   # the open piece ends at P_i
                self._bake(self._pixels(self._start, i + 1, side), width, None)
                self._start, self._from = i, -1
        piece = self._pixels(self._start, len(pts), side)
        n = len(piece)
        if n - 2 - max(self._from, 0) >= COMMIT_EVERY:     # bake up to midpoint n-2
            self._bake(piece, width, n - 2)
            self._from = n - 2
        image = self._base.copy()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(stroke_pen(width, self.erase))
        if n == 1:
            painter.drawPoint(QPointF(*piece[0]))
        else:
            painter.drawPath(smooth_path(piece, self._from, None))
        painter.end()
        tail = piece[-3:]
        xs, ys = [p[0] for p in tail], [p[1] for p in tail]
        pad = width + 4
        touched = QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad,
                         max(ys) - min(ys) + 2 * pad)
        return image, touched

    def stroke(self) -> Stroke:
        return Stroke(tuple(self.points), self.width, self.erase)

    def _pixels(self, first: int, stop: int, side: int) -> list[tuple[float, float]]:
        return [(x * side, y * side) for x, y in self.points[first:stop]]

    def _bake(self, piece, width: float, end: int | None) -> None:
        """Paint ``piece`` from its unbaked midpoint to midpoint ``end`` (None:
        to its last point) into the base image."""
        painter = QPainter(self._base)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(stroke_pen(width, self.erase))
        painter.drawPath(smooth_path(piece, self._from, end))
        painter.end()

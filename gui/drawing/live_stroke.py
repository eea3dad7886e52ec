"""The stroke being drawn, rasterised incrementally so that each mouse move
costs the same however long the stroke gets: the settled part is baked into
a base image every ``COMMIT_EVERY`` points, and only the unfinished tail is
painted again on each move."""
from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from .painting import paint_stroke, smooth_path, stroke_pen
from .strokes import Stroke

COMMIT_EVERY = 32      # bake the settled part of a live stroke after this many points


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
        self._from = -1                   # index of the midpoint the unbaked tail starts at

    @property
    def last(self) -> tuple[float, float]:
        return self.points[-1]

    def add(self, point: tuple[float, float]) -> None:
        self.points.append(point)

    def rebase(self, base: QImage) -> None:
        """Draw on top of a new ``base`` (the canvas was resized): nothing is baked yet."""
        self._base = base.copy()
        self._from = -1

    def render(self) -> tuple[QImage, QRectF]:
        """``(drawing with the stroke so far, image rectangle its newest part touches)``."""
        side = self._base.width()
        px = [(x * side, y * side) for x, y in self.points]
        width = self.width * side
        n = len(px)
        if n - 2 - max(self._from, 0) >= COMMIT_EVERY:  # bake the settled part (to midpoint n-2)
            upto = n - 2
            painter = QPainter(self._base)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(stroke_pen(width, self.erase))
            painter.drawPath(smooth_path(px, self._from, upto))
            painter.end()
            self._from = upto
        image = self._base.copy()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._from < 0:
            paint_stroke(painter, self.points, width, self.erase, side)
        else:
            painter.setPen(stroke_pen(width, self.erase))
            painter.drawPath(smooth_path(px, self._from, None))
        painter.end()
        tail = px[-3:]
        xs, ys = [p[0] for p in tail], [p[1] for p in tail]
        pad = width + 4
        touched = QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad,
                         max(ys) - min(ys) + 2 * pad)
        return image, touched

    def stroke(self) -> Stroke:
        return Stroke(tuple(self.points), self.width, self.erase)

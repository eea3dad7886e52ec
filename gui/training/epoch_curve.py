"""The per-epoch points of the training plots (train and test loss or
accuracy): a thin line through them and a marker on each, the markers drawn
by a lean item of our own.

Why not pyqtgraph's symbols. A ``PlotDataItem`` with a symbol paints its
points through a ``ScatterPlotItem``, whose paint and bounding box run
~0.5 ms of Python per paint even for a handful of points (mapping every
point to the screen, masking, a pixmap atlas). The epoch points span the
run, so every repaint of the strip where the live curves grow paints them
too: in the app they were a quarter of the training plots' paint time
(thread time of ``GraphicsView.paintEvent``, a 30 s run with six epochs).
:class:`EpochMarkers` draws each marker as one ellipse or square in data
coordinates, sized from the painter's transform, so it also draws right in
an exported SVG or PNG.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter

from .plot_parts import make_curve

#: Marker size in screen pixels (pyqtgraph's ``symbolSize`` before).
MARKER_PX = 7.0


class EpochMarkers(pg.GraphicsObject):
    """Filled markers (``"o"`` circles or ``"s"`` squares) of ``MARKER_PX``
    pixels at points in data coordinates; non-finite points are skipped."""

    def __init__(self, color, symbol: str = "o"):
        super().__init__()
        if symbol not in ("o", "s"):
            raise ValueError(f"symbol must be 'o' or 's', got {symbol!r}")
        self.symbol = symbol
        self.pen = pg.mkPen(color)
        self.pen.setCosmetic(True)
        self.brush = pg.mkBrush(color)
        self.points = np.zeros((0, 2))
        self._data_rect = QRectF()
        self._bounds: QRectF | None = None

    def set_points(self, x, y) -> None:
        """Markers at ``(x[i], y[i])`` (replacing the previous ones)."""
        pts = np.column_stack([np.asarray(x, float).ravel(), np.asarray(y, float).ravel()])
        pts = pts[np.isfinite(pts).all(axis=1)]
        self.prepareGeometryChange()
        self.points = pts
        if len(pts):
            (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
            self._data_rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        else:
            self._data_rect = QRectF()
        self._bounds = None
        self.update()

    def viewTransformChanged(self) -> None:
        """pyqtgraph's hook: the pixel size in data units changed (zoom, resize)."""
        self.prepareGeometryChange()
        self._bounds = None

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            if not len(self.points):
                self._bounds = QRectF()
            else:
                px, py = self.pixelVectors()   # one screen pixel along x and y, in data units
                pad_x = MARKER_PX * (0.0 if px is None else abs(px.x()) + abs(px.y()))
                pad_y = MARKER_PX * (0.0 if py is None else abs(py.x()) + abs(py.y()))
                self._bounds = self._data_rect.adjusted(-pad_x, -pad_y, pad_x, pad_y)
        return self._bounds

    def paint(self, p: QPainter, *args) -> None:
        if not len(self.points):
            return
        t = p.transform()
        half_x = 0.5 * MARKER_PX / max(abs(t.m11()), 1e-300)
        half_y = 0.5 * MARKER_PX / max(abs(t.m22()), 1e-300)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.symbol == "o")  # crisp squares
        p.setPen(self.pen)
        p.setBrush(self.brush)
        draw = p.drawEllipse if self.symbol == "o" else p.drawRect
        for x, y in self.points:
            draw(QRectF(QPointF(x - half_x, y - half_y), QPointF(x + half_x, y + half_y)))


class EpochCurve:
    """A line through the per-epoch points of one series plus its markers,
    both in ``plot``: ``setData(x, y)`` and ``getData()`` as for a
    ``PlotDataItem`` (the line's data)."""

    def __init__(self, plot: pg.PlotItem, color, symbol: str = "o"):
        self.line = make_curve(plot, color)
        self.markers = EpochMarkers(color, symbol)
        plot.addItem(self.markers)

    def setData(self, x, y) -> None:
        self.line.setData(x, y)
        self.markers.set_points(x, y)

    def getData(self):
        return self.line.getData()

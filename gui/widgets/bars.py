"""Rows of labelled bars in a pyqtgraph plot: the probabilities, the logits."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor


def bar_chart() -> pg.PlotWidget:
    """A bare ``PlotWidget`` for a row of :class:`BarsItem` bars: transparent,
    no mouse interaction, menu, buttons, left axis or margins."""
    plot = pg.PlotWidget(background=None)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    item = plot.getPlotItem()
    item.hideAxis("left")
    item.setContentsMargins(0, 0, 0, 0)
    return plot


def label_bar_slots(item: pg.PlotItem, k: int) -> None:
    """Bottom axis labels 0..k-1 under ``k`` bar slots, without tick marks."""
    axis = item.getAxis("bottom")
    axis.setTicks([[(i, str(i)) for i in range(k)]])
    axis.setStyle(tickLength=0)
    item.setXRange(-0.6, k - 0.4, padding=0)


class BarsItem(pg.GraphicsObject):
    """Vertical bars at x = 0..k-1 for a pyqtgraph plot, drawn directly.

    A lean stand-in for ``pg.BarGraphItem`` (which rebuilds brushes, a QPicture
    and pixel-exact bounds on every update): one ``fillRect`` per bar, a fixed
    bounding box, optional value labels drawn in screen pixels above the bars.
    """

    def __init__(self, k: int, width: float = 0.72, label_font=None):
        super().__init__()
        self.k, self.width = int(k), float(width)
        self.heights = np.zeros(self.k)
        self.colors: list[QColor] = [QColor("#888888")] * self.k
        self.labels: list[str] | None = None
        self.label_colors: list[QColor] | None = None
        self.label_font = label_font
        self._bounds = QRectF(-0.5, 0.0, self.k, 1.0)

    def set_bars(self, heights, colors, labels=None, label_colors=None) -> None:
        self.heights = np.asarray(heights, dtype=np.float64)
        self.colors, self.labels, self.label_colors = list(colors), labels, label_colors
        lo, hi = min(0.0, float(self.heights.min())), max(1e-9, float(self.heights.max()))
        bounds = QRectF(-0.5, lo, self.k, hi - lo)
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p, *args) -> None:
        half = self.width / 2.0
        for i, (h, color) in enumerate(zip(self.heights, self.colors)):
            if h != 0:
                p.fillRect(QRectF(i - half, min(0.0, h), self.width, abs(h)), color)
        if not self.labels:
            return
        transform = p.transform()
        p.save()
        p.resetTransform()
        if self.label_font is not None:
            p.setFont(self.label_font)
        fm = p.fontMetrics()
        spacing = transform.map(QPointF(1, 0)).x() - transform.map(QPointF(0, 0)).x()
        crowded = spacing < max(fm.horizontalAdvance(t) for t in self.labels) + 4
        top = int(np.argmax(self.heights))
        for i, (h, text) in enumerate(zip(self.heights, self.labels)):
            if not text or (crowded and i != top):   # too narrow: label the tallest only
                continue
            anchor = transform.map(QPointF(i, max(h, 0.0)))
            if self.label_colors:
                p.setPen(self.label_colors[i])
            w = fm.horizontalAdvance(text)
            p.drawText(QPointF(anchor.x() - w / 2.0, anchor.y() - 3), text)
        p.restore()

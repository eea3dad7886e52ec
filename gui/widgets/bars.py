"""Rows of labelled bars in a pyqtgraph plot: the probabilities, the logits;
and the axis that names their slots at any count and width."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF

#: Label steps a :class:`SlotAxis` may use (every slot, every 2nd, 5th, ...).
SLOT_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
#: :meth:`BarsItem.set_bars` repaints nothing when every bar moves by at most
#: this share of the bars' span and nothing else changes: under a pixel on
#: any plot shorter than 10,000 px (a training run re-sets the probabilities
#: five times a second, and they rarely move visibly once it has learned).
UNSEEN_CHANGE = 1e-4


def bar_chart() -> pg.PlotWidget:
    """A bare ``PlotWidget`` for a row of :class:`BarsItem` bars: transparent,
    no mouse interaction, menu, buttons, left axis or margins."""
    plot = pg.PlotWidget(background=None)
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)     # no keys: no (invisible) Tab stop
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    item = plot.getPlotItem()
    item.hideAxis("left")
    item.setContentsMargins(0, 0, 0, 0)
    return plot


def label_pitch(metrics: QFontMetricsF, k: int, vertical: bool) -> float:
    """Pixels between two slot labels (0..k-1) for them to read apart:
    stacked (a vertical axis), the digits' ink height and a 4 px gap (not the
    font's line height, which would label only every 2nd row of a 10-row
    matrix in a small window); side by side, the widest label and 6 px."""
    if vertical:
        return metrics.tightBoundingRect("0123456789").height() + 4
    return metrics.horizontalAdvance(str(k - 1)) + 6


class SlotAxis(pg.AxisItem):
    """An axis naming ``k`` slots (bars, matrix rows) 0..k-1, centred at
    ``slot + offset``. It labels every slot when they fit and every 2nd, 5th,
    10th, ... when they do not, measured at the axis' current length, so labels
    never overlap whatever the class count and the window size."""

    def __init__(self, orientation: str = "bottom", k: int = 10, offset: float = 0.0, **kwargs):
        super().__init__(orientation, **kwargs)
        self.k, self.offset = int(k), float(offset)
        self.setStyle(tickLength=0)
        self.enableAutoSIPrefix(False)      # slot numbers, never "(x0.001)"

    def set_slots(self, k: int, offset: float = 0.0) -> None:
        """Name ``k`` slots centred at ``slot + offset``."""
        self.k, self.offset = int(k), float(offset)
        self.picture = None
        self.update()

    def tickValues(self, minVal, maxVal, size):   # pyqtgraph's hook; size in pixels
        lo, hi = sorted((minVal, maxVal))          # an inverted view gives them reversed
        if self.k <= 0 or size <= 0 or hi <= lo:
            return []
        per_slot = size / (hi - lo)
        metrics = QFontMetricsF(self.style.get("tickFont") or self.font())
        need = label_pitch(metrics, self.k, self.orientation in ("left", "right"))
        step = next((s for s in SLOT_STEPS if s * per_slot >= need), SLOT_STEPS[-1])
        return [(float(step), [i + self.offset for i in range(0, self.k, step)])]

    def tickStrings(self, values, scale, spacing):
        return [str(int(round(v - self.offset))) for v in values]


def slot_axis(item: pg.PlotItem, side: str, k: int, offset: float = 0.0) -> SlotAxis:
    """The :class:`SlotAxis` on ``side`` of ``item`` (installed on first use) naming ``k`` slots."""
    axis = item.getAxis(side)
    if not isinstance(axis, SlotAxis):
        axis = SlotAxis(side, k, offset)
        item.setAxisItems({side: axis})
    axis.set_slots(k, offset)
    return axis


def label_bar_slots(item: pg.PlotItem, k: int) -> None:
    """Bottom axis labels 0..k-1 under ``k`` bar slots (as many as fit), no tick marks."""
    slot_axis(item, "bottom", k)
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
        self._painted = self.heights          # the heights of the last paint

    def set_bars(self, heights, colors, labels=None, label_colors=None) -> None:
        """Show ``heights`` ``(k,)`` in ``colors`` with optional text ``labels``
        above the bars in ``label_colors``. Repaints only when the picture can
        change: a colour or a label differs, or a bar has moved by more than
        :data:`UNSEEN_CHANGE` of the bars' span since the last paint (so small
        steps that add up are shown; the new heights are kept either way)."""
        heights = np.asarray(heights, dtype=np.float64)
        colors = list(colors)
        same_look = (heights.shape == self._painted.shape and colors == self.colors
                     and labels == self.labels and label_colors == self.label_colors)
        moved = np.abs(heights - self._painted).max(initial=0.0) if same_look else np.inf
        self.heights, self.colors = heights, colors
        self.labels, self.label_colors = labels, label_colors
        lo, hi = min(0.0, float(heights.min())), max(1e-9, float(heights.max()))
        if not _covers(self._bounds, lo, hi):
            self.prepareGeometryChange()
            self._bounds = QRectF(-0.5, lo, self.k, hi - lo)
        elif moved <= UNSEEN_CHANGE * (hi - lo):      # (False for NaN: repaint)
            return
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p, *args) -> None:
        self._painted = self.heights
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


def _covers(bounds: QRectF, lo: float, hi: float) -> bool:
    """Whether ``bounds`` holds the bars' span ``lo..hi`` and is at most twice
    as tall (so bars that shrink a little keep their box and repaint less)."""
    return bounds.top() <= lo and bounds.bottom() >= hi and bounds.height() <= 2 * (hi - lo)

"""The Evaluation tab's two plots, built once: the confusion matrix (its
image of cells and the outline of the selected cell) and the per-digit
accuracy bars (accuracy axis in %, value labels above the bars)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from ..widgets.bars import slot_axis
from ..widgets.percent import percent
from .confusion_image import ConfusionImage
from .plot_parts import PercentAxis


def confusion_plot() -> tuple[pg.PlotWidget, ConfusionImage, pg.QtWidgets.QGraphicsRectItem]:
    """The confusion-matrix plot (``confusionPlot``), its clickable image and
    the outline of the selected cell."""
    plot = pg.PlotWidget()
    plot.setObjectName("confusionPlot")
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)             # mouse only: no Tab stop
    cp = plot.getPlotItem()
    for side in ("left", "bottom"):
        slot_axis(cp, side, 10, offset=0.5)
    cp.setTitle("Confusion matrix: click a cell", size="9pt")
    cp.setLabel("left", "true digit")
    cp.setLabel("bottom", "predicted digit")
    cp.setMenuEnabled(False)
    cp.hideButtons()
    vb = cp.getViewBox()
    vb.setMouseEnabled(False, False)
    vb.invertY(True)
    vb.setAspectLocked(True)
    image = ConfusionImage(axisOrder="row-major")
    cp.addItem(image)
    box = pg.QtWidgets.QGraphicsRectItem(0, 0, 1, 1)
    box.setPen(pg.mkPen((255, 80, 80), width=3))
    box.setBrush(pg.mkBrush(None))
    box.setZValue(10)
    box.setVisible(False)
    cp.addItem(box)
    vb.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)   # empty: ten classes
    plot.setMinimumSize(230, 230)
    return plot, image, box


class PerClassAccuracy:
    """The per-digit accuracy plot (``plot``, object name ``perClassPlot``):
    bars on an axis in %, and the values above the bars (``labels``, ten at
    most) in the widest format that fits a bar's slot ("98.8", else "99"),
    or none: labels never collide, whatever the width."""

    def __init__(self, font):
        self.plot = pg.PlotWidget(axisItems={"left": PercentAxis("left")})
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)    # mouse only: no Tab stop
        self.plot.setObjectName("perClassPlot")
        pp = self.plot.getPlotItem()
        slot_axis(pp, "bottom", 10)
        pp.setTitle("Accuracy per digit (%)", size="9pt")
        pp.getAxis("left").enableAutoSIPrefix(False)
        pp.setMenuEnabled(False)
        pp.hideButtons()
        pp.getViewBox().setMouseEnabled(False, False)
        self.bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7,
                                    brush=pg.mkBrush(44, 160, 44))
        self.bars.setVisible(False)          # no evaluation yet: no bars (not ten 0 % ones)
        pp.addItem(self.bars)
        self.labels = [pg.TextItem("", anchor=(0.5, 1.0), color=(220, 220, 220))
                       for _ in range(10)]
        small = font
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.75))
        for item in self.labels:
            item.setFont(small)
            pp.addItem(item)
        pp.setRange(xRange=(-0.6, 9.6), yRange=(0.0, 1.18), padding=0)   # empty: ten classes
        self.plot.setFixedHeight(170)
        self.values: np.ndarray | None = None
        pp.getViewBox().sigResized.connect(self.fit_labels)

    def draw(self, per_class: np.ndarray) -> None:
        """Bars of ``per_class`` accuracy ``(k,)`` fractions (NaN: no test image
        of that class: no bar); the y axis starts a little below the lowest."""
        self.values = per_class
        k = len(per_class)
        known = per_class[np.isfinite(per_class)]
        low = float(known.min()) if len(known) else 0.0
        floor = max(0.0, min(0.9, np.floor(low * 20 - 1) / 20))
        heights = np.where(np.isfinite(per_class), per_class - floor, 0.0)
        self.bars.setOpts(x=np.arange(k), height=heights, y0=floor, width=0.7)
        self.bars.setVisible(True)
        for d, text in enumerate(self.labels):
            value = per_class[d] if d < k else np.nan
            text.setPos(d, float(value) if np.isfinite(value) else floor)
        self.fit_labels()
        item = self.plot.getPlotItem()
        slot_axis(item, "bottom", k)
        item.setYRange(floor, 1.0 + (1.0 - floor) * 0.18, padding=0)
        item.setXRange(-0.6, k - 0.4, padding=0)

    def fit_labels(self, *_args) -> None:
        """Write the value labels in the widest format that fits (or none)."""
        k = 0 if self.values is None else len(self.values)
        slot_px = self.plot.getPlotItem().getViewBox().width() / max(k, 1)
        metrics = QFontMetricsF(self.labels[0].textItem.font())
        decimals = next((n for n in (1, 0)
                         if metrics.horizontalAdvance(percent(1.0, n, sign=False)) + 4 <= slot_px),
                        None)
        for d, text in enumerate(self.labels):
            value = self.values[d] if decimals is not None and d < k <= len(self.labels) else np.nan
            text.setText(percent(value, decimals, sign=False) if np.isfinite(value) else "")

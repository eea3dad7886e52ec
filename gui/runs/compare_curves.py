"""Two runs' curves overlaid: the smoothed training loss (log scale) and the
test accuracy after each epoch, against the position in the run in epochs
(so runs with other batch sizes or data line up). Run A is drawn solid in
blue, run B dashed in orange, in both plots and in the key above them."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QWidget

from engine.training.run_record import TrainingRun

from ..training.plot_parts import LogAxis, PercentAxis
from ..training.plot_style import colour_plots, style_axes
from ..widgets.plain_text import plain_label

COLOURS = {"A": (31, 119, 180), "B": (230, 120, 20)}
STYLES = {"A": Qt.PenStyle.SolidLine, "B": Qt.PenStyle.DashLine}
#: The smoothing window of the loss (steps): ~1/30 of the run, within these bounds.
WINDOW = (5, 100)
LOSS_TIP = ("Training loss of both runs, smoothed over a few dozen batches, on a log scale; "
            "lower is better. The x axis is the position in the run in epochs.")
ACCURACY_TIP = "Test accuracy after each epoch of both runs; higher is better."
#: Wider than this many times its height, the two plots sit side by side
#: (e.g. under the settings table's) instead of one over the other.
SIDE_BY_SIDE_ASPECT = 1.5
#: Room (a fraction of each range) around the data, so the markers at the
#: last epoch and the "100 %" tick are not cut by the plot's edges.
PAD = 0.05


def run_epochs(run: TrainingRun) -> np.ndarray:
    """Each recorded step's position in the run, in epochs (float64)."""
    per_epoch = run.total_steps / max(1, run.config.epochs) if run.total_steps else 0
    return run.steps / per_epoch if per_epoch else run.steps.astype(float)


def smoothed(values: np.ndarray) -> np.ndarray:
    """A centred moving average for display (window :data:`WINDOW`), as long as ``values``."""
    n = len(values)
    if n < 3:
        return np.asarray(values, float)
    w = int(min(WINDOW[1], max(WINDOW[0], n // 30)))
    w = min(w, n)
    kernel = np.ones(w) / w
    padded = np.pad(np.asarray(values, float), (w // 2, w - 1 - w // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


class CompareCurves(QWidget):
    """The loss plot over the accuracy plot (side by side when the widget is
    wide and low); :meth:`show_runs` draws A and B."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(axisItems={"left": LogAxis("left")})
        self.loss_plot.setObjectName("compareLossPlot")
        self.loss_plot.setToolTip(LOSS_TIP)
        self.accuracy_plot = pg.PlotWidget(axisItems={"left": PercentAxis("left")})
        self.accuracy_plot.setObjectName("compareAccuracyPlot")
        self.accuracy_plot.setToolTip(ACCURACY_TIP)
        self.loss_title = plain_label("Training loss (smoothed, log scale)", object_name="hint")
        self.accuracy_title = plain_label("Test accuracy after each epoch", object_name="hint")
        lp, ap = self.loss_plot.getPlotItem(), self.accuracy_plot.getPlotItem()
        lp.getAxis("left").setLogMode(False, True)
        ap.setLabel("bottom", "epoch")
        lp.setLabel("bottom", "epoch")        # shown only side by side (:meth:`_arrange`)
        style_axes([lp, ap])
        for item in (lp, ap):
            item.getViewBox().setMouseEnabled(x=True, y=False)
        self.curves = {}
        for key in ("A", "B"):
            pen = pg.mkPen(COLOURS[key], width=2, style=STYLES[key])
            self.curves[("loss", key)] = lp.plot(pen=pen)
            self.curves[("accuracy", key)] = ap.plot(
                pen=pen, symbol="o" if key == "A" else "s", symbolSize=7,
                symbolBrush=pg.mkBrush(COLOURS[key]), symbolPen=pg.mkPen(COLOURS[key]))
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self.side_by_side: bool | None = None
        self._x_range: tuple[float, float] | None = None   # epochs, both plots
        self._arrange(False)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange(self.width() > SIDE_BY_SIDE_ASPECT * self.height())

    def _arrange(self, side_by_side: bool) -> None:
        if side_by_side == self.side_by_side:
            return
        self.side_by_side = side_by_side
        grid = self._grid
        for row in range(4):
            grid.setRowStretch(row, 0)
        for column in range(2):
            grid.setColumnStretch(column, 0)
        if side_by_side:      # titles on one row, plots under them: loss 3, accuracy 2
            cells = ((self.loss_title, 0, 0), (self.loss_plot, 1, 0),
                     (self.accuracy_title, 0, 1), (self.accuracy_plot, 1, 1))
            grid.setRowStretch(1, 1)
            grid.setColumnStretch(0, 3)
            grid.setColumnStretch(1, 2)
        else:
            cells = ((self.loss_title, 0, 0), (self.loss_plot, 1, 0),
                     (self.accuracy_title, 2, 0), (self.accuracy_plot, 3, 0))
            grid.setRowStretch(1, 3)
            grid.setRowStretch(3, 2)
            grid.setColumnStretch(0, 1)
        for widget, row, column in cells:
            grid.addWidget(widget, row, column)
        # the x axis is named once, under the lower plot or under both
        self.loss_plot.getPlotItem().getAxis("bottom").showLabel(side_by_side)
        # one over the other, the plots pan together; side by side pyqtgraph
        # would align their x ranges by screen position, so each keeps its own
        accuracy = self.accuracy_plot.getPlotItem()
        accuracy.setXLink(None if side_by_side else self.loss_plot.getPlotItem())
        if self._x_range is not None:
            accuracy.setXRange(*self._x_range, padding=PAD)

    def apply_theme(self, theme) -> None:
        colour_plots([self.loss_plot, self.accuracy_plot], theme)

    def show_runs(self, a: TrainingRun | None, b: TrainingRun | None) -> None:
        """Draw run ``a`` and run ``b`` (None: nothing for that slot)."""
        lo, hi, top = math.inf, -math.inf, 0.0
        acc_lo = 1.0
        for key, run in (("A", a), ("B", b)):
            loss_curve, acc_curve = self.curves[("loss", key)], self.curves[("accuracy", key)]
            if run is None or not len(run.steps):
                loss_curve.setData([], [])
                acc_curve.setData([], [])
                continue
            x = run_epochs(run)
            loss = smoothed(run.loss)
            finite = np.isfinite(loss) & (loss > 0)
            log_loss = np.log10(np.where(finite, loss, np.nan))
            loss_curve.setData(x[finite], log_loss[finite])
            epochs = np.arange(1, len(run.epoch_test_accuracy) + 1, dtype=float)
            acc_curve.setData(epochs, run.epoch_test_accuracy)
            if finite.any():
                lo, hi = min(lo, float(np.nanmin(log_loss))), max(hi, float(np.nanmax(log_loss)))
            top = max(top, float(x[-1]), float(epochs[-1]) if len(epochs) else 0.0)
            if len(run.epoch_test_accuracy):
                acc_lo = min(acc_lo, float(np.min(run.epoch_test_accuracy)))
        if top > 0:
            self._x_range = (0.0, top)
            for plot in (self.loss_plot, self.accuracy_plot):
                plot.getPlotItem().setXRange(0, top, padding=PAD)
        if math.isfinite(lo):
            self.loss_plot.getPlotItem().setYRange(math.floor(lo * 4) / 4, math.ceil(hi * 4) / 4,
                                                   padding=PAD)
        floor = max(0.0, math.floor(acc_lo * 20) / 20 - 0.05) if acc_lo < 1.0 else 0.9
        self.accuracy_plot.getPlotItem().setYRange(floor, 1.0, padding=PAD)

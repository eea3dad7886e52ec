"""Two runs' curves overlaid: the smoothed training loss (log scale) and the
test accuracy after each epoch, against the position in the run in epochs
(so runs with other batch sizes or data line up). Run A is drawn solid in
blue, run B dashed in orange, in both plots and in the key above them."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

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
    """The loss plot over the accuracy plot; :meth:`show_runs` draws A and B."""

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
        ap.setXLink(lp)
        ap.setLabel("bottom", "epoch")
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.loss_title)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.accuracy_title)
        layout.addWidget(self.accuracy_plot, 2)

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
            self.loss_plot.getPlotItem().setXRange(0, top, padding=0.02)
        if math.isfinite(lo):
            self.loss_plot.getPlotItem().setYRange(math.floor(lo * 4) / 4, math.ceil(hi * 4) / 4,
                                                   padding=0.02)
        floor = max(0.0, math.floor(acc_lo * 20) / 20 - 0.05) if acc_lo < 1.0 else 0.9
        self.accuracy_plot.getPlotItem().setYRange(floor, 1.0, padding=0.02)

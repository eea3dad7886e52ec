"""Live training curves (pyqtgraph): batch loss (raw, faint) with a smoothed
curve, per-epoch train/test loss and accuracy, learning rate; one legend
above them (:mod:`.plot_legend`), zoom and reset (:mod:`.plot_view`).

What the per-epoch points are, said in the legend: "train" is the mean over
the epoch's batches, measured while the weights were still improving, so
after the first epoch it sits *below* "test", measured with the weights at
the epoch's end. Accuracy is stored as a fraction and shown in % (axis
ticks "90 %").

Data lives in preallocated numpy arrays that double when full (amortised
O(1) appends, no Python lists re-converted every frame); curves get views of
them. Curves use peak downsampling and clip-to-view, so 100k points cost a
few milliseconds per redraw; each per-step curve is a
:class:`~gui.training.growing_curve.GrowingCurve`, so a redraw repaints the
strip where it grows rather than the whole plot; each plot is redrawn at
most at its own rate (:data:`REDRAW_PERIOD_S`: the loss at 10 Hz, accuracy
5 Hz, learning rate 2 Hz).
The x axis is the position in the run in epochs (2.5 = half-way through the
third epoch), shared by the three plots.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from engine.training.reports import EpochReport, StepReport

from .curve_export import install_curve_export
from .epoch_curve import EpochCurve
from .growing_curve import GrowingCurve, thinned
from .plot_legend import CurveLegend, LegendEntry
from .plot_parts import GrowingArray, LogAxis, PercentAxis, SteppedRange, blend, make_curve
from .plot_style import colour_plots, set_titles, style_axes
from .plot_view import RunViewRange

#: The redraw timer's tick (ms); each tick redraws at most one plot.
REDRAW_INTERVAL_MS = 50
#: Minimum time between two redraws of each plot (s): the loss at 10 Hz, the
#: slower-moving accuracy at 5 Hz and the learning rate at 2 Hz - together ~17
#: plot repaints a second, each one GUI-thread time the trainer loses.
REDRAW_PERIOD_S = {"loss": 0.1, "accuracy": 0.2, "lr": 0.5}
#: Smoothing of the batch curves: exponential moving average (debiased like
#: TensorBoard's) over ~1/30 of the run, between 5 and 100 steps.
EMA_SPAN = (5, 100)

LOSS_COLOR = (31, 119, 180)
TRAIN_COLOR = (255, 127, 14)
TEST_COLOR = (44, 160, 44)
LR_COLOR = (148, 103, 189)
#: Faint (raw batch loss) = this much of LOSS_COLOR over the plot background.
FAINT = 0.35
#: The y ranges shown until data arrive: loss 0.01..3 (log10), accuracy
#: 0..100 %, learning rate 0..0.1.
EMPTY_Y = {"loss": (-2.0, 0.5), "accuracy": (0.0, 1.0), "lr": (0.0, 0.1)}
LEGEND_TIP = (
    "each batch: the loss of every training batch (measured before its update)\n"
    "batches (smoothed): a moving average of the batches\n"
    "train (average over the epoch): the mean over the epoch's batches, measured while\n"
    "    the weights were still improving - so after epoch 1 it sits below test\n"
    "test (end of epoch): the test images, measured with the weights at the epoch's end")


def legend_entries(background) -> list[LegendEntry]:
    """The curves' legend on ``background`` (the faint colour depends on it)."""
    return [LegendEntry(blend(LOSS_COLOR, background, FAINT), "jagged", "each batch"),
            LegendEntry(LOSS_COLOR, "thick", "batches (smoothed)"),
            LegendEntry(TRAIN_COLOR, "dot", "train (average over the epoch)"),
            LegendEntry(TEST_COLOR, "square", "test (end of epoch)")]


class TrainingPlots(QWidget):
    """Three stacked plots sharing the x axis (epochs):

    * ``lossPlot`` (a ``pg.PlotWidget``): batch loss (faint), its moving
      average, and the per-epoch train and test loss; log y axis;
    * ``accuracyPlot``: smoothed batch accuracy, per-epoch train and test accuracy;
    * ``lrPlot``: the learning rate.

    Feed it with :meth:`start_run` (fixes the x range to the run's epochs),
    :meth:`add_steps` (a list of ``StepReport``) and :meth:`add_epoch`.
    ``legend`` names the curves (above the plots); ``view`` (a
    :class:`~gui.training.plot_view.RunViewRange`) zooms the epochs with the
    wheel, and shows the whole run again on a double-click or with its
    ``reset_button`` (beside the legend).

    Painting is what costs (a few ms per plot in Qt's raster engine), so: the raw
    curve is peak-downsampled and clipped to the view; the per-step curves only
    repaint their growing end (:class:`GrowingCurve`; a bare curve item for the
    thinned ones); smooth curves are thinned to ``SMOOTH_POINTS / 2`` ..
    ``SMOOTH_POINTS``; pens are opaque and not antialiased; no grid; the legend
    is a separate widget; the ranges are fixed (x: the run's epochs) or move in
    coarse steps (y), so the axes are seldom repainted; the loss is stored as
    log10; the per-epoch markers are only re-set when an epoch ended; and each
    plot is redrawn at most every ``REDRAW_PERIOD_S[name]``, one plot per
    ``REDRAW_INTERVAL_MS`` tick."""

    SMOOTH_POINTS = 500

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(axisItems={"left": LogAxis("left")})
        self.loss_plot.setObjectName("lossPlot")
        self.accuracy_plot = pg.PlotWidget(axisItems={"left": PercentAxis("left")})
        self.accuracy_plot.setObjectName("accuracyPlot")
        self.lr_plot = pg.PlotWidget()
        self.lr_plot.setObjectName("lrPlot")
        self._text_color = "#808080"
        self.legend = CurveLegend(legend_entries(pg.getConfigOption("background")))
        self.legend.setToolTip(LEGEND_TIP)
        self.view = RunViewRange([self.loss_plot, self.accuracy_plot, self.lr_plot], self)
        self.view.sigReset.connect(self._show_y_ranges)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 2, 0)
        top.addWidget(self.legend, 1)
        top.addWidget(self.view.reset_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.loss_plot, 5)
        layout.addWidget(self.accuracy_plot, 4)
        layout.addWidget(self.lr_plot, 2)
        self.setMinimumHeight(360)

        lp = self.loss_plot.getPlotItem()
        lp.getAxis("left").setLogMode(False, True)  # data are stored as log10
        faint = blend(LOSS_COLOR, pg.getConfigOption("background"), FAINT)
        self.batch_loss_curve = GrowingCurve(lp, lambda: make_curve(lp, faint, downsample=True),
                                             bare_tail=False)
        self.smooth_loss_curve = GrowingCurve(lp, lambda: make_curve(lp, LOSS_COLOR, width=2))
        self.train_loss_curve = EpochCurve(lp, TRAIN_COLOR, "o")
        self.test_loss_curve = EpochCurve(lp, TEST_COLOR, "s")

        ap = self.accuracy_plot.getPlotItem()
        self.smooth_acc_curve = GrowingCurve(ap, lambda: make_curve(ap, LOSS_COLOR, width=2))
        self.train_acc_curve = EpochCurve(ap, TRAIN_COLOR, "o")
        self.test_acc_curve = EpochCurve(ap, TEST_COLOR, "s")

        rp = self.lr_plot.getPlotItem()
        rp.setLabel("bottom", "epoch")
        self.lr_curve = GrowingCurve(rp, lambda: make_curve(rp, LR_COLOR, width=1.5))
        for p in (ap, rp):
            p.setXLink(lp)
        style_axes([lp, ap, rp])
        for p in (lp, ap):
            p.getAxis("bottom").setStyle(showValues=False)
        self._ranges = {"loss": SteppedRange(0.25), "accuracy": SteppedRange(0.1, 0.0, 1.0),
                        "lr": SteppedRange(1.0)}
        self._titles()

        self._x = GrowingArray()
        self._log_loss = GrowingArray()
        self._smooth_log_loss = GrowingArray()
        self._smooth_acc = GrowingArray()
        self._lr = GrowingArray()
        self._epochs: list[EpochReport] = []
        self._x_extent = 1.0       # the run's epochs (the x axis)
        self._ema_loss = self._ema_acc = 0.0
        self._ema_n = 0
        self._ema_beta = 1 - 1 / EMA_SPAN[1]
        self._dirty = {"loss": False, "accuracy": False, "lr": False}
        self._drawn_at = {name: -math.inf for name in self._dirty}
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self._redraw_next)
        self.redraws = {name: 0 for name in self._dirty}   # redraws so far, per plot
        self.start_run(1)
        install_curve_export(self)   # right-click: PNG, SVG, the curves as CSV

    def _titles(self) -> None:
        set_titles(self.loss_plot.getPlotItem(), self.accuracy_plot.getPlotItem(),
                   self.lr_plot.getPlotItem(), self._text_color)

    def apply_theme(self, theme) -> None:
        """Colours of a :class:`gui.widgets.theme.Theme` (background, axes, text)."""
        self._text_color = theme.text
        colour_plots(list(self._plot_by_name().values()), theme)
        self.batch_loss_curve.setPen(pg.mkPen(blend(LOSS_COLOR, theme.surface_alt, FAINT)))
        self.legend.set_entries(legend_entries(theme.surface_alt))
        self.legend.set_text_color(theme.text)
        self._titles()

    def reset_view(self) -> None:
        """Show the whole run again: its epochs on x, the automatic y ranges
        (what a double-click on a plot or the "Reset zoom" button does)."""
        self.view.reset()

    def _show_y_ranges(self) -> None:
        """Re-apply each plot's automatic y range (the one shown, or the empty one)."""
        for name, plot in self._plot_by_name().items():
            self._show_y(plot, self._ranges[name].shown or EMPTY_Y[name])

    def _plot_by_name(self) -> dict[str, pg.PlotWidget]:
        return {"loss": self.loss_plot, "accuracy": self.accuracy_plot, "lr": self.lr_plot}

    @staticmethod
    def _show_y(plot: pg.PlotWidget, target: tuple[float, float]) -> None:
        pad = 0.02 * (target[1] - target[0])
        plot.getPlotItem().getViewBox().setYRange(target[0] - pad, target[1] + pad, padding=0)

    # ------------------------------------------------------------------ data
    def start_run(self, epochs: int, total_steps: int | None = None,
                  start_epoch: float = 0.0) -> None:
        """Clear the curves for a new run of ``epochs`` epochs (the x range) and
        ``total_steps`` steps (sets the smoothing; see :meth:`set_total_steps`)."""
        if total_steps:
            self.set_total_steps(total_steps)
        for arr in (self._x, self._log_loss, self._smooth_log_loss, self._smooth_acc, self._lr):
            arr.clear()
        for curve in (self.batch_loss_curve, self.smooth_loss_curve, self.smooth_acc_curve,
                      self.lr_curve):
            curve.clear()
        self._x_extent = float(epochs)
        self._epochs.clear()
        self._epochs_drawn = {"loss": -1, "accuracy": -1}
        self._ema_loss = self._ema_acc = 0.0
        self._ema_n = 0
        for r in self._ranges.values():
            r.reset()
        self._set_lr_ticks(0.1)  # a short plot: two labels, 0 and the top (see _update_range)
        self.view.set_run(start_epoch, epochs)   # x: the run's epochs; y: EMPTY_Y until data
        self._mark_dirty("loss", "accuracy", "lr")

    def set_total_steps(self, total_steps: int) -> None:
        """Smooth over ~1/30 of a run of ``total_steps`` steps (5 to 100 steps)."""
        span = min(EMA_SPAN[1], max(EMA_SPAN[0], total_steps / 30))
        self._ema_beta = 1 - 1 / span

    def reset(self) -> None:
        self.start_run(1)

    def add_steps(self, reports: list[StepReport]) -> None:
        """Append step reports (in step order)."""
        if not reports:
            return
        n = len(reports)
        x = np.fromiter((r.epoch_fraction for r in reports), float, n)
        loss = np.fromiter((r.loss for r in reports), float, n)
        acc = np.fromiter((r.accuracy for r in reports), float, n)
        lr = np.fromiter((r.lr for r in reports), float, n)
        smooth_loss = np.empty(n)
        smooth_acc = np.empty(n)
        b = self._ema_beta
        for i in range(n):  # tiny loop: <= a few dozen reports per batch
            self._ema_n += 1
            self._ema_loss = b * self._ema_loss + (1 - b) * loss[i]
            self._ema_acc = b * self._ema_acc + (1 - b) * acc[i]
            debias = 1 - b ** self._ema_n
            smooth_loss[i] = self._ema_loss / debias
            smooth_acc[i] = self._ema_acc / debias
        log_loss = np.log10(np.maximum(loss, 1e-6))
        self._x.extend(x)
        self._log_loss.extend(log_loss)
        self._smooth_log_loss.extend(np.log10(np.maximum(smooth_loss, 1e-6)))
        self._smooth_acc.extend(smooth_acc)
        self._lr.extend(lr)
        self._ranges["loss"].include(log_loss)
        self._ranges["accuracy"].include(smooth_acc)
        self._ranges["lr"].include(lr)
        self._mark_dirty("loss", "accuracy", "lr")

    def add_epoch(self, report: EpochReport) -> None:
        self._epochs.append(report)
        self._ranges["loss"].include(np.log10(np.maximum(
            [report.train_loss, report.test_loss], 1e-6)))
        self._ranges["accuracy"].include([report.train_accuracy, report.test_accuracy])
        self._mark_dirty("loss", "accuracy")

    @property
    def epoch_count(self) -> int:
        """Number of per-epoch points stored."""
        return len(self._epochs)

    @property
    def step_count(self) -> int:
        """Number of batch-loss points stored."""
        return len(self._x)

    def loss_points(self) -> tuple[np.ndarray, np.ndarray]:
        """``(epoch position, batch loss)`` of every step so far (copies)."""
        return self._x.view().copy(), 10 ** self._log_loss.view()

    def curve_points(self) -> tuple[dict[str, np.ndarray], list[EpochReport]]:
        """Copies of the per-step curves (by name, as below) and the epoch reports (for CSV)."""
        return {"epoch": self._x.view().copy(), "loss": 10 ** self._log_loss.view(), "lr":
                self._lr.view().copy(), "smooth_loss": 10 ** self._smooth_log_loss.view(),
                "smooth_accuracy": self._smooth_acc.view().copy()}, list(self._epochs)

    # --------------------------------------------------------------- drawing
    def _mark_dirty(self, *names: str) -> None:
        for name in names:
            self._dirty[name] = True
        if not self._timer.isActive():
            self._timer.start()

    def _redraw_next(self) -> None:
        """One timer tick: redraw the dirty plot that waited longest, if its
        ``REDRAW_PERIOD_S`` has passed; stop the timer when nothing is dirty."""
        dirty = [name for name, d in self._dirty.items() if d]
        if not dirty:
            self._timer.stop()
            return
        now = time.perf_counter()
        due = [n for n in dirty if now - self._drawn_at[n] >= REDRAW_PERIOD_S[n]]
        if due:
            self._redraw(min(due, key=self._drawn_at.__getitem__))

    @property
    def pending(self) -> bool:
        """True while some plot has data it has not drawn yet."""
        return any(self._dirty.values())

    def redraw(self) -> None:
        """Redraw every plot with pending data now."""
        for name, dirty in self._dirty.items():
            if dirty:
                self._redraw(name)

    def _set_lr_ticks(self, top: float) -> None:
        axis = self.lr_plot.getPlotItem().getAxis("left")
        axis.setTicks([[(0.0, "0"), (top, f"{top:g}")], [(top / 2, "")]])

    def _update_range(self, name: str, plot: pg.PlotWidget) -> None:
        r = self._ranges[name]
        if name == "lr" and math.isfinite(r.hi):  # 0 .. a round number above the largest lr
            top = 10 ** math.floor(math.log10(r.hi)) if r.hi > 0 else 1.0
            top = next(m * top for m in (1, 2, 5, 10) if m * top >= r.hi * 0.9999)
            target = (0.0, top * 1.1)
            if target != r.shown:
                self._set_lr_ticks(top)
        else:
            target = r.target()
        if target is not None and target != r.shown:
            r.mark_shown(target)
            self._show_y(plot, target)

    def _redraw(self, name: str) -> None:
        self._dirty[name] = False
        self._drawn_at[name] = time.perf_counter()
        self.redraws[name] += 1
        x = self._x.view()
        ep = np.array([e.epoch for e in self._epochs], float)
        new_epochs = self._epochs_drawn.get(name) != len(self._epochs)
        if new_epochs:
            self._epochs_drawn[name] = len(self._epochs)

        def smooth(curve: GrowingCurve, values: np.ndarray) -> None:
            xs, vs, final = thinned(x, values, self.SMOOTH_POINTS)
            curve.set_data(xs, vs, self._x_extent, final)

        def finite(v: float) -> float:
            return v if math.isfinite(v) else np.nan
        if name == "loss":
            self.batch_loss_curve.set_data(x, self._log_loss.view(), self._x_extent)
            smooth(self.smooth_loss_curve, self._smooth_log_loss.view())
            if new_epochs:  # (only when an epoch was added: not every frame)
                self.train_loss_curve.setData(ep, np.log10([max(e.train_loss, 1e-6)
                                                            for e in self._epochs]))
                self.test_loss_curve.setData(ep, np.log10([max(finite(e.test_loss), 1e-6)
                                                           for e in self._epochs]))
            self._update_range("loss", self.loss_plot)
        elif name == "accuracy":
            smooth(self.smooth_acc_curve, self._smooth_acc.view())
            if new_epochs:
                self.train_acc_curve.setData(ep, [e.train_accuracy for e in self._epochs])
                self.test_acc_curve.setData(ep, [finite(e.test_accuracy) for e in self._epochs])
            self._update_range("accuracy", self.accuracy_plot)
        else:
            smooth(self.lr_curve, self._lr.view())
            self._update_range("lr", self.lr_plot)

"""Small multiples of every layer over the run, one curve per layer in its
colour (:mod:`.plot_look`), x = training step:

* ``ratioPlot``: the update size relative to the weights, per step
  (``||w_after - w_before|| / ||w_before||``, log axis), with the healthy band
  :data:`UPDATE_RATIO_BAND` shaded and the "1e-3 rule of thumb" line;
* ``gradNormPlot``: the gradient's L2 norm (log axis);
* ``deadPlot``: the share (%) of units after the layer that never fire on
  the probe batch.

The chosen layer's curves are thick and drawn on top. Curves hold at most
~:data:`CURVE_POINTS` points (evenly thinned, the newest kept), opaque and
not antialiased: cheap to paint. Each plot has the right-click export menu.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..training.plot_parts import SteppedRange, thin_slice
from ..widgets.export_menu import install_export_menu
from ..widgets.theme import LIGHT, Theme
from .dynamics_series import DynamicsSeries
from .plot_look import (DecadeAxis, LABEL_STYLE, colour_cursor, colour_plot, cursor_line,
                        fix_title_row, hide_step_values, layer_colour, new_plot)

#: The healthy update / weight ratios (shaded); the rule of thumb is 1e-3.
UPDATE_RATIO_BAND = (1e-4, 1e-2)
#: Most points per curve.
CURVE_POINTS = 500
#: Up to this many samples, each is marked with a dot (the engine samples
#: every 200th step: a short run has a handful).
SPARSE_SAMPLES = 60
#: Pen widths (px): the chosen layer, the others.
CHOSEN_WIDTH, OTHER_WIDTH = 2.0, 1.0
#: The band's colour (green, "healthy") and its opacity (0..255) per theme.
BAND_COLOUR = (44, 160, 44)
BAND_ALPHA = {False: 40, True: 55}
#: The y shown before any data: ratio 1e-5..0.1 (log10), norm 1e-3..10.
EMPTY_Y = {"ratio": (-5.0, -1.0), "norm": (-3.0, 1.0), "dead": (0.0, 100.0)}
#: The rule-of-thumb label ends this far (fraction of the steps shown) from the right.
RULE_INSET = 0.01
#: Plot names, top to bottom.
PLOTS = ("ratio", "norm", "dead")

RATIO_TIP = ("How much each step changes each layer's weights, relative to their size: "
             "updates about a thousandth of the weights per step (the shaded band) are "
             "healthy; far below, the layer barely learns; far above, training is unstable.")
NORM_TIP = ("The size (L2 norm) of each layer's gradient at each step, on a log scale: healthy "
            "norms settle within a power of ten or two, while a steady climb means exploding "
            "and a slide towards zero means vanishing gradients.")
DEAD_TIP = ("The share of each layer's ReLU units that output zero for every image of a probe "
            "batch: a few percent is healthy, while a layer climbing towards 100 % has "
            "stopped learning (layers without a ReLU after them draw no curve).")


class LayerSeriesPlots(QWidget):
    """The three small multiples (see the module docstring), stacked, their
    steps aligned. :meth:`set_layers` makes one curve per layer in each plot;
    :meth:`draw` redraws one plot from a :class:`DynamicsSeries`. ``plots``:
    ``{"ratio" | "norm" | "dead": pg.PlotWidget}``; ``curves``: the same keys
    -> one curve per layer; ``cursors``: the time-machine lines."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plots = {"ratio": new_plot("ratioPlot", DecadeAxis("left")),
                      "norm": new_plot("gradNormPlot", DecadeAxis("left")),
                      "dead": new_plot("deadPlot")}
        ratio, norm, dead = (self.plots[n].getPlotItem() for n in PLOTS)
        ratio.setTitle("Update size per step")
        ratio.getAxis("left").setLabel("update / weight", **LABEL_STYLE)
        norm.setTitle("Gradient norm")
        norm.getAxis("left").setLabel("\u2016gradient\u2016", **LABEL_STYLE)
        dead.setTitle("Dead units")
        dead.getAxis("left").setLabel("dead units (%)", **LABEL_STYLE)
        dead.getAxis("bottom").setLabel("step", **LABEL_STYLE)
        self.plots["ratio"].setToolTip(RATIO_TIP)
        self.plots["norm"].setToolTip(NORM_TIP)
        self.plots["dead"].setToolTip(DEAD_TIP)
        for item in (ratio, norm, dead):
            fix_title_row(item)
        for item in (ratio, norm):
            hide_step_values(item)
        dead.getAxis("left").setTicks([[(v, f"{v}") for v in (0, 50, 100)], [(25, ""), (75, "")]])
        lo, hi = np.log10(UPDATE_RATIO_BAND)
        self.band = pg.LinearRegionItem((lo, hi), orientation="horizontal", movable=False)
        self.band.setZValue(-10)
        self.rule_line = pg.InfiniteLine(pos=-3.0, angle=0, movable=False)
        self.rule_label: pg.TextItem | None = None
        self._rule_x = 1.0
        self.rule_line.setZValue(-5)
        ratio.addItem(self.band)
        ratio.addItem(self.rule_line)
        self.cursors = {}
        for name in PLOTS:
            self.cursors[name] = cursor_line()
            self.plots[name].getPlotItem().addItem(self.cursors[name])
            install_export_menu(self.plots[name], {"ratio": "update ratio", "norm":
                                                   "gradient norm", "dead": "dead units"}[name])
        self.curves: dict[str, list[pg.PlotDataItem]] = {name: [] for name in PLOTS}
        self._ranges = {"ratio": SteppedRange(1.0), "norm": SteppedRange(1.0)}
        self._shown_y: dict[str, tuple[float, float] | None] = {name: None for name in PLOTS}
        self._names: list[str] = []
        self._chosen: str | None = None
        self._sparse = {name: False for name in PLOTS}
        self._theme: Theme = LIGHT
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for name, stretch in zip(PLOTS, (5, 4, 4)):
            layout.addWidget(self.plots[name], stretch)
        self.apply_theme(LIGHT)
        self.clear()

    # ------------------------------------------------------------------ layers
    def set_layers(self, names: list[str]) -> None:
        """One curve per layer (input to output) in each plot, empty."""
        self._names = list(names)
        for name in PLOTS:
            item = self.plots[name].getPlotItem()
            for curve in self.curves[name]:
                item.removeItem(curve)
            self.curves[name] = [item.plot(antialias=False, connect="finite") for _ in names]
        self._pens()

    def set_chosen(self, layer: str | None) -> None:
        """Draw ``layer``'s curves thick and on top."""
        if layer != self._chosen:
            self._chosen = layer
            self._pens()

    def _pens(self, names: tuple[str, ...] = PLOTS) -> None:
        """Each layer's colour, thick when chosen, with dots while the plot is sparse."""
        for i, layer in enumerate(self._names):
            chosen = layer == self._chosen
            colour = layer_colour(i, self._theme.dark)
            pen = pg.mkPen(colour, width=CHOSEN_WIDTH if chosen else OTHER_WIDTH)
            for name in names:
                curve = self.curves[name][i]
                curve.setPen(pen)
                curve.setZValue(2 if chosen else 1)
                if self._sparse[name]:
                    curve.setSymbol("o")
                    curve.setSymbolSize(6 if chosen else 4)
                    curve.setSymbolBrush(pg.mkBrush(colour))
                    curve.setSymbolPen(pg.mkPen(colour))
                else:
                    curve.setSymbol(None)

    # -------------------------------------------------------------------- data
    def clear(self) -> None:
        """No layers, no curves; the empty ranges."""
        self.set_layers([])
        for r in self._ranges.values():
            r.reset()
        for name in PLOTS:
            self._show_y(name, EMPTY_Y[name])

    def draw(self, name: str, series: DynamicsSeries) -> None:
        """Redraw plot ``name`` (one of :data:`PLOTS`) from ``series``."""
        steps = series.steps.view()
        sparse = 0 < len(steps) <= SPARSE_SAMPLES
        if sparse != self._sparse[name]:
            self._sparse[name] = sparse
            self._pens((name,))
        keep = thin_slice(len(steps), CURVE_POINTS)
        last = slice(len(steps) - 1, len(steps)) if keep.step > 1 else slice(0, 0)
        x = np.concatenate([steps[keep], steps[last]])
        for curve, layer in zip(self.curves[name], series.layers):
            values = {"ratio": layer.log_ratio, "norm": layer.log_grad_norm,
                      "dead": layer.dead_percent}[name].view()
            if name in self._ranges:
                self._ranges[name].include(values)
            y = np.concatenate([values[keep], values[last]])
            if np.isfinite(y).any():
                curve.setData(x, y)
            else:
                curve.setData([], [])
        if name == "ratio":      # the band with a decade of room on either side
            self._ranges[name].include(EMPTY_Y["ratio"])
        if name in self._ranges:
            self._show_y(name, self._ranges[name].target() or EMPTY_Y[name])

    def _show_y(self, name: str, target: tuple[float, float]) -> None:
        if target == self._shown_y[name]:
            return
        self._shown_y[name] = target
        pad = 0.03 * (target[1] - target[0])
        self.plots[name].getPlotItem().getViewBox().setYRange(target[0] - pad, target[1] + pad,
                                                              padding=0.0)

    def set_x_range(self, lo: float, hi: float) -> None:
        """The steps shown (the same on every time axis of the view)."""
        for plot in self.plots.values():
            plot.getPlotItem().getViewBox().setXRange(lo, hi, padding=0.0)
        self._rule_x = lo + RULE_INSET * (hi - lo)        # near the left end of the line
        if self.rule_label is not None:
            self.rule_label.setPos(self._rule_x, -3.0)

    def set_cursor(self, step: float | None) -> None:
        """A vertical line at ``step`` on every plot; None hides them."""
        for line in self.cursors.values():
            if step is not None:
                line.setValue(float(step))
            line.setVisible(step is not None)

    def shown_y(self, name: str) -> tuple[float, float] | None:
        """The y range (before padding) plot ``name`` shows."""
        return self._shown_y[name]

    # ------------------------------------------------------------------- theme
    def _rule_label(self, theme: Theme) -> None:
        """The "1e-3 rule of thumb" label under the left end of its line,
        behind the curves (made anew per theme): layers' updates usually start
        above 1e-3, and a curve that does pass over the label stays in view."""
        item = self.plots["ratio"].getPlotItem()
        if self.rule_label is not None:
            item.removeItem(self.rule_label)
        self.rule_label = pg.TextItem("1e-3 rule of thumb", color=theme.muted, anchor=(0.0, 0.0))
        self.rule_label.setZValue(-4)            # over the band and the dashed line, under curves
        self.rule_label.setPos(self._rule_x, -3.0)
        item.addItem(self.rule_label, ignoreBounds=True)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        for name, plot in self.plots.items():
            colour_plot(plot, theme)
            colour_cursor(self.cursors[name], theme)
        band = pg.mkColor(*BAND_COLOUR, BAND_ALPHA[theme.dark])
        self.band.setBrush(pg.mkBrush(band))
        for line in self.band.lines:
            line.setPen(pg.mkPen(None))
        self.rule_line.setPen(pg.mkPen(theme.muted, width=1, style=Qt.PenStyle.DashLine))
        self._rule_label(theme)
        self._pens()

"""The "Dynamics" view of a training run: how each layer learns, live.

Top to bottom: the teacher's warnings (:class:`.warnings_strip.WarningsStrip`);
then, left, the chosen layer (a combo box; Up/Down switch layers) with its
weight and gradient distributions over the run as heat maps
(:class:`.distribution_plot.DistributionPlot`); right, every layer at once
in its colour (legend above, click a name to choose that layer): the update
size relative to the weights with the healthy band, the gradient norm and
the dead units (:class:`.layer_series_plots.LayerSeriesPlots`). Before any
data, one sentence says what will be shown.

Cheap while training: :meth:`DynamicsView.add_reports` only stores (numpy
arrays that grow, :mod:`.dynamics_series`) and marks the parts to redraw; a
timer redraws one part per :data:`REDRAW_TICK_MS` tick, each part at most
every :data:`REDRAW_PERIOD_S`, and nothing while the view is hidden (it
catches up when shown). The x axes (steps) move in coarse steps, so the axes
are seldom repainted. Display only: reports and warnings come from the
engine (:mod:`engine.training.dynamics_report`).
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QSplitter, QStackedWidget, QVBoxLayout,
                               QWidget)

from engine.training.dynamics_report import DynamicsReport, DynamicsWarning

from ..widgets.plain_text import plain_label
from ..widgets.theme import LIGHT, Theme
from .distribution_plot import DistributionPlot
from .dynamics_series import DynamicsSeries
from .layer_legend import LayerLegend
from .layer_series_plots import PLOTS, LayerSeriesPlots
from .warnings_strip import WarningsStrip

EMPTY_TEXT = ("Start a run to see how each layer learns: its weights, gradients, update sizes "
              "and dead units, step by step.")
#: The redraw timer's tick (ms); each tick redraws at most one part.
REDRAW_TICK_MS = 25
#: Least time (s) between two redraws of one part.
REDRAW_PERIOD_S = 0.1
#: The parts redrawn separately: the chosen layer's heat maps, then each small multiple.
PARTS = ("heat",) + PLOTS
#: The step axis ends at the next of these x 10^k above the last step (x 1.05).
NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


#: Room after the last step of a planned run, a fraction of the axis, so the
#: markers drawn there are not cut in half by the plots' right edge.
END_ROOM = 0.01


def step_axis_end(last_step: float) -> float:
    """Where the step axis ends for a run at ``last_step``: a round number
    5 % or more beyond it (so the axis is redrawn only now and then)."""
    target = max(1.0, float(last_step) * 1.05)
    decade = 10.0 ** math.floor(math.log10(target))
    return next(m * decade for m in NICE_STEPS if m * decade >= target)


class DynamicsView(QWidget):
    """How each layer learns over a run (see the module docstring).

    * :meth:`add_reports` - new :class:`DynamicsReport` s (GUI thread, step order);
    * :meth:`set_warnings` - the warnings to show (the engine's ``diagnose``);
    * :meth:`set_cursor_step` - a vertical line at a step on every time axis;
    * :meth:`clear` - a new run; :meth:`choose_layer`, :attr:`chosen_layer`;
    * :meth:`apply_theme` - light or dark.

    Parts: ``strip``, ``layer_combo``, ``legend``, ``weights`` and
    ``gradients`` (heat maps), ``series_plots``; ``redraws`` counts the
    redraws per part (``"heat"``, ``"ratio"``, ``"norm"``, ``"dead"``).
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dynamicsView")
        self.series = DynamicsSeries()
        self._theme: Theme = LIGHT
        self._cursor: float | None = None
        self._x_range: tuple[float, float] | None = None
        self._total_steps: int | None = None
        self.strip = WarningsStrip()
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("layerCombo")
        self.layer_combo.setToolTip("The layer whose weight and gradient distributions are shown "
                                    "(Up and Down switch layers)")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.legend = LayerLegend()
        self.weights = DistributionPlot("weights")
        self.gradients = DistributionPlot("gradients")
        self.series_plots = LayerSeriesPlots()
        self.empty_label = plain_label(EMPTY_TEXT, object_name="placeholder", word_wrap=True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self._layout()
        self.layer_combo.currentTextChanged.connect(self._chosen_changed)
        self.legend.sigLayerClicked.connect(self.choose_layer)
        self.strip.sigLayerClicked.connect(self.choose_layer)
        self.redraws = {part: 0 for part in PARTS}
        self._dirty = {part: False for part in PARTS}
        self._drawn_at = {part: -math.inf for part in PARTS}
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.apply_theme(LIGHT)

    def _layout(self) -> None:
        picker = QHBoxLayout()
        picker.setContentsMargins(6, 2, 2, 0)
        picker.addWidget(plain_label("Layer:"))
        picker.addWidget(self.layer_combo)
        picker.addStretch(1)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.setSpacing(2)
        lv.addLayout(picker)
        lv.addWidget(self.weights, 1)
        lv.addWidget(self.gradients, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(2)
        legend_row = QHBoxLayout()
        legend_row.setContentsMargins(8, 6, 2, 0)
        legend_row.addWidget(self.legend, 1)
        rv.addLayout(legend_row)
        rv.addWidget(self.series_plots, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([1, 1])
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(split)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.strip)
        layout.addWidget(self.stack, 1)

    # ================================================================ public API
    def add_reports(self, reports: Sequence[DynamicsReport]) -> None:
        """Append the reports that arrived (in step order). A report that does
        not continue the run (other layers, or an earlier step) starts a new one."""
        if not reports:
            return
        if self.series.add(reports):
            self._layers_changed()
        self.strip.set_samples(len(self.series))
        if len(self.series):
            self.stack.setCurrentIndex(1)
        self._mark_dirty(*PARTS)

    def set_total_steps(self, total_steps: int | None) -> None:
        """The run will last ``total_steps`` steps: the time axes end there
        (None: a little beyond the last step received)."""
        self._total_steps = int(total_steps) if total_steps else None
        self._x_range = None
        if len(self.series):
            self._update_x_range()

    def set_warnings(self, warnings: Sequence[DynamicsWarning]) -> None:
        """Show ``warnings`` (the engine's ``diagnose`` of the run so far)."""
        self.strip.set_warnings(warnings)

    def clear(self) -> None:
        """Forget the run: the empty state, no warnings, no cursor, no total steps."""
        self.series.clear()
        self._layers_changed()
        self.strip.clear()
        self.weights.clear()
        self.gradients.clear()
        self.series_plots.clear()
        self._x_range = None
        self._total_steps = None
        self.set_cursor_step(None)
        self.stack.setCurrentIndex(0)
        for part in PARTS:
            self._dirty[part] = False

    def set_cursor_step(self, step: float | None) -> None:
        """A vertical line at training step ``step`` on every time axis
        (the time machine's position); None removes it."""
        self._cursor = None if step is None else float(step)
        self.weights.set_cursor(self._cursor)
        self.gradients.set_cursor(self._cursor)
        self.series_plots.set_cursor(self._cursor)

    @property
    def cursor_step(self) -> float | None:
        return self._cursor

    @property
    def chosen_layer(self) -> str | None:
        """The layer whose distributions are shown (None before any report)."""
        return self.layer_combo.currentText() or None

    def choose_layer(self, name: str) -> None:
        """Show layer ``name``'s distributions (ignored if there is no such layer)."""
        index = self.layer_combo.findText(name, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            self.layer_combo.setCurrentIndex(index)

    def apply_theme(self, theme: Theme) -> None:
        """Colours of a :class:`gui.widgets.theme.Theme` (plots, legend, warnings)."""
        self._theme = theme
        self.weights.apply_theme(theme)
        self.gradients.apply_theme(theme)
        self.series_plots.apply_theme(theme)
        self.strip.apply_theme(theme)
        self.legend.set_text_color(theme.text)
        self.legend.set_layers(self.series.names, self.chosen_layer, theme.dark)

    @property
    def pending(self) -> bool:
        """True while some part has data it has not drawn yet."""
        return any(self._dirty.values())

    def redraw(self) -> None:
        """Redraw every part with pending data now."""
        for part in PARTS:
            if self._dirty[part]:
                self._redraw(part)

    # ================================================================ drawing
    def _layers_changed(self) -> None:
        names = self.series.names
        previous = self.chosen_layer
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems(names)
        if previous in names:
            self.layer_combo.setCurrentText(previous)
        self.layer_combo.blockSignals(False)
        self.series_plots.set_layers(names)
        self._chosen_changed(self.chosen_layer or "")

    def _chosen_changed(self, name: str) -> None:
        chosen = name or None
        self.series_plots.set_chosen(chosen)
        self.legend.set_layers(self.series.names, chosen, self._theme.dark)
        if len(self.series):
            self._mark_dirty("heat")

    def _mark_dirty(self, *parts: str) -> None:
        for part in parts:
            self._dirty[part] = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pending and not self._timer.isActive():
            self._timer.start()

    def _tick(self) -> None:
        """One timer tick: redraw the dirty part that waited longest, once its
        :data:`REDRAW_PERIOD_S` has passed; stop when nothing is dirty or hidden."""
        dirty = [part for part in PARTS if self._dirty[part]]
        if not dirty or not self.isVisible():
            self._timer.stop()
            return
        now = time.perf_counter()
        due = [part for part in dirty if now - self._drawn_at[part] >= REDRAW_PERIOD_S]
        if due:
            self._redraw(min(due, key=self._drawn_at.__getitem__))

    def _redraw(self, part: str) -> None:
        self._dirty[part] = False
        self._drawn_at[part] = time.perf_counter()
        self.redraws[part] += 1
        self._update_x_range()
        if part == "heat":
            layer = self.series.layer(self.chosen_layer or "")
            if layer is None:
                self.weights.clear()
                self.gradients.clear()
                return
            steps = self.series.steps.view()
            self.weights.set_data(steps, layer.weight_edges, layer.weight_counts.view())
            self.gradients.set_data(steps, layer.grad_edges, layer.grad_counts.view())
        else:
            self.series_plots.draw(part, self.series)

    def _update_x_range(self) -> None:
        """Every time axis: from the first step to :func:`step_axis_end` of the last."""
        steps = self.series.steps.view()
        if not len(steps):
            return
        first, last = float(steps[0]), float(steps[-1])
        lo = max(0.0, first - 0.5 * (steps[1] - steps[0]) if len(steps) > 1 else first - 0.5)
        if self._x_range is not None and self._x_range[0] == lo and last <= self._x_range[1]:
            return
        if self._total_steps is not None and last <= self._total_steps:
            half = 0.5 * (steps[1] - steps[0]) if len(steps) > 1 else 0.5
            end = self._total_steps + half
            self._x_range = (lo, end + END_ROOM * (end - lo))    # the last markers: whole
        else:
            self._x_range = (lo, step_axis_end(last))
        self.weights.set_x_range(*self._x_range)
        self.gradients.set_x_range(*self._x_range)
        self.series_plots.set_x_range(*self._x_range)

    @property
    def x_range(self) -> tuple[float, float] | None:
        """The steps every time axis shows (None before any report)."""
        return self._x_range

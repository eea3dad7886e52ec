"""The "One step" tab: train the shown model for one step on the drawing and
see what backpropagation did, layer by layer::

    [controls: train as [digit], learning rate, momentum, Train, Undo]
    (scrolling) [probabilities before]  [probabilities after]
    loss 2.3 → 0.9, then the layers from the answer back to the input, each a
    :class:`~gui.backprop.layer_row.LayerRow`: dL/d output, and for layers
    with weights their gradient, the update and update size / weight size.

The tab only shows a :class:`engine.StepTrace`; :mod:`gui.window.backprop_wiring`
runs the step.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from engine import StepTrace

from ..inspect.layer_panels import BarsPanel
from ..widgets.fit_text import FitText
from ..widgets.plain_text import plain_label
from ..widgets.theme import LIGHT, Theme
from .layer_row import LayerRow
from .step_controls import StepControls

INTRO = ("Choose what the drawing should be and train one step: the gradient of the loss "
         "flows back from the answer through every layer, and every weight moves a little "
         "against its gradient.")
FLOW = "From the answer back to the input: the gradient flows backwards."
BEFORE_TIP = "The probabilities the model gave the drawing before the step."
AFTER_TIP = "The probabilities the same model gives the drawing after the step."


def loss_texts(trace: StepTrace) -> tuple[str, ...]:
    """The loss before and after ``trace``, longest variant first."""
    a, b = trace.loss_before, trace.loss_after
    return (f"loss for {trace.label}: {a:.3f} → {b:.3f} nats  "
            f"(p({trace.label}) {trace.probs_before[trace.label]:.1%} → "
            f"{trace.probs_after[trace.label]:.1%})",
            f"loss {a:.3f} → {b:.3f}", f"{a:.2f}→{b:.2f}")


class OneStepTab(QWidget):
    """The tab (see the module docstring). ``controls``, ``before``, ``after``
    (:class:`~gui.inspect.layer_panels.BarsPanel`), ``loss`` and ``rows``
    (``{layer name: LayerRow}``) are public for tests; ``trace`` is the
    step shown (None: none)."""

    def __init__(self, classes: int = 10, parent: QWidget | None = None):
        super().__init__(parent)
        self.trace: StepTrace | None = None
        self._theme = LIGHT
        self._classes = classes
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(6)
        self.controls = StepControls(classes)
        column.addWidget(self.controls)
        self.intro = plain_label(INTRO, word_wrap=True)
        column.addWidget(self.intro)
        self.rows: dict[str, LayerRow] = {}
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        self._list_layout.setSpacing(6)
        bars = QHBoxLayout()
        bars.setSpacing(6)
        self.before = BarsPanel("Before the step", classes, False, BEFORE_TIP,
                                subtitle="probabilities", probabilities=True)
        self.after = BarsPanel("After the step", classes, False, AFTER_TIP,
                               subtitle="probabilities", probabilities=True)
        bars.addWidget(self.before, 1)
        bars.addWidget(self.after, 1)
        self._list_layout.addLayout(bars)
        self.loss = FitText()
        self.loss.setObjectName("panelTitle")
        self._list_layout.addWidget(self.loss)
        self.flow = FitText((FLOW,))
        self.flow.setObjectName("panelShape")
        self._list_layout.addWidget(self.flow)
        self._first_row = self._list_layout.count()   # the layer rows come after these
        self._list_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self._list)
        self.scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        column.addWidget(self.scroll, 1)
        self.show_step(None)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        for panel in (self.before, self.after, *self.rows.values()):
            panel.apply_theme(theme)

    def show_step(self, trace: StepTrace | None, kinds: dict[str, str] | None = None) -> None:
        """Show ``trace`` (None: no step yet). ``kinds``: ``{layer name: type
        name}`` for the row tooltips (the rows are rebuilt when the layers differ)."""
        self.trace = trace
        shown = trace is not None
        for widget in (self.before, self.after, self.loss, self.flow, *self.rows.values()):
            widget.setVisible(shown)
        self.intro.setVisible(not shown)
        if trace is None:
            self.loss.set_variants(())
            return
        self._build_rows(trace, kinds or {})
        for row in self.rows.values():
            row.setVisible(True)
        self.before.set_array(trace.probs_before)
        self.after.set_array(trace.probs_after)
        self.loss.set_variants(loss_texts(trace))
        for row in self.rows.values():
            row.show_step(trace)

    def _build_rows(self, trace: StepTrace, kinds: dict[str, str]) -> None:
        wanted = [(name, tuple(g.shape)) for name, g in trace.activation_grads.items()]
        if [(n, r.shape) for n, r in self.rows.items()] == wanted:
            return
        for row in self.rows.values():
            self._list_layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for i, (name, shape) in enumerate(wanted):     # the answer first
            params = {p: tuple(g.shape) for p, g in trace.param_grads.items()
                      if p.split(".", 1)[0] == name}
            row = LayerRow(name, kinds.get(name, "layer"), shape, params, output=i == 0)
            row.apply_theme(self._theme)
            self._list_layout.insertWidget(self._first_row + i, row)
            self.rows[name] = row

"""The "One step" tab: train the shown model for one step on the drawing and
see what backpropagation did, layer by layer::

    [controls: train as [digit], learning rate, momentum, Train, Undo]
    (scrolling) [probabilities before]  [probabilities after]
    loss 2.3 → 0.9, then the layers from the answer back to the input, each a
    :class:`~gui.backprop.layer_row.LayerRow`: dL/d output, and for layers
    with weights their gradient, the update and update size / weight size.

"Step through" adds the walk (:class:`~gui.backprop.step_walk.StepWalk`) under
the controls: ◀ / ▶ (or the Left / Right keys) go forward through the layers,
the loss and backward; the current layer's row is outlined and scrolled to,
the row of the value the formula computes is outlined dashed with that value
marked, and clicking a value there writes the formula for it. The walk needs
the model and the input of the step: the wiring announces them with
:meth:`OneStepTab.expect_step` before it runs the step (or passes them to
:meth:`OneStepTab.show_step`).

The tab only shows a :class:`engine.StepTrace`; :mod:`gui.window.backprop_wiring`
runs the step.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from engine import Model, StepTrace
from engine.training.one_step import label_loss

from ..inspect.layer_panels import BarsPanel
from ..widgets.fit_text import FitText
from ..widgets.plain_text import plain_label
from ..widgets.theme import LIGHT, Theme
from .layer_row import LayerRow
from .step_controls import StepControls
from .step_walk import StepWalk

INTRO = ("Choose what the drawing should be and train one step: the gradient of the loss "
         "flows back from the answer through every layer, and every weight moves a little "
         "against its gradient.")
FLOW = "From the answer back to the input: the gradient flows backwards."
BEFORE_TIP = "The probabilities the model gave the drawing before the step."
AFTER_TIP = "The probabilities the same model gives the drawing after the step."
#: Steps whose model and input the tab remembers (for walking them after an undo).
KEEP_SOURCES = 25


def loss_now_texts(probabilities: np.ndarray, label: int) -> tuple[str, ...]:
    """Before a step: the loss the step on ``label`` would start from, longest first."""
    loss = label_loss(probabilities, label)
    return (f"loss for {label} now: {loss:.3f} nats  (p({label}) {probabilities[label]:.1%}): "
            f"train one step to see it change",
            f"loss for {label} now: {loss:.3f} nats", f"loss {loss:.2f}")


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
    (``{layer name: LayerRow}``) and ``walk`` (:class:`StepWalk`) are public
    for tests; ``trace`` is the step shown (None: none)."""

    def __init__(self, classes: int = 10, parent: QWidget | None = None):
        super().__init__(parent)
        self.trace: StepTrace | None = None
        self._now: tuple[np.ndarray | None, int | None] = (None, None)   # see show_now
        self._theme = LIGHT
        self._classes = classes
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(6)
        self.controls = StepControls(classes)
        column.addWidget(self.controls)
        self.walk = StepWalk()
        self.walk.setVisible(False)
        column.addWidget(self.walk)
        self._sources: list[tuple[StepTrace, Model, np.ndarray]] = []
        self._expected: tuple[Model, np.ndarray] | None = None
        self.controls.sigStepThrough.connect(self._step_through)
        self.walk.sigChanged.connect(self._follow_walk)
        self._keys: list[QShortcut] = []           # Left / Right, while walking
        self._add_walk_keys(self, Qt.ShortcutContext.WidgetWithChildrenShortcut)
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
        self.loss = FitText(muted=False)      # the step's result: in the text colour, bold
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

    def expect_step(self, model: Model, image: np.ndarray) -> None:
        """The next step shown (:meth:`show_step`) is one of ``model`` on
        ``image`` (the network input): the walk needs both."""
        self._expected = (model, np.array(image, copy=True))

    def show_now(self, probabilities: np.ndarray | None, label: int | None) -> None:
        """What the model gives the drawing now (``(classes,)``; None: nothing
        drawn) and the digit to train it as (None: none chosen): shown under
        "Before the step", with the loss the step would start from, until a
        step is taken."""
        ok = probabilities is not None and len(probabilities) == self._classes
        self._now = (np.array(probabilities, copy=True) if ok else None,
                     label if ok and label is not None and 0 <= label < self._classes else None)
        if self.trace is None:
            self._show_now()

    def _show_now(self) -> None:
        probabilities, label = self._now
        for widget in (self.before, self.loss):
            widget.setVisible(probabilities is not None)
        self.after.setVisible(False)                 # (until a step)
        self.before.set_array(probabilities)
        self.after.set_array(None)
        self.loss.set_variants(() if label is None else loss_now_texts(probabilities, label))

    def show_step(self, trace: StepTrace | None, kinds: dict[str, str] | None = None,
                  model: Model | None = None, image: np.ndarray | None = None) -> None:
        """Show ``trace`` (None: no step yet: what :meth:`show_now` said).
        ``kinds``: ``{layer name: type name}`` for the row tooltips (the rows
        are rebuilt when the layers differ); ``model`` and ``image``: the step's
        model and input, for the walk (default: those announced by
        :meth:`expect_step`, or remembered for ``trace``)."""
        self.trace = trace
        shown = trace is not None
        for widget in (self.before, self.after, self.loss, self.flow, *self.rows.values()):
            widget.setVisible(shown)
        self.intro.setVisible(not shown)
        if trace is None:                 # another model, or every step undone
            self._sources.clear()
            self.walk.clear()
            self._show_now()
            return
        self._remember(trace, model, image)
        self._build_rows(trace, kinds or {})
        for row in self.rows.values():
            row.setVisible(True)
        self.before.set_array(trace.probs_before)
        self.after.set_array(trace.probs_after)
        self.loss.set_variants(loss_texts(trace))
        for row in self.rows.values():
            row.show_step(trace)
        if self.walk.isVisibleTo(self):
            self._walk_trace()

    # ------------------------------------------------------------ the walk
    def _remember(self, trace: StepTrace, model: Model | None, image: np.ndarray | None) -> None:
        known = any(t is trace for t, _, _ in self._sources)
        if model is None and image is None and self._expected is not None and not known:
            model, image = self._expected
        if model is not None and image is not None:
            self._expected = None
            self._sources = [s for s in self._sources if s[0] is not trace][-KEEP_SOURCES + 1:]
            self._sources.append((trace, model, np.asarray(image)))

    def _walk_trace(self) -> None:
        source = next(((m, x) for t, m, x in self._sources if t is self.trace), (None, None))
        if self.trace is None:
            self.walk.clear()
        else:
            self.walk.set_step(self.trace, *source)

    def walk_keys_on(self, widget: QWidget) -> None:
        """Left / Right pressed on ``widget`` (outside the tab: the drawing,
        where the focus usually is) walk the step too, while the tab shows it."""
        self._add_walk_keys(widget, Qt.ShortcutContext.WidgetShortcut)

    def _add_walk_keys(self, owner: QWidget, context: Qt.ShortcutContext) -> None:
        for key, step in ((Qt.Key.Key_Left, -1), (Qt.Key.Key_Right, 1)):
            shortcut = QShortcut(QKeySequence(key), owner)
            shortcut.setContext(context)
            shortcut.setEnabled(self.walk.isVisibleTo(self))
            shortcut.activated.connect(lambda step=step: self._walk_key(step))
            self._keys.append(shortcut)

    def _walk_key(self, step: int) -> None:
        if self.isVisible() and self.walk.isVisible():   # (not while another tab is shown)
            self.walk.go(step)

    def _step_through(self, on: bool) -> None:
        self.walk.setVisible(on)
        for shortcut in self._keys:
            shortcut.setEnabled(on)
        self.controls.set_arrow_keys(not on)     # Left / Right drive the walk, not the digits
        if on and self.trace is None:
            self.walk.clear()
            self.controls.request_train()        # the step arrives in show_step
        elif on:
            self._walk_trace()
        self._follow_walk()

    def _position_clicked(self, name: str, position: tuple[int, ...]) -> None:
        if self.walk.isVisibleTo(self):
            self.walk.select(name, position)

    def _follow_walk(self) -> None:
        """Outline the walk's rows, mark its position, scroll to them."""
        walking = self.walk.isVisibleTo(self)
        phase, target = self.walk.phase(), self.walk.target()
        current = self.rows.get(phase.layer) if walking and phase is not None else None
        marked = self.rows.get(target[0]) if walking and target is not None else None
        for row in self.rows.values():
            row.set_role("current" if row is current else "target" if row is marked else None)
            row.mark(self.walk.position() if row is marked else None)
        QTimer.singleShot(0, self, self._scroll_to_walk)     # once new rows are laid out

    def _scroll_to_walk(self) -> None:
        """Scroll the target row, then the current one (it wins if both do not fit), into view."""
        for role in ("target", "current"):
            row = next((r for r in self.rows.values() if r.role == role), None)
            if row is not None and row.isVisible():
                self.scroll.ensureWidgetVisible(row, 0, 10)

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
            row.sigPositionClicked.connect(self._position_clicked)
            self._list_layout.insertWidget(self._first_row + i, row)
            self.rows[name] = row

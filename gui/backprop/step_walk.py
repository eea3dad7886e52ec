"""Step mode: walk one step of backpropagation a layer at a time::

    [◀] [▶]  12 / 23  Backward through relu2 (ReLU)
    Backward through ReLU: the gradient passes where the input was positive, …
    dL/d conv2[9, 4, 3] = dL/d relu2[9, 4, 3] × [z > 0]
    z = conv2[9, 4, 3] = 0.11 …        dL/d relu2[9, 4, 3] = 0.000192 …
    Click a value in the conv2 row to choose another position.

The phases (:func:`engine.training.backward_arithmetic.phases`) go forward
through every layer, through the loss, then backward to the input. Each
phase computes one array (its *target*: a forward layer's output, the
scores' gradient, a backward layer's input gradient) and the formula is
written for one position of it: the largest activation (forward) or the
largest ``|gradient|`` (loss, backward) until the learner picks another by
clicking a value in the target's row (:meth:`StepWalk.select`). The numbers
are the engine's (:class:`~engine.training.backward_arithmetic.StepArithmetic`,
with the weights as they were before the step); this widget only shows them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from engine import Model, StepTrace
from engine.training.backward_arithmetic import Phase, StepArithmetic

from ..widgets.plain_text import plain_label, plain_tooltip
from .formula_panel import FormulaPanel
from .formula_text import ROWS, formula

PREV_TIP = "The phase before (Left arrow key)."
NEXT_TIP = "The next phase (Right arrow key)."
NO_STEP = ("Train one step to walk through it: forward through every layer, the loss, then "
           "backward, with each layer's formula and the step's numbers.")
NO_INPUT = "This step cannot be walked through: the drawing it was taken on is not known."


class StepWalk(QFrame):
    """The walk's controls, state and formula (see the module docstring).

    ``prev_button``, ``next_button``, ``counter``, ``title``, ``formula``
    (:class:`~gui.backprop.formula_panel.FormulaPanel`), ``arithmetic`` (the
    engine's :class:`StepArithmetic`, None without a step), ``phases`` and
    ``index`` are public for tests. Signal: ``sigChanged()`` after the
    phase or the position changed.
    """

    sigChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.arithmetic: StepArithmetic | None = None
        self.phases: list[Phase] = []
        self.index = 0
        self._chosen: dict[int, tuple[int, ...]] = {}     # phase index -> position picked
        column = QVBoxLayout(self)
        column.setContentsMargins(7, 5, 7, 6)
        column.setSpacing(3)
        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.prev_button = QPushButton("\u25c0")
        self.prev_button.setObjectName("walkPrev")
        self.prev_button.setToolTip(PREV_TIP)
        self.next_button = QPushButton("\u25b6")
        self.next_button.setObjectName("walkNext")
        self.next_button.setToolTip(NEXT_TIP)
        for button, step in ((self.prev_button, -1), (self.next_button, 1)):
            button.setFixedWidth(button.sizeHint().height() + 10)
            button.clicked.connect(lambda _=False, step=step: self.go(step))
            bar.addWidget(button)
        self.counter = plain_label()
        self.counter.setObjectName("panelShape")
        bar.addWidget(self.counter)
        self.title = plain_label()
        self.title.setObjectName("panelTitle")
        bar.addWidget(self.title, 1)
        column.addLayout(bar)
        self.formula = FormulaPanel()
        column.addWidget(self.formula)
        self.clear(NO_STEP)

    # ------------------------------------------------------------------ API
    def set_step(self, trace: StepTrace, model: Model | None, image: np.ndarray | None) -> bool:
        """Walk ``trace`` (one step of ``model`` on input ``image``). The phase
        and the positions picked stay when the layers are the same. False
        (and the reason shown) when the step cannot be walked."""
        if model is None or image is None:
            self.clear(NO_INPUT)
            return False
        try:
            walk = StepArithmetic(model, image, trace, top=ROWS)
        except ValueError as error:
            self.clear(f"This step cannot be walked through: {error}.")
            return False
        if [(p.layer, p.direction) for p in walk.phases] != \
                [(p.layer, p.direction) for p in self.phases]:
            self.index, self._chosen = 0, {}
        self.arithmetic, self.phases = walk, walk.phases
        self._refresh()
        return True

    def clear(self, message: str = NO_STEP) -> None:
        """No step to walk: say ``message``."""
        self.arithmetic, self.phases = None, []
        self.index, self._chosen = 0, {}
        self.counter.setText("")
        self.title.setText("Step through")
        self.formula.show_formula(message, None)
        self.prev_button.setEnabled(False)
        self.next_button.setEnabled(False)
        self.sigChanged.emit()

    def go(self, step: int) -> bool:
        """Move ``step`` phases on (negative: back); False at either end."""
        return self.go_to(self.index + step)

    def go_to(self, index: int) -> bool:
        if self.arithmetic is None or not 0 <= index < len(self.phases) or index == self.index:
            return False
        self.index = index
        self._refresh()
        return True

    def phase(self) -> Phase | None:
        return self.phases[self.index] if self.arithmetic is not None else None

    def target(self) -> tuple[str, tuple[int, ...]] | None:
        """``(name, shape)`` of the array the current phase computes a value of."""
        phase = self.phase()
        return None if phase is None else self.arithmetic.target(phase)

    def position(self) -> tuple[int, ...] | None:
        """The position of the target the formula is written for."""
        phase = self.phase()
        if phase is None:
            return None
        chosen = self._chosen.get(self.index)
        return chosen if chosen is not None else self.arithmetic.default_position(phase)

    def record(self):
        """The engine's record for the current phase and position (None: none)."""
        phase = self.phase()
        return None if phase is None else self.arithmetic.arithmetic(phase, self.position())

    def select(self, name: str, position: tuple[int, ...]) -> bool:
        """Write the formula for ``position`` of array ``name`` (a click in its
        row); False when the current phase computes another array."""
        target = self.target()
        position = tuple(int(v) for v in position)
        if target is None or target[0] != name or len(position) != len(target[1]) or \
                not all(0 <= v < n for v, n in zip(position, target[1])):
            return False
        self._chosen[self.index] = position
        self._refresh()
        return True

    # ------------------------------------------------------------- internals
    def _refresh(self) -> None:
        phase = self.phase()
        name = self.target()[0]
        written = formula(self.record(), name)
        hint = ("The input's gradient has no row: the position is its largest |gradient|."
                if name == "input" else f"Click a value in the {name} row to choose another "
                                        f"position.")
        self.counter.setText(f"{self.index + 1} / {len(self.phases)}")
        self.title.setText(phase.title)
        self.title.setToolTip(plain_tooltip(phase.title))
        note = " (with the weights before the step)" if phase.direction == "forward" else ""
        self.formula.show_formula(phase.description + note, written, hint)
        self.prev_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < len(self.phases) - 1)
        self.sigChanged.emit()


__all__ = ["StepWalk"]

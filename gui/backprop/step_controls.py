"""The controls of the "One step" tab::

    Train on this drawing as  [0][1]…[9]
    [Train one step]  [Undo the step]  [Step through]  learning rate [0.01]  momentum [0]
    what happened, or why it cannot train

The digit the drawing is trained as follows the network's runner-up (the
answer a learner most likely wants to push it towards) until a digit button
is clicked; clearing the drawing goes back to following. "Step through"
(checkable) turns the layer-by-layer walk of the step on and off. The widget
only shows and reports (``sigTrain()``, ``sigUndo()``, ``sigStepThrough(bool)``);
``sigLabelChanged(digit)`` says the digit to train as changed (chosen or
followed); the wiring decides.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QDoubleSpinBox, QFrame, QHBoxLayout, QPushButton,
                               QSizePolicy, QToolButton, QVBoxLayout, QWidget)

from ..widgets.button_row_keys import ButtonRowKeys
from ..widgets.fit_text import FitText
from ..widgets.focus_handoff import FocusHandOff
from ..widgets.plain_text import plain_label, plain_tooltip

DEFAULT_LR = 0.01
LR_TIP = ("Learning rate: how far one step moves every weight along its negative gradient "
          "(update = −learning rate × gradient). Large values overshoot: on the bundled "
          "model one step on a 7 as 1 reaches 1 at 0.01 but jumps past it to 3 at 0.05.")
MOMENTUM_TIP = ("Momentum: each step also adds this fraction of the previous step's update "
                "(steps in a row speed up). 0 is plain gradient descent.")
TRAIN_TIP = ("One step of gradient descent on this drawing alone: the weights of the shown "
             "model change (Undo the step puts them back).")
_STYLE = """
QToolButton#stepDigit { min-width: 14px; padding: 1px 3px; }
QToolButton#stepDigit:checked { border: 2px solid palette(highlight); border-radius: 3px;
                                font-weight: bold; }
QPushButton#stepThrough:checked { border: 2px solid palette(highlight); border-radius: 3px;
                                  font-weight: bold; }
"""
UNDO_TIP = "Put the weights back as they were before the last step (one step at a time)."
WALK_TIP = ("Walk through the step one layer at a time: forward through every layer, the loss, "
            "then backward, with each layer's formula written with the step's own numbers "
            "(◀ ▶ or the Left and Right keys). Without a step yet, it takes one first.")


class StepControls(QFrame):
    """See the module docstring. ``digit_buttons``, ``lr_spin``,
    ``momentum_spin``, ``train_button``, ``undo_button`` and ``status`` are
    public for tests, and ``walk_button`` ("Step through"). Signals:
    ``sigTrain()``, ``sigUndo()``, ``sigStepThrough(on)``, ``sigLabelChanged(digit)``
    (the digit to train as, chosen or followed)."""

    sigTrain = Signal()
    sigUndo = Signal()
    sigStepThrough = Signal(bool)
    sigLabelChanged = Signal(int)

    def __init__(self, classes: int = 10, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setStyleSheet(_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.chosen = False          # a digit was clicked (else it follows the runner-up)
        column = QVBoxLayout(self)
        column.setContentsMargins(7, 5, 7, 5)
        column.setSpacing(4)
        top = QHBoxLayout()
        top.setSpacing(3)
        title = plain_label("Train on this drawing as")
        title.setObjectName("panelTitle")
        top.addWidget(title)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idToggled.connect(self._label_toggled)
        self.digit_buttons: list[QToolButton] = []
        self._add_digits(top, classes)
        self._keys = ButtonRowKeys(self.digit_buttons, self)   # one Tab stop, arrows along
        top.addStretch(1)
        column.addLayout(top)
        middle = QHBoxLayout()
        middle.setSpacing(6)
        self.train_button = QPushButton("Train one step")
        self.train_button.setObjectName("trainOneStep")
        self.train_button.setToolTip(TRAIN_TIP)
        self.train_button.clicked.connect(lambda _=False: self.sigTrain.emit())
        self.undo_button = QPushButton("Undo the step")
        self.undo_button.setObjectName("undoOneStep")
        self.undo_button.setToolTip(UNDO_TIP)
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(lambda _=False: self.sigUndo.emit())
        self._focus = FocusHandOff({self.train_button: (), self.undo_button: (self.train_button,)})
        self.walk_button = QPushButton("Step through")
        self.walk_button.setObjectName("stepThrough")
        self.walk_button.setCheckable(True)
        self.walk_button.setToolTip(WALK_TIP)
        self.walk_button.toggled.connect(self.sigStepThrough.emit)
        middle.addWidget(self.train_button)
        middle.addWidget(self.undo_button)
        middle.addWidget(self.walk_button)
        middle.addSpacing(10)
        middle.addWidget(plain_label("learning rate"))
        self.lr_spin = self._spin(DEFAULT_LR, 0.0001, 10.0, 4, LR_TIP)
        middle.addWidget(self.lr_spin)
        middle.addWidget(plain_label("momentum"))
        self.momentum_spin = self._spin(0.0, 0.0, 0.99, 2, MOMENTUM_TIP)
        self.momentum_spin.setSingleStep(0.1)
        middle.addWidget(self.momentum_spin)
        middle.addStretch(1)
        column.addLayout(middle)
        self.status = FitText()
        self.status.setObjectName("stepStatus")
        column.addWidget(self.status)

    def _add_digits(self, row: QHBoxLayout, classes: int) -> None:
        for d in range(classes):
            button = QToolButton()
            button.setText(str(d))
            button.setCheckable(True)
            button.setObjectName("stepDigit")
            button.setToolTip(plain_tooltip(f"Train the drawing as {d}."))
            button.clicked.connect(lambda _=False, d=d: self._clicked(d))
            self.group.addButton(button, d)
            self.digit_buttons.append(button)
            row.addWidget(button)

    def _spin(self, value: float, lo: float, hi: float, decimals: int,
              tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(decimals)
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        spin.setToolTip(plain_tooltip(tip))
        spin.setMinimumWidth(spin.sizeHint().width())
        return spin

    # ------------------------------------------------------------------ API
    def label(self) -> int | None:
        """The digit the drawing is trained as (None: none chosen yet)."""
        d = self.group.checkedId()
        return None if d < 0 else d

    def follow(self, digit: int | None) -> None:
        """Suggest ``digit`` (the runner-up) unless the learner chose one;
        None (an empty drawing): forget the learner's choice."""
        if digit is None:
            self.chosen = False
            return
        if not self.chosen and 0 <= digit < len(self.digit_buttons):
            self.digit_buttons[digit].setChecked(True)

    def hold(self) -> None:
        """Keep the digit shown (a step was taken with it) until the drawing is cleared."""
        self.chosen = self.label() is not None

    def request_train(self) -> None:
        """Ask for one step, as "Train one step" does (``sigTrain``)."""
        self.sigTrain.emit()

    def lr(self) -> float:
        return float(self.lr_spin.value())

    def momentum(self) -> float:
        return float(self.momentum_spin.value())

    def set_ready(self, why_not: str | None) -> None:
        """Enable "Train one step", or disable it and say why (``why_not``).
        Disabled while it has the keyboard focus (a step being computed), it
        takes the focus back when enabled again, unless it was moved meanwhile."""
        with self._focus.kept():
            self.train_button.setEnabled(why_not is None)
        self.train_button.setToolTip(plain_tooltip(TRAIN_TIP if why_not is None else why_not))

    def set_undo(self, steps: int) -> None:
        """``steps`` can be undone (the last undone with the keyboard: the
        focus goes to "Train one step", not past it)."""
        with self._focus.kept():
            self.undo_button.setEnabled(steps > 0)
        self.undo_button.setText("Undo the step" if steps <= 1 else f"Undo the step ({steps})")

    def set_arrow_keys(self, on: bool) -> None:
        """Whether Left / Right move along the digits (off while the walk,
        which they drive, is shown)."""
        self._keys.set_arrows(on)

    def say(self, *variants: str) -> None:
        """What happened (longest variant first)."""
        self.status.set_variants(variants)
        self.status.setToolTip(plain_tooltip(variants[0] if variants else ""))

    def _label_toggled(self, digit: int, on: bool) -> None:
        if on:
            self.sigLabelChanged.emit(digit)

    def _clicked(self, digit: int) -> None:
        self.chosen = True
        self.digit_buttons[digit].setChecked(True)

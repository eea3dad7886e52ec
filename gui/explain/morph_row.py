"""The "Make it a ..." row under the prediction: ten digit buttons that ask
"what is the smallest change that makes the network answer 7?", a "Flip it"
button for the smallest change to any other answer, a one-line status (the
target's probability from start to end) and, once a morph was played,
"Put it on the canvas".

The row only shows and reports clicks; :mod:`gui.window.morph_wiring`
computes and plays the morphs. Two lines, so it fits the narrowest column
(340 px)::

    Make it a  [0] [1] [2] [3] [4] [5] [6] [7] [8] [9]
    p(7): 2% -> 96%            [Flip it] [Put it on the canvas]
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from ..widgets.button_row_keys import ButtonRowKeys
from ..widgets.fit_text import FitText
from ..widgets.plain_text import plain_label, plain_tooltip

#: What the row says while there is nothing to change.
EMPTY_TEXT = "Draw a digit, then pick the one it should become."
#: The short form (a narrow column) of any reason why nothing can be morphed.
EMPTY_SHORT = "Draw a digit first."
#: What it says when a morph can be asked for.
READY_TEXT = "Pick the digit it should become."

#: Height of every button of the row (px).
BUTTON_HEIGHT = 20

_STYLE = """
QToolButton#morphDigit { min-width: 16px; padding: 1px 0px; }
QToolButton#morphDigit:checked { background: palette(highlight); color: palette(highlighted-text);
                                 border-radius: 3px; }
"""


def digit_tip(digit: int, ready: bool) -> str:
    """The tooltip of the ``digit`` button (``ready``: something is drawn)."""
    what = (f"Change your drawing as little as possible until the network answers {digit} - "
            "watch the network input and the bars.")
    return what if ready else f"Draw a digit first. {what}"


FLIP_TIP = ("The smallest change that flips the network's answer to any other digit "
            "(an adversarial example: often a change you can hardly see).")
PUT_TIP = ("Replace your drawing with the changed network input shown now "
           "(Ctrl+Z brings your drawing back).")


class MorphRow(QFrame):
    """The row (a panel frame). Signals: ``sigTargetChosen(int)`` (a digit
    button), ``sigFlip()`` and ``sigPut()`` (the two buttons).

    ``digit_buttons[d]``, ``flip_button``, ``put_button`` and ``status`` (a
    :class:`~gui.widgets.fit_text.FitText`) are public for tests; ``classes``: how
    many answers the shown model has (the digit buttons above them are off)."""

    sigTargetChosen = Signal(int)
    sigFlip = Signal()
    sigPut = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setStyleSheet(_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 1, 6, 1)   # compact: the canvas needs the height
        column.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(2)
        title = plain_label("Make it a")
        title.setObjectName("panelTitle")
        top.addWidget(title)
        top.addSpacing(4)
        self.digit_buttons: list[QToolButton] = []
        for digit in range(10):
            button = self._button(str(digit), "morphDigit")
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setAccessibleName(f"Make it a {digit}")
            button.clicked.connect(lambda _=False, d=digit: self._chosen(d))
            top.addWidget(button)
            self.digit_buttons.append(button)
        column.addLayout(top)
        self._keys = ButtonRowKeys(self.digit_buttons, self)   # one Tab stop, arrows along
        bottom = QHBoxLayout()
        bottom.setSpacing(4)
        self.status = FitText((EMPTY_TEXT,), muted=False)   # the row's answer: ordinary text
        self.status.setFixedHeight(BUTTON_HEIGHT)
        self.flip_button = self._button("Flip it", "morphFlip")
        self.flip_button.setCheckable(True)
        self.flip_button.setToolTip(plain_tooltip(FLIP_TIP))
        self.flip_button.clicked.connect(self._flip)
        self.put_button = self._button("Put it on the canvas", "morphPut")
        self.put_button.setToolTip(plain_tooltip(PUT_TIP))
        self.put_button.clicked.connect(self.sigPut)
        self.put_button.setVisible(False)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.flip_button)
        bottom.addWidget(self.put_button)
        column.addLayout(bottom)
        self.set_ready(False)

    # ------------------------------------------------------------------ API
    def set_ready(self, ready: bool, why: str = EMPTY_TEXT, classes: int = 10) -> None:
        """Enable the buttons (something is drawn) or disable them, saying
        ``why`` in the status line and the tooltips; a model with fewer than
        ten ``classes`` has no answer to morph into for the digits above them."""
        self.classes = classes
        for digit, button in enumerate(self.digit_buttons):
            known = digit < classes
            button.setEnabled(ready and known)
            button.setToolTip(plain_tooltip(digit_tip(digit, ready) if known else
                                            f"This model answers only 0 to {classes - 1}."))
        self.flip_button.setEnabled(ready)
        self.flip_button.setToolTip(plain_tooltip(FLIP_TIP if ready else f"{why} {FLIP_TIP}"))
        if not ready:
            self.show_morph(None)
            self.set_status((why, EMPTY_SHORT), why)

    def is_ready(self) -> bool:
        return self.flip_button.isEnabled()

    def show_morph(self, target: int | None, flip: bool = False, can_put: bool = False) -> None:
        """Mark the button of the morph shown (``target`` a digit, or ``flip``;
        neither: none) and show "Put it on the canvas" if ``can_put``."""
        for digit, button in enumerate(self.digit_buttons):
            button.setChecked(digit == target and not flip)
        self.flip_button.setChecked(flip)
        self.put_button.setVisible(can_put)

    def set_status(self, text: str | Sequence[str], tooltip: str = "") -> None:
        """One line of status: ``text``, or the longest of several variants
        (longest first) that fits; ``tooltip``: the whole story."""
        variants = (text,) if isinstance(text, str) else tuple(text)
        self.status.set_variants(variants)
        self.status.setToolTip(plain_tooltip(tooltip or variants[0]))

    def status_text(self) -> str:
        """The preferred (longest) variant of the status."""
        return self.status.text()

    # -------------------------------------------------------------- private
    def _button(self, text: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(name)
        button.setAutoRaise(False)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setFixedHeight(BUTTON_HEIGHT)
        return button

    def _chosen(self, digit: int) -> None:
        self.show_morph(digit)          # marked while it is worked out
        self.sigTargetChosen.emit(digit)

    def _flip(self) -> None:
        self.show_morph(None, flip=True)
        self.sigFlip.emit()

"""The "It's a ..." panel under the network input: ten digit buttons that
put the drawing into the person's handwriting samples with that label, in
one click. The button of the network's answer means "Right: add as an
example" (it is outlined); any other means "That's wrong - it's a 3". An
"Undo" button takes the last added sample out again. Five buttons a line, so
it fits under the narrowest network input (110 px)::

    Wrong? It's a…   Undo
    [0] [1] [2] [3] [4]
    [5] [6] [7] [8] [9]

The panel only shows and reports clicks (``sigDigit(int)``, ``sigUndo()``);
:mod:`gui.personal.corrections` decides what they do.
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from ..widgets.button_row_keys import ButtonRowKeys
from ..widgets.fit_text import FitText
from ..widgets.plain_text import plain_tooltip

#: Height of every button (px), as in the "Make it a ..." row.
BUTTON_HEIGHT = 20
#: Title variants while a drawing can be added (longest first).
READY = ("That's wrong? It's a…", "Wrong? It's a…", "It's a…")
#: Title variants while nothing can be added.
IDLE = ("Teach it your writing", "Teach it")
UNDO_TIP = "Take the sample you just added out of your handwriting again."

_STYLE = """
QToolButton#teachDigit { min-width: 14px; padding: 1px 0px; }
QToolButton#teachDigit:checked { border: 2px solid palette(highlight); border-radius: 3px;
                                 font-weight: bold; }
"""


def _article(digit: int) -> str:
    return "an" if digit == 8 else "a"


def digit_tip(digit: int, answer: int | None, why: str | None) -> str:
    """Tooltip of the ``digit`` button when the network answers ``answer``
    (None: nothing to answer); ``why``: why nothing can be added now."""
    key = f"(Shift+{digit})"
    if why:
        return f"{why} Then this button adds the drawing to your handwriting as {_article(digit)} {digit} {key}."
    if digit == answer:
        return (f"Right: add this drawing to your handwriting as an example of {_article(digit)} "
                f"{digit} {key}.")
    return (f"That's wrong - it's {_article(digit)} {digit}: add this drawing to your "
            f"handwriting as {_article(digit)} {digit} {key}.")


class TeachRow(QFrame):
    """The panel (see the module docstring). ``digit_buttons[d]``,
    ``undo_button`` and ``title`` are public for tests.

    Signals: ``sigDigit(int)`` (a digit button), ``sigUndo()``."""

    sigDigit = Signal(int)
    sigUndo = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.setStyleSheet(_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("It's a: add the drawing to your handwriting")
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 1, 4, 3)
        column.setSpacing(2)
        top_row = QWidget()          # as high with the Undo button as without it
        top_row.setFixedHeight(BUTTON_HEIGHT)
        top = QHBoxLayout(top_row)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(2)
        self.title = FitText(IDLE, muted=False)
        self.title.setObjectName("panelTitle")
        self.title.setFixedHeight(BUTTON_HEIGHT)
        self.undo_button = self._button("Undo", "teachUndo")
        self.undo_button.setToolTip(UNDO_TIP)
        self.undo_button.clicked.connect(self.sigUndo)
        self.undo_button.setVisible(False)
        top.addWidget(self.title, 1)
        top.addWidget(self.undo_button)
        column.addWidget(top_row)
        grid = QGridLayout()
        grid.setSpacing(2)
        self.digit_buttons: list[QToolButton] = []
        for digit in range(10):
            button = self._button(str(digit), "teachDigit")
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setAccessibleName(f"It's {_article(digit)} {digit}")
            button.clicked.connect(lambda _=False, d=digit: self._clicked(d))
            grid.addWidget(button, digit // 5, digit % 5)
            self.digit_buttons.append(button)
        column.addLayout(grid)
        self._keys = ButtonRowKeys(self.digit_buttons, self)   # one Tab stop, arrows along
        self._shown: tuple | None = None     # (answer, why) the buttons show
        self.set_ready(None, "Draw a digit first.")

    # ------------------------------------------------------------------ API
    def set_ready(self, answer: int | None, why: str | None = None) -> None:
        """Enable the buttons (``why`` None: the drawing can be added; the
        network answers ``answer``) or disable them, saying ``why`` in the tooltips."""
        if self._shown == (answer, why):
            return                      # (every prediction asks: the live one several times a second)
        self._shown = (answer, why)
        for digit, button in enumerate(self.digit_buttons):
            button.setEnabled(why is None)
            button.setChecked(why is None and digit == answer)
            button.setToolTip(plain_tooltip(digit_tip(digit, answer, why)))
        self.setToolTip(plain_tooltip(why or "Is the network right? Click the digit you drew: "
                                      "it goes into your handwriting samples (My handwriting tab)."))

    def is_ready(self) -> bool:
        return self.digit_buttons[0].isEnabled()

    def set_title(self, variants: str | Sequence[str]) -> None:
        """The title line: ``variants`` (longest first; the longest that fits is shown)."""
        self.title.set_variants((variants,) if isinstance(variants, str) else tuple(variants))

    def title_text(self) -> str:
        return self.title.text()

    def show_undo(self, on: bool) -> None:
        self.undo_button.setVisible(on)

    # -------------------------------------------------------------- private
    def _button(self, text: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setFixedHeight(BUTTON_HEIGHT)
        return button

    def _clicked(self, digit: int) -> None:
        answer, why = self._shown
        self.digit_buttons[digit].setChecked(why is None and digit == answer)   # clicks do not toggle
        self.sigDigit.emit(digit)

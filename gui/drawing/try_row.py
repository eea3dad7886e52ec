"""The "Try: 0 1 2 ... 9" row shown on the empty canvas: one small flat
button per built-in example digit, so a first-time user sees the network at
work before drawing anything. The row lies over the bottom of the drawing
square, which is black in both themes, so its colours are fixed."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from ..widgets.button_row_keys import ButtonRowKeys
from ..widgets.plain_text import plain_label, plain_tooltip

_STYLE = """
QWidget#tryRow QLabel { color: #aeb6c2; background: transparent; padding-right: 2px; }
QWidget#tryRow QToolButton {
    color: #e3e6eb; background: rgba(255, 255, 255, 18); border: 1px solid #4a515c;
    border-radius: 4px; padding: 1px 0px; min-width: 20px; min-height: 20px; }
QWidget#tryRow QToolButton:hover { background: rgba(255, 255, 255, 48); border-color: #8a94a3; }
QWidget#tryRow QToolButton:focus { border-color: #58a6ff; }
QWidget#tryRow QToolButton:pressed { background: rgba(255, 255, 255, 90); }
"""


class TryRow(QWidget):
    """``Try:`` and ten buttons; ``sigDigitChosen(int)`` when one is clicked
    (or pressed with Space from the keyboard)."""

    sigDigitChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tryRow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.setStyleSheet(_STYLE)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(3)
        row.addWidget(plain_label("Try:"))
        self.buttons: list[QToolButton] = []
        for digit in range(10):
            button = QToolButton()
            button.setText(str(digit))
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            keys = QKeySequence(f"Ctrl+{digit}").toString(QKeySequence.SequenceFormat.NativeText)
            button.setToolTip(plain_tooltip(f"Draw the built-in example of the digit {digit} "
                                            f"({keys}; Ctrl+0 \u2026 Ctrl+9 draw the others)"))
            button.setAccessibleName(f"Try the example digit {digit}")
            button.clicked.connect(lambda _=False, d=digit: self.sigDigitChosen.emit(d))
            row.addWidget(button)
            self.buttons.append(button)
        self._keys = ButtonRowKeys(self.buttons, self)   # one Tab stop, arrows along

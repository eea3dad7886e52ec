"""One Tab stop for a row of buttons, such as the ten digit buttons: Tab
enters the row at its checked button (else where it lands, its first or last),
Left / Right (and Up / Down), Home and End move along the row, Space presses
the button as ever, and Tab / Shift+Tab leave the row for the widget after or
before it. So the keyboard crosses the left column's digit rows in a few
presses instead of thirty, as it crosses a toolbar or a group of radio buttons.
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication

_MOVES = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1,
          Qt.Key.Key_Home: "first", Qt.Key.Key_End: "last"}
_NONE = Qt.KeyboardModifier.NoModifier
_SHIFT = Qt.KeyboardModifier.ShiftModifier


class ButtonRowKeys(QObject):
    """The keys of one row of ``buttons`` (in their order along the row and
    in the focus chain). :meth:`set_buttons` replaces the row's buttons;
    :meth:`set_arrows` hands the arrow keys on to the window's shortcuts
    (a walk that Left / Right drive) or takes them back."""

    def __init__(self, buttons: Sequence[QAbstractButton], parent: QObject | None = None):
        super().__init__(parent)
        self._buttons: list[QAbstractButton] = []
        self._arrows = True
        self.set_buttons(buttons)

    def set_arrows(self, on: bool) -> None:
        """Whether the arrow keys move along the row (else they go on, as to
        any button; Home, End and Tab stay the row's)."""
        self._arrows = bool(on)

    def set_buttons(self, buttons: Sequence[QAbstractButton]) -> None:
        for button in self._buttons:
            button.removeEventFilter(self)
        self._buttons = list(buttons)
        for button in self._buttons:
            button.installEventFilter(self)

    def _index(self, widget) -> int | None:
        return next((i for i, b in enumerate(self._buttons) if b is widget), None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.FocusIn):
            return False
        index = self._index(watched)
        if index is None:
            return False
        if kind == QEvent.Type.FocusIn:
            self._enter(watched, event.reason())
            return False
        key, mods = event.key(), event.modifiers()
        if key in _MOVES and mods == _NONE and (self._arrows or isinstance(_MOVES[key], str)):
            if kind == QEvent.Type.ShortcutOverride:     # the row, not a window key, takes it
                event.accept()
            else:
                self._move(index, _MOVES[key])
            return True
        if kind == QEvent.Type.KeyPress and key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) \
                and mods in (_NONE, _SHIFT):         # (Shift+Tab comes as either key)
            self._leave(forward=key == Qt.Key.Key_Tab and mods == _NONE)
            return True
        return False

    def _enter(self, button: QAbstractButton, reason: Qt.FocusReason) -> None:
        """Tab landed on ``button``: go on to the checked button, if another is."""
        if reason not in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            return
        checked = next((b for b in self._buttons if b.isChecked() and b.isEnabled()
                        and b.isVisible()), None)
        if checked is not None and checked is not button:
            checked.setFocus(reason)

    def _move(self, index: int, step) -> None:
        usable = [i for i, b in enumerate(self._buttons) if b.isEnabled() and b.isVisible()]
        if not usable:
            return
        if step == "first":
            target = usable[0]
        elif step == "last":
            target = usable[-1]
        else:
            ahead = [i for i in usable if (i - index) * step > 0]
            if not ahead:
                return                                   # at the end: stay
            target = ahead[0] if step > 0 else ahead[-1]
        self._buttons[target].setFocus(Qt.FocusReason.OtherFocusReason)

    def _leave(self, forward: bool) -> None:
        """Move the focus on from the row's last usable button (``forward``)
        or back from its first, as Tab / Shift+Tab would from there: through
        ``focusNextPrevChild``, so the window's own Tab order applies."""
        usable = [b for b in self._buttons if b.isEnabled() and b.isVisible()]
        if not usable:
            return
        edge = usable[-1] if forward else usable[0]
        if QApplication.focusWidget() is not edge:
            edge.setFocus(Qt.FocusReason.OtherFocusReason)
        edge.focusNextPrevChild(forward)

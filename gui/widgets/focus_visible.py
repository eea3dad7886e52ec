"""A focus mark only when the focus came from the keyboard (Tab or
Shift+Tab), as browsers do with ``:focus-visible``.

Some Tab stops have no mark of their own: a scroll area (its arrow keys
scroll the page) or the drawing. A mark on every focus would not do either:
a click anywhere in a page gives its scroll area the focus (Qt hands a click
to the nearest widget that takes focus by click), so the whole page would be
framed after each click. :class:`KeyboardFocusMark` tells whether the
widget's focus came by Tab and is still there (a click inside ends it); it
sets the widget's ``keyboardFocus`` property (for style sheets:
``QScrollArea[keyboardFocus="true"]``) and repaints it.
"""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QWidget

from .focus_chain import takes_tab_itself

#: The style-sheet property (a bool) that :class:`KeyboardFocusMark` keeps.
PROPERTY = "keyboardFocus"
_KEYBOARD = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
#: The focus leaves for a moment and comes back (a menu, another window): a
#: mark the keyboard gave comes back with it.
_RETURNS = (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason)


class KeyboardFocusMark(QObject):
    """Whether ``widget`` has the focus from the keyboard (``shown``); owned
    by the widget, whose events it watches."""

    def __init__(self, widget: QWidget):
        super().__init__(widget)
        self._widget = widget
        self.shown = False
        self._resume = False          # shown when the focus left for a menu or a window
        widget.setProperty(PROPERTY, False)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            reason = event.reason()
            self._show(reason in _KEYBOARD or (reason in _RETURNS and self._resume))
        elif kind == QEvent.Type.FocusOut:
            self._resume = self.shown and event.reason() in _RETURNS
            self._show(False)
        elif kind == QEvent.Type.MouseButtonPress:
            self._resume = False
            self._show(False)
        return False

    def _show(self, on: bool) -> None:
        if on == self.shown:
            return
        self.shown = on
        if not shiboken6.isValid(self._widget):
            return                    # being deleted: it loses the focus from its destructor
        self._widget.setProperty(PROPERTY, on)
        self._widget.update()
        # style sheets read the property again at the next turn, not now (the
        # timer dies with this mark, so with the widget)
        QTimer.singleShot(0, self, self._repolish)

    def _repolish(self) -> None:
        widget = self._widget
        widget.style().unpolish(widget)
        widget.style().polish(widget)
        widget.update()


def mark_keyboard_focus(root: QWidget, kind: type[QWidget]) -> list[KeyboardFocusMark]:
    """A :class:`KeyboardFocusMark` on every widget of type ``kind`` inside
    ``root`` that Tab stops on and has none yet."""
    marks = []
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    for widget in root.findChildren(kind):
        if takes_tab_itself(widget) and widget.findChild(KeyboardFocusMark, options=direct) is None:
            marks.append(KeyboardFocusMark(widget))
    return marks

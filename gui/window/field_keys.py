"""Esc in a text or number field leaves the field; it does not clear the canvas.

Esc is the window's "clear" shortcut, and Qt fires a window's shortcut even
while a spin box or a line edit has the focus unless that widget claims the
key. So while such a field of ``window`` has the focus this object watches
it alone (never the whole application: an application-wide filter would run
in Python for every event, painting included): it accepts the
``ShortcutOverride`` Qt sends for Esc, so the shortcut does not fire, and on
the key press hands the focus back to the window, where the next Esc clears
the canvas as everywhere else. A value typed but not confirmed is kept."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget

from ..widgets.escape_key import plain_escape


def is_field(widget: QWidget | None) -> bool:
    """True for a text or number field (a spin box's editor included)."""
    return isinstance(widget, (QLineEdit, QAbstractSpinBox))


class FieldEscape(QObject):
    """Keeps Esc in the focused field of ``window`` (see the module docstring)."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        self._watched: QWidget | None = None
        app = QApplication.instance()
        if app is not None:
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None:
            self._watched.removeEventFilter(self)
            self._watched = None
        if is_field(new) and new.window() is self._window:
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not plain_escape(event):
            return False
        event.accept()
        if event.type() == QEvent.Type.KeyPress:
            self._window.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

"""Keys typed into a field stay in the field: Esc does not clear the canvas at
once, and a letter typed into a drop-down list picks its entry instead of
firing a window shortcut (P, E, D, N, W…).

The window's shortcuts fire even while a spin box, a line edit or a drop-down
list has the focus, unless that widget claims the key. So while such a field
of ``window`` has the focus this object watches it alone (never the whole
application: an application-wide filter would run in Python for every event,
painting included) and accepts the ``ShortcutOverride`` Qt sends first:

* Esc: the first one stays in the field (the focus too, so Tab goes on from
  there; a value typed but not confirmed is kept); a second Esc in a row is
  the window's "Clear" as everywhere else;
* in a drop-down list, a printable key without Ctrl, Alt or Meta: the list's
  own search by typing (line edits and spin boxes claim those keys themselves).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QWidget

from ..widgets.escape_key import plain_escape

_COMMAND_KEYS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                 | Qt.KeyboardModifier.MetaModifier)


def is_field(widget: QWidget | None) -> bool:
    """True for a text or number field (a spin box's editor included) or a drop-down list."""
    return isinstance(widget, (QLineEdit, QAbstractSpinBox, QComboBox))


def typed_character(event: QEvent) -> bool:
    """True for a key that types a printable character (Shift allowed, no
    Ctrl, Alt or Meta)."""
    text = event.text()
    return bool(text) and text.isprintable() and not (event.modifiers() & _COMMAND_KEYS)


class FieldEscape(QObject):
    """Keeps Esc, and letters in drop-down lists, in the focused field of
    ``window`` (see the module docstring)."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        self._watched: QWidget | None = None
        self._escaped = False          # the last key in the field was an Esc it kept
        app = QApplication.instance()
        if app is not None:
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._watched is not None:
            self._watched.removeEventFilter(self)
            self._watched = None
        self._escaped = False
        if is_field(new) and new.window() is self._window:
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if plain_escape(event):
            if self._escaped:                  # Esc again: the window's Clear
                return False
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self._escaped = True
            return True
        if kind == QEvent.Type.KeyPress:
            self._escaped = False
        elif isinstance(watched, QComboBox) and typed_character(event):
            event.accept()                     # the list's search by typing
            return True
        return False

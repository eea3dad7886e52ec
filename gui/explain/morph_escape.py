"""Esc ends a preview instead of clearing the canvas.

Esc is the window's "clear" shortcut. While a morph is previewed, Esc should
only take the preview away (the drawing stays), so while it is armed this
filter claims Esc in ``window`` before the shortcut does: it accepts the
``ShortcutOverride`` event Qt sends to the focused widget (so the shortcut
does not fire) and turns the key press into ``sigEscape``. It watches the
application only while armed."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QWidget

from ..widgets.escape_key import plain_escape


class EscapeKey(QObject):
    """``sigEscape()`` when Esc is pressed in ``window`` while :meth:`arm` ed."""

    sigEscape = Signal()

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        self._armed = False

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self, on: bool = True) -> None:
        """Claim Esc (``on``) or give it back to the window's shortcuts."""
        app = QApplication.instance()
        if on == self._armed or app is None:
            return
        self._armed = on
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not plain_escape(event) or not self._in_window(watched):
            return False
        event.accept()
        if event.type() == QEvent.Type.KeyPress:
            self.sigEscape.emit()
        return True

    def _in_window(self, watched: QObject) -> bool:
        """True for a widget of the window, or the window's own native window
        (which gets the key when no widget has the focus)."""
        if isinstance(watched, QWidget):
            return watched.window() is self._window
        return isinstance(watched, QWindow) and watched is self._window.windowHandle()

"""Esc, the window's "clear" shortcut, as filters that claim it see it."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt


def plain_escape(event: QEvent) -> bool:
    """True for Esc without modifiers, as Qt's ``ShortcutOverride`` (asked
    before a shortcut fires) or as the key press that follows it."""
    if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
        return False
    return (event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier)

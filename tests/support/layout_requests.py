"""Counting the layout requests a widget receives (``QEvent.LayoutRequest``):
text that changes often must not make the window re-lay itself out."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class LayoutRequests(QObject):
    """An event filter that counts the layout requests of what it is installed on."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False

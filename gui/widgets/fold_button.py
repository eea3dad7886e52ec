"""A button that folds a part of a form away and unfolds it (an arrow
beside its text), bringing the unfolded part into view when the form scrolls."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QToolButton, QWidget


class FoldButton(QToolButton):
    """Checked: ``target`` is shown (arrow down); unchecked: hidden (arrow right).
    Call :meth:`set_target` once the folded widget exists."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setText(text)
        self.setCheckable(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setArrowType(Qt.ArrowType.RightArrow)
        self._target: QWidget | None = None
        self.toggled.connect(self._fold)

    def set_target(self, target: QWidget) -> None:
        self._target = target
        target.setVisible(self.isChecked())

    def _fold(self, on: bool) -> None:
        self.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        if self._target is not None:
            self._target.setVisible(on)
            if on:        # once laid out, bring what just opened into view
                QTimer.singleShot(0, self._reveal)

    def _reveal(self) -> None:
        scroll = self.parentWidget()
        while scroll is not None and not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        if scroll is not None and self._target is not None and self._target.isVisible():
            scroll.ensureWidgetVisible(self._target, 0, 0)
            scroll.ensureWidgetVisible(self, 0, 4)           # and this button above it

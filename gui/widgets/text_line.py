"""Text that changes often (values, timings, progress) without re-laying out the window."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


def monospace(base: QFont) -> QFont:
    """``base`` in the monospace family the read-outs use (same size)."""
    font = QFont(base)
    font.setFamily("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class TextLine(QWidget):
    """Text that changes often (values, timings, progress) without ever asking
    the window to re-layout: unlike ``QLabel.setText`` it only repaints its own
    rectangle. ``lines`` fixes its height; with ``lines > 1`` the text wraps at
    words and ``\n``, and what does not fit is cut (one line: elided).
    Colour: the palette's ``WindowText``, or ``muted``."""

    def __init__(self, text: str = "", align=Qt.AlignmentFlag.AlignLeft, muted: bool = True,
                 mono: bool = False, lines: int = 1, parent: QWidget | None = None):
        super().__init__(parent)
        self._text = text
        self._lines = max(1, int(lines))
        self._align = align | (Qt.AlignmentFlag.AlignVCenter if self._lines == 1
                               else Qt.AlignmentFlag.AlignTop)
        self._muted = muted
        self._color: QColor | None = None
        if mono:
            self.setFont(monospace(self.font()))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._height())

    def _height(self) -> int:
        fm = self.fontMetrics()
        return fm.height() + (self._lines - 1) * fm.lineSpacing() + 2

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # Qt-style name: drop-in for QLabel
        if text != self._text:
            self._text = text
            self.update()

    def set_color(self, color: QColor | None) -> None:
        self._color = color
        self.update()

    def sizeHint(self) -> QSize:
        widest = max((self.fontMetrics().horizontalAdvance(line)
                      for line in self._text.split("\n")), default=0)
        return QSize(widest + 4, self._height())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self.setFixedHeight(self._height())

    def paintEvent(self, event) -> None:
        if not self._text:
            return
        p = QPainter(self)
        color = self._color or self.palette().color(
            QPalette.ColorRole.PlaceholderText if self._muted else QPalette.ColorRole.WindowText)
        p.setPen(color)
        if self._lines == 1:
            text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight,
                                                 self.width())
            p.drawText(self.rect(), self._align, text)
        else:
            p.drawText(self.rect(), self._align | Qt.TextFlag.TextWordWrap, self._text)
        p.end()

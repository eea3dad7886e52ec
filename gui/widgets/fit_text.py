"""A short grey text that never clips mid-word: it shows the longest of a few
variants that fits its width (e.g. ``"32 maps · 28×28"``, then ``"32 · 28×28"``),
and elides the shortest only when even that does not fit."""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from .text_line import monospace


class FitText(QWidget):
    """One line of muted, plain text chosen from ``variants`` (longest first)
    to fit the width it is given. It asks for the width of the first variant
    but accepts any width down to a few pixels, so it never widens a panel.
    ``mono``: in the read-outs' monospace font; ``muted=False``: in the
    ordinary text colour (an answer or a title, not a side note)."""

    def __init__(self, variants: Sequence[str] = (), parent: QWidget | None = None,
                 mono: bool = False, muted: bool = True):
        super().__init__(parent)
        self._role = (QPalette.ColorRole.PlaceholderText if muted
                      else QPalette.ColorRole.WindowText)
        if mono:
            self.setFont(monospace(self.font()))
        self._variants: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 2)
        self.set_variants(variants)

    def set_variants(self, variants: Sequence[str]) -> None:
        """The texts to choose from, longest (preferred) first."""
        variants = tuple(str(v) for v in variants if v)
        if variants != self._variants:
            hint = self.sizeHint()
            self._variants = variants
            ignored = self.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored
            if self.sizeHint() != hint and not ignored:   # re-layout only for a new wanted size
                self.updateGeometry()
            self.update()

    def setText(self, text: str) -> None:  # Qt-style name: drop-in for a QLabel
        self.set_variants((text,))

    def text(self) -> str:
        """The preferred (longest) variant."""
        return self._variants[0] if self._variants else ""

    def shown_text(self) -> str:
        """The text as painted at the current width."""
        fm = self.fontMetrics()
        width = self.width()
        for text in self._variants:
            if fm.horizontalAdvance(text) <= width:
                return text
        if not self._variants:
            return ""
        return fm.elidedText(self._variants[-1], Qt.TextElideMode.ElideRight, width)

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self.text()) + 2, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(1, self.height())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self.setFixedHeight(self.fontMetrics().height() + 2)

    def paintEvent(self, event) -> None:
        text = self.shown_text()
        if not text:
            return
        p = QPainter(self)
        p.setPen(self.palette().color(self._role))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        p.end()

"""The explanation strip of the Activations tab: "conv1 · Convolution: each
of the 32 feature maps is …" for the layer under the mouse (or the one being
inspected), always visible instead of only as a tooltip.

It is painted text (never markup: layer names come from model files), of a
fixed height while the mouse moves: changing the text only repaints the strip,
it never re-lays out the tab. The height is chosen on a resize (or a new
model): the lines the longest explanation of the shown model needs at that
width, within ``min_lines`` and the lines that fit the height its owner can
spare (:meth:`LayerNoteStrip.set_max_height`); what still does not fit ends
with an ellipsis (the whole text is the strip's tooltip).
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QTextLayout
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..widgets.plain_text import plain_tooltip
from ..widgets.theme import LIGHT, Theme

SEPARATOR = " \u00b7 "   # between the layer name and its explanation
PAD_X, PAD_Y = 8, 4      # pixels inside the frame
MAX_CHARS = 600          # longer text (a huge name from a model file) is cut first


def bold(font: QFont) -> QFont:
    """``font`` in the weight of the layer name."""
    heavy = QFont(font)
    heavy.setWeight(QFont.Weight.DemiBold)
    return heavy


def note_lines(name: str, text: str, font: QFont, width: float,
               max_lines: int) -> tuple[str, float, QTextLayout]:
    """``name · text`` laid out at ``width`` pixels: ``(name as shown, its
    width, layout of the rest)``. The name, in bold, starts the first line
    (elided when it would take more than half of it); the rest (``" · text"``)
    follows it and wraps at words onto at most ``max_lines`` + 1 lines (one
    more than fit means: it does not fit)."""
    width = max(width, 1.0)
    shown = QFontMetricsF(bold(font)).elidedText(name, Qt.TextElideMode.ElideRight,
                                                 width / 2) if name else ""
    indent = QFontMetricsF(bold(font)).horizontalAdvance(shown)
    layout = QTextLayout(f"{SEPARATOR}{text}" if name else text, font)
    spacing = QFontMetricsF(font).lineSpacing()
    layout.beginLayout()
    for i in range(max_lines + 1):
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width - indent, 1.0) if i == 0 else width)
        line.setPosition(QPointF(indent if i == 0 else 0.0, i * spacing))
    layout.endLayout()
    return shown, indent, layout


class LayerNoteStrip(QWidget):
    """A rounded strip showing ``name · explanation`` (name in bold), word-wrapped
    onto ``min_lines`` to ``max_lines`` lines, the last one elided.

    :meth:`set_note` changes the text (a repaint only); :meth:`fit_notes`
    gives every text the strip may show, so its height can suit them all."""

    def __init__(self, min_lines: int = 2, max_lines: int = 3, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerNoteStrip")
        self._min_lines, self._max_lines = min_lines, max_lines
        self._limit = max_lines       # lines that fit the height the owner can spare
        self._lines = min_lines
        self._name, self._text = "", ""
        self._notes: tuple[tuple[str, str], ...] = ()
        self._theme = LIGHT
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self._height(self._lines))

    # ------------------------------------------------------------------ API
    def set_note(self, name: str, text: str) -> None:
        """Show ``name · text`` (``name`` may be empty); a repaint only."""
        if (name, text) == (self._name, self._text):
            return
        self._name, self._text = str(name)[:MAX_CHARS], str(text)[:MAX_CHARS]
        self.setToolTip(plain_tooltip(self.full_text()))
        self.update()

    def fit_notes(self, notes: Sequence[tuple[str, str]]) -> None:
        """Every ``(name, text)`` the strip may show: its height becomes the
        lines the longest needs at the current width (within the line limits)."""
        self._notes = tuple((str(n)[:MAX_CHARS], str(t)[:MAX_CHARS]) for n, t in notes)
        self._fit()

    def set_max_height(self, pixels: int) -> None:
        """The most height the owner can give (the strip is never lower than
        ``min_lines``): bounds the lines it grows to."""
        fm = QFontMetricsF(self.font())
        fits = int((pixels - self._height(1)) // fm.lineSpacing()) + 1
        limit = min(max(fits, self._min_lines), self._max_lines)
        if limit != self._limit:
            self._limit = limit
            self._fit()

    def full_text(self) -> str:
        """``"name · text"`` (or just the text when there is no name)."""
        return f"{self._name}{SEPARATOR}{self._text}" if self._name else self._text

    def name(self) -> str:
        return self._name

    def text(self) -> str:
        return self._text

    def line_count(self) -> int:
        """Lines the strip is high."""
        return self._lines

    def shown_lines(self) -> list[str]:
        """The lines as painted at the current width (the last one elided if cut)."""
        name, _, lines = self._lines_to_draw()
        return [name + text if i == 0 else text for i, (text, _) in enumerate(lines)]

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def sizeHint(self) -> QSize:       # any width: the layout decides it
        return QSize(40, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(40, self.height())

    # ------------------------------------------------------------------ internals
    def _height(self, lines: int) -> int:
        fm = QFontMetricsF(self.font())
        return int(fm.height() + (lines - 1) * fm.lineSpacing() + 2 * PAD_Y + 3)

    def _text_width(self) -> float:
        return max(self.width() - 2 * PAD_X, 1)

    def _fit(self) -> None:
        width = self._text_width()
        need = max((note_lines(n, t, self.font(), width, self._limit)[2].lineCount()
                    for n, t in self._notes), default=self._min_lines)
        lines = min(max(need, self._min_lines), self._limit)
        if lines != self._lines:
            self._lines = lines
            self.setFixedHeight(self._height(lines))

    def _lines_to_draw(self) -> tuple[str, QTextLayout | None, list[tuple[str, int]]]:
        """``(name as shown, layout of the rest, [(line text, index of its
        QTextLine, or -1 when elided)])``."""
        if not self.full_text():
            return "", None, []
        width = self._text_width()
        name, indent, layout = note_lines(self._name, self._text, self.font(), width,
                                          self._lines)
        rest = layout.text()
        n = layout.lineCount()
        lines = []
        for i in range(min(n, self._lines)):
            line = layout.lineAt(i)
            start = line.textStart()
            if i == self._lines - 1 and n > self._lines:     # cut: elide what is left
                text = QFontMetricsF(self.font()).elidedText(
                    rest[start:], Qt.TextElideMode.ElideRight, line.width())
                lines.append((text, -1))
            else:
                lines.append((rest[start:start + line.textLength()].rstrip(), i))
        return name, layout, lines

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self.setFixedHeight(self._height(self._lines))
            self._fit()

    def paintEvent(self, event) -> None:
        t = self._theme
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(t.border), 1))
        p.setBrush(QColor(t.surface))
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        name, layout, lines = self._lines_to_draw()
        p.setPen(QColor(t.text))
        fm = QFontMetricsF(self.font())
        top = PAD_Y + 1
        if name:
            p.setFont(bold(self.font()))
            p.drawText(QPointF(PAD_X, top + fm.ascent()), name)
            p.setFont(self.font())
        for i, (text, index) in enumerate(lines):
            if index >= 0:
                layout.lineAt(index).draw(p, QPointF(PAD_X, top))
            else:
                x = PAD_X + layout.lineAt(i).x()
                p.drawText(QPointF(x, top + i * fm.lineSpacing() + fm.ascent()), text)
        p.end()


__all__ = ["LayerNoteStrip", "note_lines", "SEPARATOR"]

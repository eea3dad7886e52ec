"""The legend of the training curves: one row of entries (a coloured mark and
a few words) shared by the loss and the accuracy plots, wrapped onto more
lines when the panel is narrow.

Painted with ``QPainter.drawText`` (plain text, never read as markup), so the
entries never overlap: each entry keeps its words together and moves to the
next line when it does not fit; the widget asks for the widest entry's width
(and, squeezed below that anyway, ends the text with an ellipsis).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Marks: a thin line, a thick line, a zigzag (a noisy curve), a line through a
#: dot, a line through a square.
MARKS = ("thin", "thick", "jagged", "dot", "square")
MARK_WIDTH = 18     # px
GAP = 5             # px between the mark and its text
SPACING = 14        # px between two entries on a line
LINE_GAP = 2        # px between two lines


@dataclass(frozen=True)
class LegendEntry:
    """One curve: its colour ``(r, g, b)``, mark (one of :data:`MARKS`) and name."""
    color: tuple[int, int, int]
    mark: str
    text: str


class CurveLegend(QWidget):
    """Legend entries laid out left to right, wrapping (height for width)."""

    def __init__(self, entries: list[LegendEntry], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("curveLegend")
        self._entries = list(entries)
        self._text_color = QColor("#808080")
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # ------------------------------------------------------------ content
    def set_entries(self, entries: list[LegendEntry]) -> None:
        self._entries = list(entries)
        self.updateGeometry()
        self.update()

    def set_text_color(self, color: str) -> None:
        self._text_color = QColor(color)
        self.update()

    def texts(self) -> list[str]:
        """The entries' names, in order."""
        return [e.text for e in self._entries]

    # ------------------------------------------------------------- layout
    def _entry_width(self, metrics: QFontMetrics, entry: LegendEntry) -> int:
        return MARK_WIDTH + GAP + metrics.horizontalAdvance(entry.text)

    def entry_rects(self, width: int) -> list[QRect]:
        """Where each entry goes in a widget ``width`` px wide (pixels): left
        to right, a new line when the next entry does not fit."""
        metrics = QFontMetrics(self.font())
        line_h = metrics.height()
        rects, x, y = [], 0, 0
        for entry in self._entries:
            w = self._entry_width(metrics, entry)
            if x > 0 and x + w > width:
                x, y = 0, y + line_h + LINE_GAP
            rects.append(QRect(x, y, w, line_h))
            x += w + SPACING
        return rects

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rects = self.entry_rects(width)
        return max(r.bottom() + 1 for r in rects) if rects else 0

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        width = sum(self._entry_width(metrics, e) for e in self._entries) \
            + SPACING * max(0, len(self._entries) - 1)
        return QSize(width, metrics.height())

    def minimumSizeHint(self) -> QSize:
        """As wide as the widest entry (an entry is never cut)."""
        metrics = QFontMetrics(self.font())
        widest = max((self._entry_width(metrics, e) for e in self._entries), default=0)
        return QSize(widest, metrics.height())

    # ------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        for entry, rect in zip(self._entries, self.entry_rects(self.width())):
            mark = QRectF(rect.x(), rect.y(), MARK_WIDTH, rect.height())
            _paint_mark(painter, mark, QColor(*entry.color), entry.mark)
            painter.setPen(self._text_color)
            text_rect = rect.adjusted(MARK_WIDTH + GAP, 0, 0, 0)
            # narrower than its minimum (a squeezed panel): "train (average ov..."
            text = metrics.elidedText(entry.text, Qt.TextElideMode.ElideRight,
                                      max(0, self.width() - text_rect.x()))
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             text)
        painter.end()


def _paint_mark(painter: QPainter, rect: QRectF, color: QColor, mark: str) -> None:
    """A short horizontal line through the middle of ``rect``, with a dot or
    a square on it for the per-epoch points; ``"jagged"``: a zigzag, like a
    noisy per-batch curve (whose faint colour, as a straight 1.5 px line,
    all but vanished on a dark background)."""
    y = rect.center().y()
    painter.setPen(QPen(color, 2.5 if mark == "thick" else 1.5))
    if mark == "jagged":
        swing = min(3.0, rect.height() / 2 - 1)
        xs = [rect.left() + 1 + i * (rect.width() - 2) / 6 for i in range(7)]
        painter.drawPolyline([QPointF(x, y + (swing if i % 2 else -swing))
                              for i, x in enumerate(xs)])
        return
    painter.drawLine(QPointF(rect.left() + 1, y), QPointF(rect.right() - 1, y))
    if mark in ("dot", "square"):
        painter.setPen(QPen(color, 1))
        painter.setBrush(color)
        box = QRectF(0, 0, 7, 7)
        box.moveCenter(rect.center())
        if mark == "dot":
            painter.drawEllipse(box)
        else:
            painter.drawRect(box)

"""The person's samples as a gallery: one row per digit 0-9, a header with
the digit and how many samples it has, then the 28x28 inputs as thumbnails
(white ink on black, like the canvas), wrapping inside the row. Samples the
current model gets wrong are outlined in red.

Mouse: a click selects a sample, a right click opens its menu. Keys (while
the gallery has the focus): arrows, Home/End move, Del or Backspace deletes,
a digit key relabels the selected sample. The gallery only shows and
reports (``sigDelete``, ``sigRelabel``, ``sigMenu``); the owner of the set
makes the change.
"""
from __future__ import annotations

import datetime

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from engine.personal import PersonalSet

from ..widgets.plain_text import plain_tooltip

THUMB = 34            # thumbnail side (px)
GAP = 4               # between thumbnails (px)
HEADER = 46           # width of the digit column (px)
MARGIN = 6
WRONG = QColor("#e5484d")       # outline of a sample the model gets wrong (both themes)
_DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): d for d in range(10)}


def thumbnail(image: np.ndarray) -> QPixmap:
    """A ``(1, 28, 28)`` float input in [0, 1] as a :data:`THUMB` px pixmap."""
    grey = np.ascontiguousarray(np.clip(np.rint(np.asarray(image)[0] * 255), 0, 255), np.uint8)
    qimg = QImage(grey.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimg.scaled(THUMB, THUMB, Qt.AspectRatioMode.IgnoreAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))


class SampleGallery(QWidget):
    """Rows of thumbnails (see the module docstring); put it in a scroll area
    that resizes it (it asks for the height its width needs).

    Signals: ``sigSelected(id or "")``, ``sigDelete(id)``, ``sigRelabel(id,
    digit)``, ``sigMenu(id, global QPoint)``."""

    sigSelected = Signal(str)
    sigDelete = Signal(str)
    sigRelabel = Signal(str, int)
    sigMenu = Signal(str, QPoint)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAccessibleName("Your handwriting samples, one row per digit")
        self._set = PersonalSet()
        self._wrong: dict[str, int] = {}        # id -> the model's (wrong) answer
        self._pixmaps: dict[str, QPixmap] = {}
        self._rects: dict[str, QRect] = {}
        self._order: list[str] = []             # ids in reading order (row by row)
        self.current: str | None = None
        self._relayout()

    # ------------------------------------------------------------------ API
    def set_samples(self, samples: PersonalSet) -> None:
        """Show ``samples`` (the selection stays if the sample is still there)."""
        self._set = samples
        self._pixmaps = {i: p for i, p in self._pixmaps.items() if i in samples}
        if self.current is not None and self.current not in samples:
            self.current = None
            self.sigSelected.emit("")
        self._wrong = {i: d for i, d in self._wrong.items() if i in samples}
        self._relayout()

    def set_wrong(self, wrong: dict[str, int]) -> None:
        """Outline these samples in red (``{id: the model's answer}``)."""
        self._wrong = dict(wrong)
        self.update()

    def select(self, sample_id: str | None) -> None:
        if sample_id is not None and sample_id not in self._set:
            sample_id = None
        if sample_id != self.current:
            self.current = sample_id
            self.sigSelected.emit(sample_id or "")
            self.update()

    def sample_rect(self, sample_id: str) -> QRect:
        """Where a sample's thumbnail is (widget coordinates; for tests)."""
        return QRect(self._rects[sample_id])

    def sample_at(self, pos: QPoint) -> str | None:
        return next((i for i, r in self._rects.items() if r.contains(pos)), None)

    def sizeHint(self) -> QSize:
        return QSize(HEADER + 8 * (THUMB + GAP) + 2 * MARGIN, self._needed_height(self.width()))

    # ------------------------------------------------------------ layout
    def _columns(self, width: int) -> int:
        return max(1, (width - HEADER - 2 * MARGIN + GAP) // (THUMB + GAP))

    def _needed_height(self, width: int) -> int:
        cols = self._columns(width)
        counts = self._set.counts()
        lines = sum(max(1, -(-int(c) // cols)) for c in counts)
        return 2 * MARGIN + lines * (THUMB + GAP) + 10 * GAP

    def _relayout(self) -> None:
        cols = self._columns(self.width())
        self._rects, self._order, self._rows = {}, [], []
        y = MARGIN
        for digit in range(10):
            ids = self._set.ids_of(digit)
            lines = max(1, -(-len(ids) // cols))
            self._rows.append((digit, y, lines * (THUMB + GAP), len(ids)))
            for k, sample_id in enumerate(ids):
                x = MARGIN + HEADER + (k % cols) * (THUMB + GAP)
                self._rects[sample_id] = QRect(x, y + (k // cols) * (THUMB + GAP), THUMB, THUMB)
                self._order.append(sample_id)
            y += lines * (THUMB + GAP) + GAP
        need = y + MARGIN
        if self.minimumHeight() != need:
            self.setMinimumHeight(need)
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._relayout()

    # ------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        text, muted = pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.PlaceholderText)
        line = QColor(muted)
        line.setAlpha(70)
        big = self.font()
        big.setPixelSize(18)
        big.setBold(True)
        small = self.font()
        for digit, y, height, count in self._rows:
            p.setPen(line)
            if digit:
                p.drawLine(MARGIN, y - GAP // 2 - 1, self.width() - MARGIN, y - GAP // 2 - 1)
            p.setFont(big)
            p.setPen(text)
            p.drawText(QRect(MARGIN, y, 18, THUMB), Qt.AlignmentFlag.AlignCenter, str(digit))
            p.setFont(small)
            p.setPen(muted)
            p.drawText(QRect(MARGIN + 18, y, HEADER - 22, THUMB), Qt.AlignmentFlag.AlignCenter,
                       f"{count}")
            if count == 0:
                p.drawText(QRect(MARGIN + HEADER, y, self.width(), THUMB),
                           Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                           f"no {digit} yet")
        for sample_id, rect in self._rects.items():
            if not event.rect().intersects(rect.adjusted(-3, -3, 3, 3)):
                continue
            p.drawPixmap(rect, self._pixmap(sample_id))
            if sample_id in self._wrong:
                p.setPen(QPen(WRONG, 2))
                p.drawRect(rect.adjusted(-1, -1, 0, 0))
            if sample_id == self.current:
                p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 3 if self.hasFocus() else 2))
                p.drawRect(rect.adjusted(-3, -3, 2, 2))
        p.end()

    def _pixmap(self, sample_id: str) -> QPixmap:
        if sample_id not in self._pixmaps:
            self._pixmaps[sample_id] = thumbnail(self._set.sample(sample_id).image)
        return self._pixmaps[sample_id]

    # --------------------------------------------------------------- input
    def mousePressEvent(self, event) -> None:
        sample_id = self.sample_at(event.position().toPoint())
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.select(sample_id)
        if sample_id is not None and event.button() == Qt.MouseButton.RightButton:
            self.sigMenu.emit(sample_id, event.globalPosition().toPoint())
        event.accept()

    def event(self, event) -> bool:
        if event.type() == event.Type.ShortcutOverride and self._own_key(event):
            event.accept()          # Del, Backspace and digits are ours while focused
            return True
        if event.type() == event.Type.ToolTip:
            sample_id = self.sample_at(event.pos())
            if sample_id is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), plain_tooltip(self._describe(sample_id)), self)
            return True
        return super().event(event)

    def _own_key(self, event) -> bool:
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)
        return plain and (event.key() in _DIGIT_KEYS or event.key() in (
            Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Menu))

    def keyPressEvent(self, event) -> None:
        key, current = event.key(), self.current
        if current is not None and self._own_key(event):
            if key in _DIGIT_KEYS:
                self.sigRelabel.emit(current, _DIGIT_KEYS[key])
            elif key == Qt.Key.Key_Menu:
                self.sigMenu.emit(current, self.mapToGlobal(self._rects[current].center()))
            else:
                self.sigDelete.emit(current)
            event.accept()
            return
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -self._columns(self.width()),
                 Qt.Key.Key_Down: self._columns(self.width())}
        if self._order and (key in moves or key in (Qt.Key.Key_Home, Qt.Key.Key_End)):
            at = self._order.index(current) if current in self._order else -1
            target = 0 if key == Qt.Key.Key_Home else len(self._order) - 1 \
                if key == Qt.Key.Key_End else int(np.clip(at + moves[key], 0, len(self._order) - 1))
            self.select(self._order[target])
            event.accept()
            return
        super().keyPressEvent(event)

    def _describe(self, sample_id: str) -> str:
        sample = self._set.sample(sample_id)
        when = datetime.datetime.fromtimestamp(sample.added).strftime("%d %b %Y %H:%M")
        said = self._wrong.get(sample_id)
        verdict = f"; the current model says {said}" if said is not None else ""
        return (f"Your {sample.label}, added {when}{verdict}. Del deletes it, a digit key "
                "relabels it, a right click opens its menu.")

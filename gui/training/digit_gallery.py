"""A wrapping grid of 28x28 digit thumbnails, each with a caption and a
tooltip; a click (or Enter on the current one) names the image it shows."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from ..widgets.plain_text import plain_tooltip

THUMB = 42  # px, 1.5x the 28x28 digits


def digit_icon(image: np.ndarray, size: int = THUMB) -> QIcon:
    """A ``(28, 28)`` uint8 digit (white ink on black, as the network sees it) as an icon."""
    img = np.ascontiguousarray(image, dtype=np.uint8)
    h, w = img.shape
    qimg = QImage(img.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(qimg.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.FastTransformation)))


class DigitGallery(QListWidget):
    """A wrapping grid of digit thumbnails with a caption under each.

    Signal: ``sigImageChosen(int)`` - the index (into the images given to
    :meth:`show_images`) of a thumbnail clicked, or the current one on Enter.
    """

    sigImageChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 18, THUMB + 34))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setSpacing(2)
        self.setMinimumWidth(2 * (THUMB + 18) + 24)
        self.indices: np.ndarray = np.zeros(0, np.int64)
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self.itemClicked.connect(self._chosen)

    def keyPressEvent(self, event) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self._chosen(item)
            event.accept()
            return
        super().keyPressEvent(event)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.sigImageChosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def show_images(self, images: np.ndarray, indices: np.ndarray, captions: list[str],
                    tooltips: list[str]) -> None:
        self.setUpdatesEnabled(False)
        try:
            self.clear()
            self.indices = np.asarray(indices, np.int64)
            for i, caption, tip in zip(self.indices, captions, tooltips):
                item = QListWidgetItem(digit_icon(images[i]), caption)
                item.setToolTip(plain_tooltip(tip))
                item.setData(Qt.ItemDataRole.UserRole, int(i))
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self.addItem(item)
        finally:
            self.setUpdatesEnabled(True)


def top3_text(p: np.ndarray) -> str:
    order = np.argsort(-p)[:3]
    return ", ".join(f"{d}: {p[d]:.1%}" for d in order)

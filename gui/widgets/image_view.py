"""A picture of a 2-D array: one pyqtgraph ``ImageItem`` with hover and click
signals, the aspect ratio kept, no pan/zoom, a fast path for uint8 index
images (see :func:`gui.widgets.theme.to_indices`), an optional translucent
RGBA overlay on the same pixels (e.g. a saliency map), an outlined rectangle
and optional small text labels over the image (e.g. "in 3" above a kernel slice)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPen, qRgba
from PySide6.QtWidgets import QFrame, QGraphicsRectItem, QSizePolicy, QWidget

from .theme import Theme, to_indices


_COLOR_TABLES: dict[int, tuple[np.ndarray, list[int]]] = {}


def _color_table(lut: np.ndarray) -> list[int]:
    """``(256, 4)`` RGBA LUT -> QImage colour table, cached per LUT object."""
    entry = _COLOR_TABLES.get(id(lut))
    if entry is None or entry[0] is not lut:
        entry = (lut, [qRgba(*rgba) for rgba in lut.tolist()])
        _COLOR_TABLES[id(lut)] = entry
    return entry[1]


class _HoverImageItem(pg.ImageItem):
    """ImageItem with hover/click signals and a fast render for uint8 index
    images: wrap the array as an indexed QImage with a cached colour table
    (pyqtgraph would rebuild the table and re-scan levels on every paint)."""

    def __init__(self, owner: "ImageView"):
        super().__init__(axisOrder="row-major")
        self._owner = owner
        self._fast = hasattr(self, "_renderRequired") and hasattr(self, "_unrenderable")

    def render(self) -> None:
        image, lut = self.image, self.lut
        if not (self._fast and image is not None and image.ndim == 2 and image.size
                and image.dtype == np.uint8 and isinstance(lut, np.ndarray)
                and lut.shape == (256, 4)):
            return super().render()
        image = np.ascontiguousarray(image)
        qimage = fn.ndarray_to_qimage(image, QImage.Format.Format_Indexed8)
        qimage.setColorTable(_color_table(lut))
        self.qimage = qimage
        self._renderRequired = False
        self._unrenderable = False

    def hoverEvent(self, ev) -> None:
        if ev.isExit():
            self._owner.sigLeft.emit()
        else:
            pos = ev.pos()
            self._owner.sigHovered.emit(pos.y(), pos.x())

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            pos = ev.pos()
            self._owner.sigClicked.emit(pos.y(), pos.x())
            ev.accept()


def pixel_under(shape: tuple[int, ...], y: float, x: float) -> tuple[int, int] | None:
    """``(row, column)`` of the pixel at image coordinates ``(y, x)`` of an
    image of ``shape`` ``(H, W)``, or None outside it."""
    if y < 0 or x < 0:
        return None
    r, c = int(y), int(x)
    return (r, c) if r < shape[0] and c < shape[1] else None


class ImageView(pg.GraphicsView):
    """A picture of a 2-D array, aspect ratio kept, no pan/zoom.

    Signals carry image pixel coordinates (row ``y``, column ``x``, floats):
    ``sigHovered(y, x)``, ``sigLeft()``, ``sigClicked(y, x)``.
    """

    sigHovered = Signal(float, float)
    sigLeft = Signal()
    sigClicked = Signal(float, float)
    sigResized = Signal()

    def __init__(self, parent: QWidget | None = None, aspect_locked: bool = True,
                 min_size: tuple[int, int] = (60, 40), hug_height: bool = False):
        """``hug_height``: never taller than the picture at the full width (its
        maximum height follows the width and the image's shape), so what a
        layout puts under the view stays right under the picture."""
        super().__init__(parent, background=None)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAntialiasing(False)        # pixel maps: nothing to smooth, cheaper paints
        self.setOptimizationFlag(self.OptimizationFlag.DontSavePainterState, True)
        self.view = pg.ViewBox(enableMouse=False, lockAspect=aspect_locked, invertY=True,
                               enableMenu=False, defaultPadding=0.0)
        self.setCentralItem(self.view)
        self.item = _HoverImageItem(self)
        self.view.addItem(self.item)
        self._overlay = pg.ImageItem(axisOrder="row-major")   # RGBA over the image
        self._overlay.setZValue(1)
        self._overlay.setVisible(False)
        self.view.addItem(self._overlay)
        self._highlight = QGraphicsRectItem()
        self._highlight.setZValue(10)
        self._highlight.setVisible(False)
        self.view.addItem(self._highlight)
        self._shape: tuple[int, int] | None = None
        self._hug_height = hug_height
        self._labels: list[pg.TextItem] = []
        self.array: np.ndarray | None = None
        self.setMinimumSize(*min_size)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # a picture: the mouse reads it, keys do nothing here, so it is no Tab stop
        # (an invisible one: a view shows no focus mark)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_image(self, image: np.ndarray, levels: tuple[float, float], lut: np.ndarray) -> None:
        """Show ``image: (H, W)`` with index ``lut`` (see :mod:`gui.widgets.theme`)
        spanning ``levels``; NaN is transparent.

        The values are mapped to uint8 indices here, so pyqtgraph takes its
        fastest path (an indexed 8-bit QImage with a colour table) instead of
        rescaling floats and masking NaNs on every paint. The same picture
        again (e.g. the network input on each weight snapshot while training)
        is not re-set, so nothing repaints.
        """
        self.array = image
        indices = to_indices(image, levels)
        shown = self.item.image
        if not (self.item.isVisible() and shown is not None and self.item.lut is lut
                and np.array_equal(shown, indices)):   # (unchanged: no repaint)
            self.item.setImage(indices, levels=None, lut=lut, autoLevels=False)
            self.item.setVisible(True)
        if image.shape != self._shape:
            self._shape = image.shape
            self.view.setRange(QRectF(0, 0, image.shape[1], image.shape[0]), padding=0.0)
            self._fit_height()

    def _fit_height(self) -> None:
        if not getattr(self, "_hug_height", False) or self._shape is None:   # (during __init__)
            return
        rows, cols = self._shape[:2]
        tallest = max(self.minimumHeight(), round(self.width() * rows / max(cols, 1)))
        if self.maximumHeight() != tallest:
            self.setMaximumHeight(tallest)

    def clear_image(self) -> None:
        self.array = None
        self.item.setVisible(False)
        self._highlight.setVisible(False)
        self.set_overlay(None)

    def set_overlay(self, rgba: np.ndarray | None) -> None:
        """Draw ``rgba (H, W, 4)`` uint8 (not premultiplied) over the image, one
        overlay pixel on each image pixel (nearest, no smoothing); None hides it."""
        if rgba is None:
            self._overlay.setVisible(False)
            return
        self._overlay.setImage(np.ascontiguousarray(rgba, dtype=np.uint8), levels=None,
                               autoLevels=False)
        self._overlay.setRect(QRectF(0, 0, rgba.shape[1], rgba.shape[0]))
        self._overlay.setVisible(True)

    def overlay_shown(self) -> bool:
        """True while an overlay is drawn over the image."""
        return self._overlay.isVisible()

    def set_highlight(self, rect: QRectF | None, color: QColor | None = None) -> None:
        """Outline ``rect`` (image pixels) or hide the outline."""
        if rect is None:
            self._highlight.setVisible(False)
            return
        pen = QPen(color or QColor("#1f6feb"), 2.0)
        pen.setCosmetic(True)
        self._highlight.setPen(pen)
        self._highlight.setRect(rect)
        self._highlight.setVisible(True)

    def highlight(self) -> QRectF | None:
        """The outlined rectangle (image pixels), None while hidden."""
        return QRectF(self._highlight.rect()) if self._highlight.isVisible() else None

    def set_labels(self, labels: list[tuple[float, float, str]], color: QColor,
                   pixel_size: int = 10) -> None:
        """Small plain-text labels drawn over the image: ``(y, x, text)`` puts
        ``text``'s bottom-left corner at image pixel ``(y, x)``; the text keeps
        its size whatever the zoom. Items are reused; ``[]`` removes all."""
        while len(self._labels) < len(labels):
            item = pg.TextItem("", anchor=(0.0, 1.0))
            font = item.textItem.font()
            font.setPixelSize(pixel_size)
            item.setFont(font)
            item.textItem.document().setDocumentMargin(0)   # the box is the text: none cut off
            item.setZValue(5)
            self.view.addItem(item)
            self._labels.append(item)
        for item, (y, x, text) in zip(self._labels, labels):
            if item.toPlainText() != text:
                item.setText(text)
            item.setColor(color)
            item.setPos(x, y)
            item.setVisible(True)
        for item in self._labels[len(labels):]:
            item.setVisible(False)

    def labels(self) -> list[str]:
        """Texts of the labels shown (see :meth:`set_labels`)."""
        return [item.toPlainText() for item in self._labels if item.isVisible()]

    def apply_theme(self, theme: Theme) -> None:
        self.setBackground(theme.surface)
        # the view paints its whole background: Qt need not repaint the panel behind it
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def wheelEvent(self, event) -> None:  # let the scroll area scroll
        event.ignore()

    def resizeEvent(self, event) -> None:
        self._fit_height()            # may shrink the view (a nested resize) first:
        super().resizeEvent(event)    # then the scene follows the size it ends with
        self.sigResized.emit()

"""Shared building blocks: a titled :class:`Panel` frame and an
:class:`ImageView` (one pyqtgraph ``ImageItem`` with hover and click signals)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, qRgba
from PySide6.QtWidgets import (QFrame, QGraphicsRectItem, QHBoxLayout, QLabel, QSizePolicy,
                               QVBoxLayout, QWidget)

from .theme import Theme, to_indices


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
            font = self.font()
            font.setFamily("DejaVu Sans Mono")
            font.setStyleHint(font.StyleHint.Monospace)
            self.setFont(font)
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


class Panel(QFrame):
    """A rounded frame with a title, a grey subtitle (e.g. the shape), a body
    and an optional one-line read-out (hover values) under it."""

    def __init__(self, title: str, subtitle: str = "", tooltip: str = "",
                 readout: bool = True, readout_in_header: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 5)
        layout.setSpacing(2)
        header = QHBoxLayout()
        header.setSpacing(6)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("panelTitle")
        self.subtitle_label = QLabel(subtitle)
        self.subtitle_label.setObjectName("panelShape")
        self.subtitle_label.setMinimumWidth(1)   # may be clipped in a narrow panel
        header.addWidget(self.title_label)
        header.addWidget(self.subtitle_label)
        self.readout = TextLine(mono=True, align=Qt.AlignmentFlag.AlignRight if readout_in_header
                                else Qt.AlignmentFlag.AlignLeft)
        self.readout.setVisible(readout)
        if readout_in_header:  # compact: values on the title line, right-aligned
            header.addWidget(self.readout, 1)
        else:
            header.addStretch(1)
        layout.addLayout(header)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(2)
        layout.addLayout(self.body, 1)
        if not readout_in_header:
            layout.addWidget(self.readout)
        if tooltip:
            self.setToolTip(tooltip)

    def set_readout(self, text: str) -> None:
        self.readout.setText(text or "")


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


def bar_chart() -> pg.PlotWidget:
    """A bare ``PlotWidget`` for a row of :class:`BarsItem` bars: transparent,
    no mouse interaction, menu, buttons, left axis or margins."""
    plot = pg.PlotWidget(background=None)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setMenuEnabled(False)
    item = plot.getPlotItem()
    item.hideAxis("left")
    item.setContentsMargins(0, 0, 0, 0)
    return plot


def label_bar_slots(item: pg.PlotItem, k: int) -> None:
    """Bottom axis labels 0..k-1 under ``k`` bar slots, without tick marks."""
    axis = item.getAxis("bottom")
    axis.setTicks([[(i, str(i)) for i in range(k)]])
    axis.setStyle(tickLength=0)
    item.setXRange(-0.6, k - 0.4, padding=0)


class BarsItem(pg.GraphicsObject):
    """Vertical bars at x = 0..k-1 for a pyqtgraph plot, drawn directly.

    A lean stand-in for ``pg.BarGraphItem`` (which rebuilds brushes, a QPicture
    and pixel-exact bounds on every update): one ``fillRect`` per bar, a fixed
    bounding box, optional value labels drawn in screen pixels above the bars.
    """

    def __init__(self, k: int, width: float = 0.72):
        super().__init__()
        self.k, self.width = int(k), float(width)
        self.heights = np.zeros(self.k)
        self.colors: list[QColor] = [QColor("#888888")] * self.k
        self.labels: list[str] | None = None
        self.label_colors: list[QColor] | None = None
        self.label_font = None
        self._bounds = QRectF(-0.5, 0.0, self.k, 1.0)

    def set_bars(self, heights, colors, labels=None, label_colors=None) -> None:
        self.heights = np.asarray(heights, dtype=np.float64)
        self.colors, self.labels, self.label_colors = list(colors), labels, label_colors
        lo, hi = min(0.0, float(self.heights.min())), max(1e-9, float(self.heights.max()))
        bounds = QRectF(-0.5, lo, self.k, hi - lo)
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p, *args) -> None:
        half = self.width / 2.0
        for i, (h, color) in enumerate(zip(self.heights, self.colors)):
            if h != 0:
                p.fillRect(QRectF(i - half, min(0.0, h), self.width, abs(h)), color)
        if not self.labels:
            return
        transform = p.transform()
        p.save()
        p.resetTransform()
        if self.label_font is not None:
            p.setFont(self.label_font)
        fm = p.fontMetrics()
        spacing = transform.map(QPointF(1, 0)).x() - transform.map(QPointF(0, 0)).x()
        crowded = spacing < max(fm.horizontalAdvance(t) for t in self.labels) + 4
        top = int(np.argmax(self.heights))
        for i, (h, text) in enumerate(zip(self.heights, self.labels)):
            if not text or (crowded and i != top):   # too narrow: label the tallest only
                continue
            anchor = transform.map(QPointF(i, max(h, 0.0)))
            if self.label_colors:
                p.setPen(self.label_colors[i])
            w = fm.horizontalAdvance(text)
            p.drawText(QPointF(anchor.x() - w / 2.0, anchor.y() - 3), text)
        p.restore()


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
                 min_size: tuple[int, int] = (60, 40)):
        super().__init__(parent, background=None)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAntialiasing(False)        # pixel maps: nothing to smooth, cheaper paints
        self.setOptimizationFlag(self.OptimizationFlag.DontSavePainterState, True)
        self.view = pg.ViewBox(enableMouse=False, lockAspect=aspect_locked, invertY=True,
                               enableMenu=False, defaultPadding=0.0)
        self.setCentralItem(self.view)
        self.item = _HoverImageItem(self)
        self.view.addItem(self.item)
        self._highlight = QGraphicsRectItem()
        self._highlight.setZValue(10)
        self._highlight.setVisible(False)
        self.view.addItem(self._highlight)
        self._shape: tuple[int, int] | None = None
        self.array: np.ndarray | None = None
        self.setMinimumSize(*min_size)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: np.ndarray, levels: tuple[float, float], lut: np.ndarray) -> None:
        """Show ``image: (H, W)`` with index ``lut`` (see :mod:`gui.theme`)
        spanning ``levels``; NaN is transparent.

        The values are mapped to uint8 indices here, so pyqtgraph takes its
        fastest path (an indexed 8-bit QImage with a colour table) instead of
        rescaling floats and masking NaNs on every paint.
        """
        self.array = image
        self.item.setImage(to_indices(image, levels), levels=None, lut=lut, autoLevels=False)
        self.item.setVisible(True)
        if image.shape != self._shape:
            self._shape = image.shape
            self.view.setRange(QRectF(0, 0, image.shape[1], image.shape[0]), padding=0.0)

    def clear_image(self) -> None:
        self.array = None
        self.item.setVisible(False)
        self._highlight.setVisible(False)

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

    def apply_theme(self, theme: Theme) -> None:
        self.setBackground(theme.surface)
        # the view paints its whole background: Qt need not repaint the panel behind it
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def wheelEvent(self, event) -> None:  # let the scroll area scroll
        event.ignore()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.sigResized.emit()

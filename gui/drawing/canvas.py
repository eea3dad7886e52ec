"""The drawing area: white ink on a black square, like MNIST.

The drawing is kept as *vector strokes* in canvas units (x, y in [0, 1] of the
square's side, pen width as a fraction of the side), and rasterised with
anti-aliasing, round caps and round joins into a ``Format_Grayscale8``
:class:`QImage` the size of the square in device pixels. So the square can
grow with the window without blurring, undo/redo is a list operation, and the
image the model reads is exactly what is on screen.

The history (:class:`~gui.drawing.strokes.StrokeHistory`) is a list of
actions: a tuple of strokes (one mouse stroke, or a whole example digit) or a
clear; clearing is undoable too. While a stroke is being drawn only its
unfinished tail is re-rendered on each mouse move
(:class:`~gui.drawing.live_stroke.LiveStroke`), so the cost per move stays
constant however long the stroke gets. Points are joined by quadratic curves
through the segment midpoints (:mod:`gui.drawing.painting`), which gives
smooth curves from jittery mouse input.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .live_stroke import LiveStroke
from .painting import paint_stroke
from .strokes import (CLEAR, DEFAULT_BRUSH, MAX_BRUSH, MIN_BRUSH, MIN_SIDE, Stroke,
                      StrokeHistory, brush_to_fraction)

_MIN_STEP_PX = 1.0      # ignore mouse moves shorter than this (device pixels)


class DrawingCanvas(QWidget):
    """Square drawing widget; left button draws with the current tool, right
    button always erases.

    Signals: ``sigDrawingChanged()`` whenever the pixels change (also during a
    stroke), ``sigHistoryChanged()`` when undo/redo availability may have
    changed, ``sigBrushChanged(float)`` (brush width, reference pixels),
    ``sigEraserToggled(bool)``.
    """

    sigDrawingChanged = Signal()
    sigHistoryChanged = Signal()
    sigBrushChanged = Signal(float)
    sigEraserToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None, brush_width: float = DEFAULT_BRUSH):
        super().__init__(parent)
        self._history = StrokeHistory()
        self._brush = float(np.clip(brush_width, MIN_BRUSH, MAX_BRUSH))
        self._eraser = False
        self._image = QImage(1, 1, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self._live: LiveStroke | None = None   # the stroke being drawn
        self._live_button = Qt.MouseButton.NoButton
        self._hover: QPointF | None = None
        self._border = QColor("#8a94a3")
        self._hint_color = QColor("#8a94a3")
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Draw a digit with the left mouse button (right button erases). "
                        "The network reads this square live.")
        self.setAccessibleName("Drawing canvas")

    # ------------------------------------------------------------ public API
    def clear(self) -> None:
        """Blank the canvas (undoable). Also drops a stroke being drawn."""
        cancelled = self._cancel_live()
        if not self._history.visible():
            if cancelled:
                self.sigDrawingChanged.emit()
            return
        self._push(CLEAR)

    def undo(self) -> None:
        if self._live is None and self._history.undo():
            self._changed(history=True)

    def redo(self) -> None:
        if self._live is None and self._history.redo():
            self._changed(history=True)

    def can_undo(self) -> bool:
        return self._history.can_undo()

    def can_redo(self) -> bool:
        return self._history.can_redo()

    def is_blank(self) -> bool:
        """True when no stroke has been drawn since the last clear."""
        return self._live is None and not self._history.visible()

    def is_drawing(self) -> bool:
        """True while a mouse stroke is in progress."""
        return self._live is not None

    def draw_strokes(self, strokes, *, width: float | None = None, erase: bool = False) -> None:
        """Add strokes programmatically as one undoable action.

        :param strokes: iterable of point sequences ``[(x, y), ...]`` in canvas
            units (``[0, 1]``), or of :class:`Stroke` objects
        :param width: brush width in reference pixels (default: current brush)
        """
        frac = brush_to_fraction(self._brush if width is None else width)
        action = tuple(s if isinstance(s, Stroke) else
                       Stroke(tuple((float(x), float(y)) for x, y in s), frac, erase)
                       for s in strokes)
        if action:
            self._cancel_live()
            self._push(action)

    def strokes(self) -> list[Stroke]:
        """The strokes currently visible (after the last clear), oldest first."""
        return self._history.strokes()

    def brush_width(self) -> float:
        """Brush diameter in pixels of a 280-pixel canvas."""
        return self._brush

    def set_brush_width(self, width: float) -> None:
        width = float(np.clip(width, MIN_BRUSH, MAX_BRUSH))
        if width != self._brush:
            self._brush = width
            self.update()
            self.sigBrushChanged.emit(width)

    def eraser(self) -> bool:
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        on = bool(on)
        if on != self._eraser:
            self._eraser = on
            self.update()
            self.sigEraserToggled.emit(on)

    def to_array(self) -> np.ndarray:
        """The drawing as ``(S, S)`` uint8, 0 = background, 255 = ink (a copy)."""
        self._ensure_size()
        img = self._image
        h, w = img.height(), img.width()
        buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
        return buf.reshape(h, img.bytesPerLine())[:, :w].copy()

    def image_side(self) -> int:
        """Side of the backing image in device pixels."""
        return self._image.width()

    def square_rect(self) -> QRectF:
        """The drawing square in widget coordinates (centred horizontally, at the top)."""
        side = float(min(self.width(), self.height()))
        return QRectF((self.width() - side) / 2.0, 0.0, side, side)

    def set_colors(self, border: QColor, hint: QColor) -> None:
        self._border, self._hint_color = QColor(border), QColor(hint)
        self.update()

    # ------------------------------------------------------------ Qt overrides
    def sizeHint(self) -> QSize:
        return QSize(380, 380)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_SIDE, MIN_SIDE)

    def mousePressEvent(self, event) -> None:
        button = event.button()
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton) \
                or self._live is not None:
            return super().mousePressEvent(event)
        self._ensure_size()
        self._live = LiveStroke(self._image, self._to_canvas(event.position()),
                                brush_to_fraction(self._brush),
                                self._eraser or button == Qt.MouseButton.RightButton)
        self._live_button = button  # only this button's release ends the stroke
        self._render_live()
        self.sigDrawingChanged.emit()
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        old, self._hover = self._hover, pos
        if self._live is None:
            self._update_brush_outline(old, pos)
            return
        if not event.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            self._finish_live()   # the release happened outside our window
            return
        point = self._to_canvas(pos)
        last = self._live.last
        side = max(1, self._image.width())
        if max(abs(point[0] - last[0]), abs(point[1] - last[1])) * side < _MIN_STEP_PX:
            return
        self._live.add(point)
        self._render_live()
        self.sigDrawingChanged.emit()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._live is None or event.button() != self._live_button:
            return super().mouseReleaseEvent(event)
        point = self._to_canvas(event.position())
        if point != self._live.last:
            self._live.add(point)
            self._render_live()
        self._finish_live()
        event.accept()

    def _update_brush_outline(self, old: QPointF | None, new: QPointF | None) -> None:
        r = brush_to_fraction(self._brush) * self.square_rect().width() / 2.0 + 4
        for pos in (old, new):
            if pos is not None:
                self.update(QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r).toAlignedRect())

    def leaveEvent(self, event) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._target_side() != self._image.width():
            self._render_all()
            self.sigDrawingChanged.emit()

    def paintEvent(self, event) -> None:
        self._ensure_size()
        rect = self.square_rect()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        clip = QPainterPath()
        clip.addRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        p.setClipPath(clip)
        exposed = QRectF(event.rect()).intersected(rect)
        if self._image.width() == round(rect.width()) and not exposed.isEmpty():
            # 1:1 pixels: convert and blit only the exposed part
            p.drawImage(exposed, self._image, exposed.translated(-rect.x(), -rect.y()))
        else:
            p.drawImage(rect, self._image)
        if self.is_blank():
            p.setPen(self._hint_color)
            font = p.font()
            font.setPointSizeF(font.pointSizeF() * 1.3)
            p.setFont(font)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        if self._hover is not None and rect.contains(self._hover):
            radius = brush_to_fraction(self._brush) * rect.width() / 2.0
            erase = self._eraser or (self._live is not None and self._live.erase)
            for color, width in ((QColor(0, 0, 0, 160), 3.0), (QColor(255, 255, 255, 200), 1.2)):
                pen = QPen(color, width)
                if erase:
                    pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(self._hover, radius, radius)
        p.setClipping(False)
        p.setPen(QPen(self._border, 1.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        p.end()

    # ------------------------------------------------------------ internals
    def _push(self, action) -> None:
        self._history.push(action)
        self._changed(history=True)

    def _changed(self, history: bool) -> None:
        self._render_all()
        self.update()
        if history:
            self.sigHistoryChanged.emit()
        self.sigDrawingChanged.emit()

    def _target_side(self) -> int:
        side = min(self.width(), self.height())
        return max(1, int(round(side * self.devicePixelRatioF())))

    def _ensure_size(self) -> None:
        if self._target_side() != self._image.width():
            self._render_all()

    def _to_canvas(self, pos: QPointF) -> tuple[float, float]:
        rect = self.square_rect()
        side = max(rect.width(), 1.0)
        return ((pos.x() - rect.x()) / side, (pos.y() - rect.y()) / side)

    def _render_all(self) -> None:
        """Rasterise the visible history (and a live stroke) from scratch."""
        side = self._target_side()
        if self._image.width() != side:
            self._image = QImage(side, side, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in self._history.strokes():
            paint_stroke(painter, stroke.points, stroke.width * side, stroke.erase, side)
        painter.end()
        if self._live is not None:
            self._live.rebase(self._image)
            self._render_live()

    def _render_live(self) -> None:
        """The drawing with the live stroke so far -> ``self._image``; repaint
        only around the newest segments (plus the brush outline)."""
        self._image, touched = self._live.render()
        sq = self.square_rect()
        scale = sq.width() / max(self._image.width(), 1)
        self.update(QRectF(sq.x() + touched.x() * scale, sq.y() + touched.y() * scale,
                           touched.width() * scale, touched.height() * scale).toAlignedRect())

    def _finish_live(self) -> None:
        stroke, self._live = self._live.stroke(), None
        self._push((stroke,))

    def _cancel_live(self) -> bool:
        if self._live is None:
            return False
        self._live = None
        self._render_all()
        self.update()
        return True

"""The drawing area: white ink on a black square, like MNIST.

The drawing is kept as *vector strokes* in canvas units (x, y in [0, 1] of the
square's side, pen width as a fraction of the side), and rasterised with
anti-aliasing, round caps and round joins into a ``Format_Grayscale8``
:class:`QImage` the size of the square in device pixels. So the square can
grow with the window without blurring, undo/redo is a list operation, and the
image the model reads is exactly what is on screen.

The history (:class:`~gui.drawing.strokes.StrokeHistory`) is a list of
actions: a tuple of strokes (one mouse stroke, or a whole example digit), a
clear, or a placed 28x28 image (an MNIST test digit that the network reads
exactly, :mod:`gui.drawing.placed`); clearing is undoable too. While a
stroke is being drawn only its unfinished tail is re-rendered on each mouse move
(:class:`~gui.drawing.live_stroke.LiveStroke`), so the cost per move stays
constant however long the stroke gets. Points are joined by quadratic curves
through the segment midpoints (:mod:`gui.drawing.painting`), which gives
smooth curves from jittery mouse input.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..widgets.focus_visible import KeyboardFocusMark
from .live_stroke import LiveStroke
from .marks import CanvasMarks, Rect
from .overlay import (brush_outline_box, paint_brush_outline, paint_drawing, paint_frame,
                      paint_label, rounded_square)
from .painting import far_apart, grey_pixels, paint_actions
from .placed import PlacedImage
from .strokes import (CLEAR, DEFAULT_BRUSH, MAX_BRUSH, MIN_BRUSH, MIN_SIDE, MIN_STEP, Stroke,
                      StrokeHistory, as_strokes, brush_to_fraction)

_MIN_STEP_PX = 1.0      # ignore mouse moves shorter than this (device pixels) or MIN_STEP pens


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
        self._border, self._hint_color = QColor("#8a94a3"), QColor("#8a94a3")
        self._marks = CanvasMarks()   # saliency overlay and highlight (screen only)
        self._focus_mark = KeyboardFocusMark(self)   # a ring while Tab has put the focus here
        self.setMouseTracking(True)
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
        if self._history.visible():
            self._push(CLEAR)
        elif cancelled:
            self.sigDrawingChanged.emit()

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
        """True when nothing (no stroke, no placed image) is shown since the last clear."""
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
        action = as_strokes(strokes, brush_to_fraction(self._brush if width is None else width),
                            erase)
        if action:
            self._cancel_live()
            self._push(action)

    def strokes(self) -> list[Stroke]:
        """The strokes currently visible (after the last clear), oldest first."""
        return self._history.strokes()

    def place_image(self, pixels: np.ndarray, caption: str = "") -> None:
        """Replace the drawing with a ``(28, 28)`` uint8 image (white ink on
        black), nearest-upsampled; one undoable step. ``caption`` is shown in
        a corner while it is (plain text)."""
        placed = PlacedImage.of(pixels, caption)
        self._cancel_live()
        self._push(placed)

    def placed_input(self) -> np.ndarray | None:
        """``(1, 28, 28)`` float32: the placed image as the network reads it,
        while the canvas shows it alone (nothing drawn over it); else None."""
        placed = self._history.placed()
        exact = placed is not None and self._live is None and len(self._history.visible()) == 1
        return placed.network_input() if exact else None

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
        return grey_pixels(self._image)

    def image_side(self) -> int:
        """Side of the backing image in device pixels."""
        return self._image.width()

    def square_rect(self) -> QRectF:
        """The drawing square in widget coordinates (centred horizontally, at the top)."""
        side = float(min(self.width(), self.height()))
        return QRectF((self.width() - side) / 2.0, 0.0, side, side)

    def set_overlay(self, rgba: np.ndarray | None, rect: Rect | None) -> None:
        """Show ``rgba (h, w, 4)`` smoothly over ``rect`` (see :mod:`.marks`); None hides it."""
        self._marks.set_overlay(rgba, rect)
        self.update()

    def set_highlight(self, rect: Rect | None) -> None:
        """Outline ``rect`` (canvas-image pixels) thinly and brightly; None hides it."""
        self._marks.set_highlight(rect)
        self.update()

    def marks(self) -> tuple[Rect | None, Rect | None]:   # (overlay, highlight) rectangles shown
        return self._marks.overlay_rect, self._marks.highlight

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
        if not self._far_enough(point):
            return
        self._live.add(point)
        self._render_live()
        self.sigDrawingChanged.emit()
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._live is None or event.button() != self._live_button:
            return super().mouseReleaseEvent(event)
        point = self._to_canvas(event.position())
        if self._far_enough(point):
            self._live.add(point)
            self._render_live()
        self._finish_live()
        event.accept()

    def _update_brush_outline(self, old: QPointF | None, new: QPointF | None) -> None:
        radius = brush_to_fraction(self._brush) * self.square_rect().width() / 2.0
        for pos in (p for p in (old, new) if p is not None):
            self.update(brush_outline_box(pos, radius))

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
        p.setClipPath(rounded_square(rect))
        paint_drawing(p, rect, self._image, QRectF(event.rect()))
        self._marks.paint(p, rect, self._image.width())
        paint_label(p, rect, self.is_blank(), self._history.placed(), self._hint_color)
        if self._hover is not None and rect.contains(self._hover):
            paint_brush_outline(p, self._hover, brush_to_fraction(self._brush) * rect.width() / 2,
                                self._eraser or (self._live is not None and self._live.erase))
        p.setClipping(False)
        ring = self.palette().color(QPalette.ColorRole.Highlight) if self._focus_mark.shown else None
        paint_frame(p, rect, self._border, ring)
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

    def _far_enough(self, point: tuple[float, float]) -> bool:
        """True if ``point`` is far enough from the live stroke's last point to be
        added (at least a device pixel and :data:`MIN_STEP` pen widths)."""
        gap = max(_MIN_STEP_PX / max(1, self._image.width()), MIN_STEP * self._live.width)
        return far_apart(self._live.last, point, gap)

    def _render_all(self) -> None:
        """Rasterise the visible history (and a live stroke) from scratch."""
        side = self._target_side()
        if self._image.width() != side:
            self._image = QImage(side, side, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint_actions(painter, self._history.visible(), side)
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

"""What the canvas shows over the drawing to explain the network (on screen
only; the network never sees it): a translucent saliency overlay, smoothly
scaled over the part of the canvas the network input covers (its edge
dashed: beyond it the network sees nothing), and a
highlighted rectangle (the receptive field of a unit under the mouse).

Rectangles are ``(top, left, bottom, right)`` in canvas-image pixels (the
canvas image is :meth:`DrawingCanvas.image_side` pixels square; pixel
``(r, c)`` covers ``[r, r+1) x [c, c+1)``), as
:meth:`engine.data.frame_map.FrameMap.canvas_rect` returns them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

Rect = tuple[float, float, float, float]

HIGHLIGHT = QColor("#22e0ff")
"""The highlight's outline: a bright cyan, over a dark edge so it shows on ink too."""
VIEW_EDGE = QColor(255, 255, 255, 70)
"""The dashed edge of the overlay (where the network's 28x28 view ends): faint
white, so the dark canvas beyond it reads as unseen, not as a broken picture."""


def rgba_image(rgba: np.ndarray) -> QImage:
    """``(h, w, 4)`` uint8 RGBA (not premultiplied) -> a QImage that owns its
    pixels, premultiplied (the fastest format to scale and blend)."""
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"an overlay must be (h, w, 4) RGBA, got {rgba.shape}")
    h, w = rgba.shape[:2]
    image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)  # a copy


def widget_rect(rect: Rect, square: QRectF, image_side: int) -> QRectF:
    """A canvas-image rectangle in widget coordinates (the image fills ``square``)."""
    k = square.width() / max(image_side, 1)
    top, left, bottom, right = rect
    return QRectF(square.x() + left * k, square.y() + top * k, (right - left) * k,
                  (bottom - top) * k)


class CanvasMarks:
    """The overlay image with its rectangle, and the highlight rectangle, of
    one canvas; :meth:`paint` draws them (the canvas clips to its square)."""

    def __init__(self) -> None:
        self._overlay: QImage | None = None
        self._overlay_rect: Rect | None = None
        self._highlight: Rect | None = None

    @property
    def overlay_rect(self) -> Rect | None:
        """Where the overlay is drawn (canvas-image pixels), None when hidden."""
        return self._overlay_rect if self._overlay is not None else None

    @property
    def highlight(self) -> Rect | None:
        return self._highlight

    def set_overlay(self, rgba: np.ndarray | None, rect: Rect | None) -> None:
        """Show ``rgba (h, w, 4)`` stretched over ``rect``; None for either hides it."""
        if rgba is None or rect is None:
            self._overlay, self._overlay_rect = None, None
        else:
            self._overlay, self._overlay_rect = rgba_image(rgba), tuple(map(float, rect))

    def set_highlight(self, rect: Rect | None) -> None:
        self._highlight = None if rect is None else tuple(map(float, rect))

    def paint(self, painter: QPainter, square: QRectF, image_side: int) -> None:
        """Draw the overlay (bilinear) and the highlight over the drawing in ``square``."""
        if self._overlay is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            view = widget_rect(self._overlay_rect, square, image_side)
            painter.drawImage(view, self._overlay)
            edge = QPen(VIEW_EDGE, 1.0, Qt.PenStyle.DashLine)
            edge.setCosmetic(True)
            painter.setPen(edge)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(view.adjusted(0.5, 0.5, -0.5, -0.5))
        if self._highlight is not None:
            box = widget_rect(self._highlight, square, image_side)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for color, width in ((QColor(0, 0, 0, 170), 3.5), (HIGHLIGHT, 1.5)):
                painter.setPen(QPen(color, width))
                painter.drawRect(box)

"""What the canvas paints over the drawing on screen only (the network never
sees it): the hint on an empty canvas, the caption of a placed test digit and
the brush outline under the mouse; and the drawing itself, blitted. (The
explanations' overlay and highlight are :mod:`gui.drawing.marks`.)"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from .placed import PlacedImage

HINT = "Draw a digit here"
CAPTION_COLOR = QColor("#aeb6c2")
"""Caption text: light grey, readable on the black square in both themes."""


def rounded_square(square: QRectF, inset: float = 0.5) -> QPainterPath:
    """The drawing square's outline (corners rounded by 6 px), inset by
    ``inset`` pixels: half a pixel (the default) so that a 1 px line along it
    is crisp; the canvas clips to it and draws its border along it."""
    path = QPainterPath()
    path.addRoundedRect(square.adjusted(inset, inset, -inset, -inset), 6, 6)
    return path


def paint_frame(p: QPainter, square: QRectF, border: QColor, ring: QColor | None) -> None:
    """The square's frame: a 1 px ``border``, or, while the keyboard's focus
    is on the canvas, a 2 px ``ring`` (drawn inside the widget, unclipped)."""
    if ring is None:
        p.strokePath(rounded_square(square), QPen(border, 1.0))
    else:
        p.strokePath(rounded_square(square, inset=1.0), QPen(ring, 2.0))


def paint_hint(painter: QPainter, square: QRectF, color: QColor) -> None:
    """The hint, centred in the drawing square, a little larger than the UI font."""
    painter.setPen(color)
    font = painter.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    painter.setFont(font)
    painter.drawText(square, Qt.AlignmentFlag.AlignCenter, HINT)


def paint_caption(painter: QPainter, square: QRectF, text: str) -> None:
    """``text`` (plain, one line, elided) in the top-left corner of the square,
    where an MNIST digit's frame has no ink."""
    painter.setPen(CAPTION_COLOR)
    font = painter.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    painter.setFont(font)
    box = square.adjusted(8, 6, -8, -6)
    text = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()))
    painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                     | Qt.TextFlag.TextSingleLine, text)


def paint_brush_outline(painter: QPainter, centre: QPointF, radius: float, erase: bool) -> None:
    """The brush's circle (``radius`` widget pixels), dashed for the eraser,
    dark and light so it shows on ink and on background."""
    for color, width in ((QColor(0, 0, 0, 160), 3.0), (QColor(255, 255, 255, 200), 1.2)):
        pen = QPen(color, width)
        if erase:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(centre, radius, radius)


def paint_drawing(painter: QPainter, square: QRectF, image: QImage, exposed: QRectF) -> None:
    """The drawing ``image`` filling ``square``; at 1:1 pixels only the part
    in ``exposed`` (widget coordinates) is converted and blitted."""
    exposed = exposed.intersected(square)
    if image.width() == round(square.width()) and not exposed.isEmpty():
        painter.drawImage(exposed, image, exposed.translated(-square.x(), -square.y()))
    else:
        painter.drawImage(square, image)


def paint_label(painter: QPainter, square: QRectF, blank: bool, placed: PlacedImage | None,
                hint_color: QColor) -> None:
    """The hint on a blank canvas, else the caption of the ``placed`` digit (if any)."""
    if blank:
        paint_hint(painter, square, hint_color)
    elif placed is not None and placed.caption:
        paint_caption(painter, square, placed.caption)


def brush_outline_box(centre: QPointF, radius: float) -> QRect:
    """The widget pixels the brush outline around ``centre`` may touch."""
    r = radius + 4
    return QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r).toAlignedRect()

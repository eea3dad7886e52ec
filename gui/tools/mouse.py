"""Real mouse input for the canvas.

Presses and releases go through ``QTest``; moves are ``QMouseEvent`` objects
with ``buttons=LeftButton`` sent with ``QApplication.sendEvent``, because
``QTest.mouseMove`` does not report a held button on every Qt version.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ..drawing.examples import EXAMPLES


def to_widget(canvas, points):
    """Canvas units ([0, 1] of the drawing square) -> widget pixel positions."""
    rect = canvas.square_rect()
    return [QPointF(rect.x() + x * rect.width(), rect.y() + y * rect.height()) for x, y in points]


def press(canvas, pos: QPointF, button=Qt.MouseButton.LeftButton):
    QTest.mousePress(canvas, button, Qt.KeyboardModifier.NoModifier, pos.toPoint())


def move(canvas, pos: QPointF, buttons=Qt.MouseButton.LeftButton):
    event = QMouseEvent(QEvent.Type.MouseMove, pos, canvas.mapToGlobal(pos),
                        Qt.MouseButton.NoButton, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, event)


def release(canvas, pos: QPointF, button=Qt.MouseButton.LeftButton):
    QTest.mouseRelease(canvas, button, Qt.KeyboardModifier.NoModifier, pos.toPoint())


def drag(canvas, points, button=Qt.MouseButton.LeftButton, qtbot=None, wait_ms=0):
    """Press at ``points[0]``, move through the rest, release at the last
    (widget pixel positions). With ``qtbot``, let the event loop run
    ``wait_ms`` after every move, like a person drawing."""
    press(canvas, points[0], button)
    for p in points[1:]:
        move(canvas, p, button)
        if qtbot is not None:
            qtbot.wait(wait_ms)
    release(canvas, points[-1], button)


def draw_digit(canvas, digit: int, qtbot=None):
    """Draw the built-in example ``digit`` with real mouse strokes."""
    for stroke in EXAMPLES[digit]:
        drag(canvas, to_widget(canvas, stroke[::2] + [stroke[-1]]), qtbot=qtbot)


def point(canvas, x: float, y: float) -> QPoint:
    return to_widget(canvas, [(x, y)])[0].toPoint()


def image_point(view, y: float, x: float):
    """Widget position (in ``view``'s viewport) of image pixel ``(y, x)`` of an
    :class:`gui.widgets.image_view.ImageView`."""
    scene = view.view.mapViewToScene(QPointF(x, y))
    return view.mapFromScene(scene)

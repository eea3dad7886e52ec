"""What the explanations draw over the canvas and the network input (the
overlay stretched over a rectangle, the receptive-field outline), and the
toolbar keeping the "Why?" box and every right-hand button in a narrow window."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QToolBar

from gui.drawing.marks import HIGHLIGHT

SIDE = 280


def pixel(widget, x: float, y: float):
    return widget.grab().toImage().pixelColor(int(x), int(y))


def test_the_overlay_is_stretched_over_its_rectangle_and_never_reaches_the_network(make_canvas):
    canvas = make_canvas(SIDE)
    side = canvas.image_side()
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[:, :14] = (255, 0, 0, 255)                   # left half opaque red, right half clear
    canvas.set_overlay(rgba, (0.0, 0.0, side / 2, side / 2))   # the top-left quarter
    square = canvas.square_rect()
    k = square.width() / side
    at = lambda r, c: pixel(canvas, square.x() + c * k, square.y() + r * k)  # noqa: E731
    assert at(side * 0.25, side * 0.1).red() > 200 and at(side * 0.25, side * 0.1).green() < 40
    assert at(side * 0.25, side * 0.4).red() < 40       # the clear half: the black canvas
    assert at(side * 0.75, side * 0.1).red() < 40       # outside the rectangle: nothing
    assert canvas.to_array().max() == 0                 # on screen only
    assert canvas.marks()[0] == (0.0, 0.0, side / 2, side / 2)
    canvas.set_overlay(None, None)
    assert canvas.marks() == (None, None)
    assert at(side * 0.25, side * 0.1).red() < 40


def test_the_overlay_s_edge_inside_the_canvas_is_marked_where_the_network_s_view_ends(
        make_canvas):
    canvas = make_canvas(SIDE)
    side = canvas.image_side()
    canvas.set_overlay(np.zeros((28, 28, 4), np.uint8), (0.0, 0.0, side / 3, side / 2))
    square = canvas.square_rect()                          # (above the blank canvas's hint)
    k = square.width() / side
    image = canvas.grab().toImage()
    edge_row = int(square.y() + side / 3 * k) - 1          # the overlay's last row
    along = [image.pixelColor(int(square.x() + c * k), edge_row).lightness()
             for c in range(4, side // 2 - 4)]
    assert max(along) > 30 and min(along) < 10            # a faint dashed line on black
    below = [image.pixelColor(int(square.x() + c * k), edge_row + 6).lightness()
             for c in range(4, side // 2 - 4)]
    assert max(below) < 10                                 # beyond it: the plain canvas
    canvas.set_overlay(None, None)
    image = canvas.grab().toImage()
    assert max(image.pixelColor(int(square.x() + c * k), edge_row).lightness()
               for c in range(4, side // 2 - 4)) < 10      # no overlay: no edge


def test_the_highlight_is_a_thin_bright_outline(make_canvas):
    canvas = make_canvas(SIDE)
    side = canvas.image_side()
    canvas.set_highlight((side * 0.25, side * 0.25, side * 0.75, side * 0.75))
    square = canvas.square_rect()
    k = square.width() / side
    edge = pixel(canvas, square.x() + side * 0.5 * k, square.y() + side * 0.25 * k)
    inside = pixel(canvas, square.x() + side * 0.35 * k, square.y() + side * 0.35 * k)
    assert edge.blue() > 150 and edge.green() > 150 and edge.red() < 120   # cyan line
    assert inside.blue() < 30                                              # not filled
    assert canvas.marks()[1] == (side * 0.25, side * 0.25, side * 0.75, side * 0.75)
    canvas.set_highlight(None)
    assert pixel(canvas, square.x() + side * 0.5 * k, square.y() + side * 0.25 * k).blue() < 30


def test_the_input_view_outlines_a_receptive_field_in_input_pixels(window):
    view = window.input_view
    view.set_highlight((3, 5, 8, 10))               # rows 3-7, columns 5-9
    assert view.view.highlight() == QRectF(5, 3, 5, 5)
    image = view.view.grab().toImage()
    corner = view.view.mapFromScene(view.view.view.mapViewToScene(QPointF(5, 5.5)))
    seen = image.pixelColor(corner.x(), corner.y())
    assert abs(seen.green() - HIGHLIGHT.green()) < 60 and seen.blue() > 150   # the left edge
    view.set_highlight(None)
    assert view.view.highlight() is None


def test_a_narrow_window_keeps_the_why_box_and_every_right_hand_button(make_window,
                                                                       playground_model, qtbot):
    window = make_window(playground_model, size=(980, 640))
    bar = window.findChild(QToolBar, "tools")
    right = [bar.widgetForAction(a) for a in (window.open_action, window.reset_action,
                                              window.normalise_action, window.dark_action)]
    qtbot.waitUntil(lambda: all(w.isVisible() for w in right))   # the examples button made room
    box = window.toolbar.why_box
    assert box.isVisible() and box.geometry().right() < right[0].geometry().left()
    slider, examples = window.toolbar.brush_slider, window.toolbar.examples_button
    narrow = slider.width()
    assert not examples.isVisible()
    window.resize(1400, 760)                       # wide: the examples and a longer slider return
    qtbot.waitUntil(examples.isVisible)
    assert slider.width() > narrow and all(w.isVisible() for w in right)

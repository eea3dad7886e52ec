"""The drawing canvas: real mouse strokes, anti-aliasing, brush, eraser,
undo/redo, clear, resizing."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gui.drawing.strokes import DEFAULT_BRUSH, MAX_BRUSH, MIN_BRUSH, REFERENCE_SIDE

from gui.tools.mouse import drag, move, press, release, to_widget

SIDE = 300


@pytest.fixture
def canvas(make_canvas):
    widget = make_canvas(SIDE)
    return widget


def horizontal(canvas, y=0.5, x0=0.2, x1=0.8, n=12):
    return to_widget(canvas, [(x0 + (x1 - x0) * i / (n - 1), y) for i in range(n)])


def test_blank_canvas_has_no_ink(canvas):
    image = canvas.to_array()
    assert image.shape == (SIDE, SIDE) and image.dtype == np.uint8
    assert image.max() == 0
    assert canvas.is_blank() and not canvas.can_undo()


def test_mouse_drag_draws_smooth_antialiased_ink(canvas):
    drag(canvas, horizontal(canvas))
    image = canvas.to_array()
    assert image[SIDE // 2, SIDE // 2] == 255                 # on the stroke
    assert image[SIDE // 2, int(0.5 * SIDE)] == 255
    assert image[int(0.2 * SIDE), SIDE // 2] == 0               # far from it
    edge = image[(image > 0) & (image < 255)]
    assert edge.size > 50, "anti-aliased edges have intermediate grey levels"
    assert not canvas.is_blank() and canvas.can_undo()


def test_press_without_move_paints_a_round_dot(canvas):
    center = to_widget(canvas, [(0.5, 0.5)])[0]
    press(canvas, center)
    release(canvas, center)
    image = canvas.to_array().astype(np.float64) / 255.0
    radius = DEFAULT_BRUSH / REFERENCE_SIDE * SIDE / 2
    assert image.sum() == pytest.approx(np.pi * radius ** 2, rel=0.1)  # a disc: round cap
    ys, xs = np.nonzero(image > 0.5)
    assert abs((xs.max() - xs.min()) - (ys.max() - ys.min())) <= 1


def test_drawing_happens_during_the_stroke(canvas, qtbot):
    changes = []
    canvas.sigDrawingChanged.connect(lambda: changes.append(canvas.to_array().sum()))
    pts = horizontal(canvas)
    press(canvas, pts[0])
    for p in pts[1:6]:
        move(canvas, p)
    assert canvas.is_drawing()
    assert len(changes) >= 5 and changes[-1] > changes[0] > 0   # ink grows before release
    release(canvas, pts[5])
    assert not canvas.is_drawing()


def test_brush_width_changes_stroke_thickness(canvas):
    def ink_for(width):
        canvas.clear()
        canvas.set_brush_width(width)
        drag(canvas, horizontal(canvas))
        column = canvas.to_array()[:, SIDE // 2] > 127
        return column.sum()

    thin, thick = ink_for(10), ink_for(40)
    assert thin == pytest.approx(10 / REFERENCE_SIDE * SIDE, abs=2)
    assert thick == pytest.approx(40 / REFERENCE_SIDE * SIDE, abs=2)


def test_brush_width_is_clamped_and_announced(canvas, qtbot):
    with qtbot.waitSignal(canvas.sigBrushChanged) as blocker:
        canvas.set_brush_width(1000)
    assert blocker.args == [MAX_BRUSH] and canvas.brush_width() == MAX_BRUSH
    canvas.set_brush_width(0)
    assert canvas.brush_width() == MIN_BRUSH


def test_eraser_removes_ink_along_its_path(canvas):
    drag(canvas, horizontal(canvas))
    canvas.set_eraser(True)
    drag(canvas, to_widget(canvas, [(0.5, 0.3), (0.5, 0.7)]))
    image = canvas.to_array()
    assert image[SIDE // 2, SIDE // 2] == 0                     # erased where crossed
    assert image[SIDE // 2, int(0.3 * SIDE)] == 255             # kept elsewhere
    canvas.set_eraser(False)
    drag(canvas, to_widget(canvas, [(0.5, 0.45), (0.5, 0.55)]))
    assert canvas.to_array()[SIDE // 2, SIDE // 2] == 255       # pen again


def test_right_button_always_erases(canvas):
    drag(canvas, horizontal(canvas))
    drag(canvas, to_widget(canvas, [(0.5, 0.3), (0.5, 0.7)]), button=Qt.MouseButton.RightButton)
    assert canvas.to_array()[SIDE // 2, SIDE // 2] == 0
    assert not canvas.eraser()


def test_undo_redo_restore_each_stroke(canvas):
    drag(canvas, horizontal(canvas, y=0.3))
    first = canvas.to_array()
    drag(canvas, horizontal(canvas, y=0.7))
    second = canvas.to_array()
    assert not np.array_equal(first, second)
    canvas.undo()
    assert np.array_equal(canvas.to_array(), first)
    assert canvas.can_redo()
    canvas.redo()
    assert np.array_equal(canvas.to_array(), second)
    canvas.undo()
    canvas.undo()
    assert canvas.to_array().max() == 0 and not canvas.can_undo()
    canvas.redo()
    assert np.array_equal(canvas.to_array(), first)
    drag(canvas, horizontal(canvas, y=0.5))                      # a new stroke ...
    assert not canvas.can_redo()                                 # ... drops the redo stack


def test_clear_is_undoable(canvas, qtbot):
    drag(canvas, horizontal(canvas))
    drawn = canvas.to_array()
    with qtbot.waitSignal(canvas.sigDrawingChanged):
        canvas.clear()
    assert canvas.is_blank() and canvas.to_array().max() == 0
    canvas.undo()
    assert np.array_equal(canvas.to_array(), drawn)


def test_drawing_scales_with_the_canvas(canvas, qtbot):
    drag(canvas, horizontal(canvas, y=0.25, x0=0.1, x1=0.4))
    before = canvas.to_array() > 127
    canvas.resize(2 * SIDE, 2 * SIDE)
    qtbot.waitUntil(lambda: canvas.image_side() == 2 * SIDE)
    after = canvas.to_array() > 127

    def centroid(mask):
        ys, xs = np.nonzero(mask)
        return np.array([ys.mean(), xs.mean()]) / mask.shape[0]

    assert after.shape == (2 * SIDE, 2 * SIDE)
    assert np.allclose(centroid(before), centroid(after), atol=0.01)
    assert after.sum() == pytest.approx(4 * before.sum(), rel=0.05)   # pen scales too


def test_programmatic_strokes_are_one_undo_step(canvas):
    canvas.draw_strokes([[(0.2, 0.2), (0.8, 0.2)], [(0.2, 0.8), (0.8, 0.8)]])
    assert len(canvas.strokes()) == 2
    canvas.undo()
    assert canvas.is_blank()


def test_release_outside_the_window_ends_the_stroke(canvas):
    pts = horizontal(canvas)
    press(canvas, pts[0])
    move(canvas, pts[3])
    move(canvas, pts[5], buttons=Qt.MouseButton.NoButton)       # button already up
    assert not canvas.is_drawing() and canvas.can_undo()
    assert canvas.to_array()[SIDE // 2, int(0.3 * SIDE)] == 255


def test_hover_does_not_draw(canvas):
    move(canvas, QPointF(150, 150), buttons=Qt.MouseButton.NoButton)
    assert canvas.to_array().max() == 0


def test_clear_during_a_stroke_drops_it(canvas, qtbot):
    pts = horizontal(canvas)
    press(canvas, pts[0])
    move(canvas, pts[4])
    assert canvas.to_array().max() == 255
    with qtbot.waitSignal(canvas.sigDrawingChanged):
        canvas.clear()
    assert canvas.to_array().max() == 0 and not canvas.is_drawing()
    release(canvas, pts[4])
    assert canvas.to_array().max() == 0

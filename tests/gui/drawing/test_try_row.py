"""The "Try: 0 ... 9" row on the empty canvas: shown at launch over the
bottom of the drawing square, a click draws that example digit, hidden as
soon as anything is on the canvas, back when it is empty again."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest

from gui.drawing.examples import EXAMPLES
from gui.drawing.try_row import TryRow
from gui.tools.mouse import drag, to_widget


def try_row(window) -> TryRow:
    return window.findChild(TryRow)


def row_rect(window) -> QRect:
    row = try_row(window)
    return QRect(row.mapTo(window, QPoint(0, 0)), row.size())


@pytest.mark.parametrize("size", [(980, 640), (1240, 760), (1920, 1080)])
def test_the_row_lies_inside_the_empty_square_at_launch(make_window, playground_model, size):
    window = make_window(playground_model, size=size)
    row = try_row(window)
    assert row.isVisible() and window.canvas.is_blank()
    square = window.canvas.square_rect().toRect().translated(window.canvas.mapTo(window, QPoint()))
    assert square.contains(row_rect(window)), (square, row_rect(window))
    assert square.bottom() - row_rect(window).bottom() < square.height() // 5   # near the bottom
    assert [b.text() for b in row.buttons] == [str(d) for d in range(10)]
    for b in row.buttons:
        assert b.isVisible() and b.width() >= 18


def test_a_click_draws_the_example_and_the_row_comes_back_when_empty(window, qtbot):
    row = try_row(window)
    QTest.mouseClick(row.buttons[3], Qt.MouseButton.LeftButton)
    strokes = window.canvas.strokes()
    assert [list(s.points) for s in strokes] == [[tuple(p) for p in s] for s in EXAMPLES[3]]
    assert not row.isVisible()
    assert window.current_probabilities() is not None
    window.canvas.clear()
    assert row.isVisible()
    window.canvas.undo()                                  # the 3 again
    assert not row.isVisible()
    window.canvas.clear()
    drag(window.canvas, to_widget(window.canvas, [(0.3, 0.3), (0.4, 0.5)]))
    assert not row.isVisible()                             # a drawn stroke hides it too


def test_the_buttons_are_keyboard_reachable_and_name_the_shortcut(window, qtbot):
    row = try_row(window)
    button = row.buttons[7]
    assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert "Ctrl+7" in button.toolTip() and "Ctrl+0" in button.toolTip()
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    QTest.keyClick(button, Qt.Key.Key_Space)
    assert len(window.canvas.strokes()) == len(EXAMPLES[7])

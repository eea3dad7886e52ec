"""Adding a sample from under the network input moves nothing: the "It's a…"
panel stays as wide as the network input whatever its title says, so the
prediction beside them keeps its place and size."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gui.tools.mouse import draw_digit


def places(window) -> dict:
    """Each left-column view's rectangle in the window's coordinates."""
    views = {"input": window.input_view, "teach": window.left_column.teach_row,
             "prediction": window.prediction_view}
    return {name: (view.mapTo(window, QPoint(0, 0)), view.size()) for name, view in views.items()}


@pytest.mark.parametrize("size", [(980, 640), (1240, 760), (1900, 1150)])
def test_adding_and_undoing_a_sample_moves_nothing(make_window, playground_model, qtbot,
                                                  personal_path, size):
    window = make_window(playground_model, size=size)
    row = window.left_column.teach_row
    draw_digit(window.canvas, 3, qtbot)
    qtbot.waitUntil(lambda: not window.controller.has_pending() and row.is_ready())
    qtbot.waitUntil(lambda: row.width() == window.input_view.width())
    before = places(window)
    QTest.mouseClick(row.digit_buttons[8], Qt.MouseButton.LeftButton)    # "it's an 8"
    qtbot.waitUntil(row.undo_button.isVisible)
    assert row.title_text().startswith("Added")
    qtbot.wait(50)                                   # let any re-layout happen
    assert places(window) == before
    QTest.mouseClick(row.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not row.undo_button.isVisible())
    qtbot.wait(50)
    assert places(window) == before
    assert all(button.width() >= 14 for button in row.digit_buttons)

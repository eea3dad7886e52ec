"""The drawing -> prediction pipeline: requests are merged, runs follow the drawing."""
from __future__ import annotations

from gui.tools.mouse import move, press, release, to_widget


def test_mouse_moves_are_coalesced_into_one_run(window, qtbot):
    canvas = window.canvas
    pts = to_widget(canvas, [(0.2 + 0.03 * i, 0.5) for i in range(20)])
    press(canvas, pts[0])
    qtbot.wait(20)
    runs = window.controller.runs
    for p in pts[1:]:                 # 19 moves before the event loop runs again
        move(canvas, p)
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    assert window.controller.runs == runs + 1
    release(canvas, pts[-1])


def test_a_single_dot_asks_for_a_whole_digit_not_for_any_drawing(window, qtbot):
    from gui.inspect.prediction_view import PLACEHOLDER
    from gui.state.prediction import TOO_LITTLE_INK
    canvas = window.canvas
    assert window.prediction_view.placeholder.text() == PLACEHOLDER      # empty canvas
    dot = to_widget(canvas, [(0.5, 0.5)])[0]
    press(canvas, dot)
    release(canvas, dot)
    result = window.current_result()
    assert result.empty and result.problem == TOO_LITTLE_INK
    qtbot.waitUntil(lambda: window.prediction_view.placeholder.text() == TOO_LITTLE_INK)
    canvas.clear()
    assert window.current_result().problem is None

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

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


def test_a_weight_refresh_reframes_the_drawing_only_when_it_changed(window, qtbot):
    """A weight snapshot predicts the same drawing again: the framing is
    reused (same input, same numbers); a new stroke or another framing frames anew."""
    import numpy as np

    from engine.data.framing import frame_drawing
    canvas, controller = window.canvas, window.controller
    pts = to_widget(canvas, [(0.5, 0.2 + 0.05 * i) for i in range(12)])
    press(canvas, pts[0])
    for p in pts[1:]:
        move(canvas, p)
    release(canvas, pts[-1])
    qtbot.waitUntil(lambda: not controller.has_pending())
    before = controller.framings_made
    first = controller.update_now()
    again = controller.update_now()
    assert controller.framings_made == before         # nothing new drawn: not framed again
    expected = frame_drawing(canvas.to_array(), controller.framing)[0][0]
    assert np.array_equal(first.image, expected) and np.array_equal(again.image, expected)
    assert first.image is not again.image           # each result owns its input
    assert np.array_equal(first.probabilities, again.probabilities)
    more = to_widget(canvas, [(0.3, 0.5), (0.7, 0.5)])
    press(canvas, more[0])
    move(canvas, more[1])
    release(canvas, more[1])
    qtbot.waitUntil(lambda: not controller.has_pending())
    assert controller.framings_made > before
    changed = controller.update_now()
    assert np.array_equal(changed.image, frame_drawing(canvas.to_array(), controller.framing)[0][0])
    assert not np.array_equal(changed.image, first.image)

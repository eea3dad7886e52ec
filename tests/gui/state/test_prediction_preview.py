"""Previews (an input shown instead of the drawing) and the framing switch."""
from __future__ import annotations

import numpy as np
import pytest

from gui.tools.mouse import drag, to_widget


def test_a_preview_replaces_the_drawing_until_the_drawing_changes(window, qtbot):
    window.draw_example(4)
    drawn = window.current_result()
    assert not drawn.preview and not drawn.empty
    seven = window.controller.predict(None, None)  # nothing: the drawing's own input is kept
    assert seven.empty
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 6:8, 8:21] = 1.0                           # a "7": a bar and a slanted stroke
    for i in range(14):
        x[0, 8 + i, 19 - i // 2] = 1.0
    with qtbot.waitSignal(window.controller.sigPredictionUpdated) as shown:
        window.controller.show_preview(x)
    result = shown.args[0]
    assert result.preview and window.controller.previewing and result.frame_map is None
    np.testing.assert_array_equal(result.image, x[0])
    assert window.input_view.image is result.image           # the views show the preview
    assert drawn.image is not None and not np.array_equal(result.image, drawn.image)
    # a stroke ends the preview: the drawing is shown again
    drag(window.canvas, to_widget(window.canvas, [(0.1, 0.1), (0.15, 0.12)]))
    qtbot.waitUntil(lambda: not window.controller.previewing)
    after = window.current_result()
    assert not after.preview and after.frame_map is not None


def test_end_preview_shows_the_drawing_again(window, qtbot):
    window.draw_example(3)
    before = window.current_result()
    window.controller.show_preview(np.zeros((1, 28, 28), np.float32) + 0.5)
    window.controller.end_preview()
    again = window.current_result()
    assert not again.preview and again.top_class == before.top_class
    np.testing.assert_array_equal(again.image, before.image)


def test_a_preview_of_the_wrong_shape_is_refused(window):
    with pytest.raises(ValueError, match="preview"):
        window.controller.show_preview(np.zeros((28, 28), np.float32))
    assert not window.controller.previewing


def test_plain_framing_keeps_a_small_digit_small(window, qtbot):
    window.draw_example(1)
    centred = window.current_result()
    assert centred.framing == "mnist"
    window.controller.set_framing("plain")
    qtbot.waitUntil(lambda: window.current_result().framing == "plain")
    plain = window.current_result()
    assert plain.frame_map.origin == pytest.approx((0.0, 0.0))
    assert plain.frame_map.scale == pytest.approx(28 / window.canvas.image_side())
    # the same drawing: the plain input has the ink where the canvas has it
    ink = window.canvas.to_array() > 128
    rows = np.flatnonzero(ink.any(axis=1))
    top, _, bottom, _ = plain.frame_map.canvas_rect(
        *_box(plain.image > 0.5))
    assert abs(top - rows[0]) < 12 and abs(bottom - rows[-1]) < 12
    with pytest.raises(ValueError):
        window.controller.set_framing("sideways")


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return rows[0], cols[0], rows[-1] + 1, cols[-1] + 1

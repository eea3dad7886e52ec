"""The "Why?" overlay in the window, driven as a user would: W switches it on
after drawing, the map shows on the canvas and on the network input and
follows the drawing, the toolbar box switches the method, W switches it off;
it survives a model switch, never queues work up, and a failing computation
only clears it (the status bar says why)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.explain import METHOD_INFO
from gui.tools.mouse import draw_digit, drag, move, press, release, to_widget


def press_key(window, qtbot, key) -> None:
    """``key`` in the main window (made active first, as after a click on it)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, key)


def settled(window, qtbot, method: str | None = None):
    """Wait until the overlay shows the map of the newest prediction (a pending
    one runs first); returns it."""
    overlay = window.why.saliency
    window.current_result()

    def done():
        smap = overlay.current
        return (not overlay.busy and smap is not None
                and smap.result is window.controller.last_result
                and (method is None or smap.method == method))
    qtbot.waitUntil(done, timeout=5000)
    return overlay.current


def canvas_point(window, smap, i: float, j: float) -> QPointF:
    """Widget position on the canvas of input coordinate ``(i, j)`` of ``smap``'s result."""
    canvas = window.canvas
    row, col = smap.result.frame_map.to_canvas(i, j)
    square = canvas.square_rect()
    k = square.width() / canvas.image_side()
    return QPointF(square.x() + col * k, square.y() + row * k)


def strongest(smap, sign: int = 0) -> tuple[int, int]:
    """Input pixel of the largest |heat| (or largest ``sign * heat``)."""
    values = np.abs(smap.heat) if sign == 0 else sign * smap.heat
    return np.unravel_index(int(np.argmax(values)), values.shape)


def colour_at(widget, point: QPointF):
    image = widget.grab().toImage()
    return image.pixelColor(int(point.x()), int(point.y()))


def test_w_shows_the_map_on_the_canvas_and_the_input_and_it_follows_the_drawing(window, qtbot):
    overlay = window.why.saliency
    draw_digit(window.canvas, 7)
    window.current_result()
    assert overlay.method is None and not window.why_action.isChecked()
    press_key(window, qtbot, Qt.Key.Key_W)
    smap = settled(window, qtbot, "gradcam")                     # the default method
    assert window.why_action.isChecked() and window.toolbar.why_box.currentText() == "Grad-CAM"
    assert smap.heat.shape == (28, 28) and not smap.signed and smap.heat.max() > 0
    # the canvas: warm colour where Grad-CAM is strongest, in the frame the network reads
    i, j = strongest(smap)
    point = canvas_point(window, smap, i + 0.5, j + 0.5)
    seen = colour_at(window.canvas, point)
    assert seen.red() > seen.blue() + 60, seen.name()
    overlay_rect, _ = window.canvas.marks()
    assert overlay_rect == pytest.approx(smap.result.frame_map.canvas_rect(0, 0, 28, 28))
    # the network input: the same map over its pixels, and a key naming the method
    view = window.input_view
    assert view.view.overlay_shown() and "Grad-CAM" in view.legend.text()
    assert METHOD_INFO["gradcam"].summary in view.toolTip()
    assert view.readout.text() == ""                              # the key shows instead
    # a new stroke far from the 7: a new map, for the new drawing
    before = smap
    drag(window.canvas, to_widget(window.canvas, [(0.1, 0.85), (0.3, 0.9), (0.45, 0.85)]))
    smap = settled(window, qtbot, "gradcam")
    assert smap is not before and smap.result is not before.result
    assert overlay.jobs_started >= 2


def test_the_toolbar_box_switches_the_method_and_w_switches_it_off(window, qtbot):
    overlay = window.why.saliency
    box = window.toolbar.why_box
    draw_digit(window.canvas, 3)
    clean = window.canvas.grab().toImage()
    # the mouse: open the box, click "Gradient"
    QTest.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box.view().isVisible())
    index = box.findData("gradient")
    rect = box.view().visualRect(box.model().index(index, 0))
    qtbot.wait(QApplication.doubleClickInterval() + 50)   # a popup ignores a release sooner
    QTest.mouseMove(box.view().viewport(), rect.center())
    QTest.mouseClick(box.view().viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    smap = settled(window, qtbot, "gradient")
    assert smap.signed and window.why_gradient_action.isChecked() and window.why_action.isChecked()
    i, j = strongest(smap, sign=+1)
    seen = colour_at(window.canvas, canvas_point(window, smap, i + 0.5, j + 0.5))
    assert seen.red() > seen.blue() + 40, seen.name()               # red: raises the score
    assert "Gradient" in window.input_view.legend.text()
    # the keyboard: down to the next method
    box.setFocus()
    QTest.keyClick(box, Qt.Key.Key_Down)
    assert box.currentData() == "gradient_x_input"
    smap = settled(window, qtbot, "gradient_x_input")
    assert window.why_gradient_x_input_action.isChecked()
    # W: off; the canvas is as it was, the box says Off, the view's read-out is back
    press_key(window, qtbot, Qt.Key.Key_W)
    assert overlay.method is None and overlay.current is None
    assert box.currentText() == "Off" and window.canvas.marks() == (None, None)
    assert not window.input_view.view.overlay_shown()
    assert window.input_view.readout.text() == "28 × 28 pixels"
    qtbot.waitUntil(lambda: window.canvas.grab().toImage() == clean)
    press_key(window, qtbot, Qt.Key.Key_W)                          # on again: the last method
    settled(window, qtbot, "gradient_x_input")


def test_the_menu_items_choose_the_method_and_it_survives_a_model_switch(window, qtbot,
                                                                         tiny_model):
    overlay = window.why.saliency
    draw_digit(window.canvas, 2)
    window.why_occlusion_action.trigger()                         # View > Occlusion
    smap = settled(window, qtbot, "occlusion")
    assert window.toolbar.why_box.currentText() == "Occlusion"
    window.set_model(tiny_model)
    smap = settled(window, qtbot, "occlusion")
    assert smap.result.model is window.model and window.model is not None
    assert overlay.method == "occlusion" and window.why_action.isChecked()


def test_rapid_updates_never_queue_up_more_than_one_waiting_job(window, qtbot):
    overlay = window.why.saliency
    draw_digit(window.canvas, 5)
    window.why_action.trigger()
    settled(window, qtbot)
    started = overlay.jobs_started
    canvas = window.canvas
    points = to_widget(canvas, [(0.2 + 0.6 * k / 49, 0.5 + 0.1 * np.sin(k / 5)) for k in range(50)])
    press(canvas, points[0])
    for p in points[1:]:                       # 50 predictions without a turn of the event loop
        move(canvas, p)
        window.controller.update_now()
    release(canvas, points[-1])
    window.controller.update_now()
    assert overlay.jobs_started - started <= 1   # one running; the rest replaced one another
    smap = settled(window, qtbot)
    assert overlay.jobs_started - started <= 2   # ... then only the newest waiting one ran
    assert smap.result is window.controller.last_result


def test_a_failing_computation_clears_the_overlay_and_says_why(window, qtbot, monkeypatch):
    import gui.explain.saliency_overlay as saliency_overlay
    draw_digit(window.canvas, 4)
    window.why_action.trigger()
    settled(window, qtbot)

    def broken(*args, **kwargs):
        raise FloatingPointError("the map is not a number\nsecond line")
    monkeypatch.setattr(saliency_overlay, "saliency", broken)
    drag(window.canvas, to_widget(window.canvas, [(0.1, 0.1), (0.2, 0.15)]))
    window.current_result()
    overlay = window.why.saliency
    qtbot.waitUntil(lambda: overlay.current is None and not overlay.busy)
    message = window.statusBar().currentMessage()
    assert "not a number" in message and "\n" not in message and "Grad-CAM" in message
    assert window.canvas.marks() == (None, None) and not window.input_view.view.overlay_shown()
    assert overlay.method == "gradcam"           # still on: the next drawing tries again
    monkeypatch.undo()
    window.canvas.undo()
    settled(window, qtbot)


def test_a_preview_is_explained_on_the_input_only_and_clearing_clears(window, qtbot):
    draw_digit(window.canvas, 1)
    window.why_gradient_action.trigger()
    settled(window, qtbot, "gradient")
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 6:22, 12:16] = 1.0
    window.controller.show_preview(x)
    smap = settled(window, qtbot, "gradient")
    assert smap.result.preview and window.input_view.view.overlay_shown()
    assert window.canvas.marks()[0] is None      # the canvas does not show the preview
    window.canvas.clear()
    window.current_result()
    qtbot.waitUntil(lambda: window.why.saliency.current is None)
    assert not window.input_view.view.overlay_shown() and window.canvas.marks() == (None, None)


def test_a_slow_method_waits_for_the_end_of_the_stroke(window, qtbot, monkeypatch):
    import time

    import gui.explain.saliency_overlay as saliency_overlay
    real = saliency_overlay.saliency

    def slow(*args, **kwargs):                     # slower than SLOW_MS
        time.sleep(saliency_overlay.SLOW_MS * 1.5 / 1e3)
        return real(*args, **kwargs)
    monkeypatch.setattr(saliency_overlay, "saliency", slow)
    overlay = window.why.saliency
    draw_digit(window.canvas, 6)
    window.why_smoothgrad_action.trigger()
    settled(window, qtbot, "smoothgrad")
    started = overlay.jobs_started
    canvas = window.canvas
    points = to_widget(canvas, [(0.1 + 0.02 * k, 0.1) for k in range(10)])
    press(canvas, points[0])
    for p in points[1:]:                           # a slow stroke: the event loop runs
        move(canvas, p)
        window.current_result()
        qtbot.wait(60)
    assert overlay.jobs_started == started         # nothing while the stroke is drawn
    release(canvas, points[-1])
    smap = settled(window, qtbot, "smoothgrad")    # the stroke's end is explained
    assert overlay.jobs_started == started + 1 and smap.result is window.controller.last_result


def test_one_slow_job_does_not_stop_a_fast_method_following_the_stroke(window, qtbot,
                                                                         monkeypatch):
    import time

    import gui.explain.saliency_overlay as saliency_overlay
    real, calls = saliency_overlay.saliency, []

    def first_slow(*args, **kwargs):               # a cold start slower than SLOW_MS
        calls.append(1)
        if len(calls) == 1:
            time.sleep(saliency_overlay.SLOW_MS * 1.5 / 1e3)
        return real(*args, **kwargs)
    monkeypatch.setattr(saliency_overlay, "saliency", first_slow)
    overlay = window.why.saliency
    draw_digit(window.canvas, 6)
    window.why_gradcam_action.trigger()
    settled(window, qtbot, "gradcam")
    started = overlay.jobs_started
    canvas = window.canvas
    points = to_widget(canvas, [(0.1 + 0.02 * k, 0.1 + 0.005 * (k % 2)) for k in range(40)])
    press(canvas, points[0])
    for p in points[1:]:                           # a slow stroke: the event loop runs
        move(canvas, p)
        window.current_result()
        qtbot.wait(60)
        if overlay.jobs_started >= started + 3:    # (on a loaded machine it may take more moves)
            break
    assert overlay.jobs_started >= started + 3     # it follows the stroke, not its end only
    release(canvas, p)

"""The "Make it a ..." row in the window, driven with real mouse clicks: a
morph of a drawn 4 into a 7 is played as previews (the network input, the
bars and the activations follow) and ends on a previewed 7; a stroke or Esc
ends the preview; "Put it on the canvas" makes it the drawing and Ctrl+Z
brings the 4 back; an empty canvas disables the row; clicks during a running
morph never queue up; "Flip it" changes the answer; a model or weight change
drops a morph."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest

import gui.window.morph_wiring as wiring
from gui.explain.morph_row import MorphRow
from gui.tools.mouse import drag, to_widget


def lab_of(window):
    return window.why.morph


def click(button) -> None:
    assert button.isVisible() and button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_played(qtbot, window, timeout=8000) -> None:
    lab = lab_of(window)
    qtbot.waitUntil(lambda: lab.shown is not None and not lab.busy, timeout=timeout)


@pytest.fixture
def slow_morph(monkeypatch):
    """Each step of a morph takes 20 ms more, so a second click surely comes
    while the first morph is still running."""
    real = wiring.morph

    def slow(model, x, target, **kw):
        progress = kw.pop("progress")

        def slowed(step, steps):
            time.sleep(0.02)
            return progress(step, steps)
        return real(model, x, target, progress=slowed, **kw)
    monkeypatch.setattr(wiring, "morph", slow)


@pytest.fixture
def bundled(make_window):
    """A window with the bundled trained model."""
    return make_window()


@pytest.fixture
def four(bundled, qtbot):
    window = bundled
    window.draw_example(4)
    assert window.current_result().top_class == 4
    return window


def test_morph_a_drawn_4_into_a_7(four, qtbot):
    window, row = four, lab_of(four).row
    shown = []
    window.controller.sigPredictionUpdated.connect(shown.append)
    click(row.digit_buttons[7])
    wait_played(qtbot, window)
    previews = [r for r in shown if r.preview]
    assert len(previews) >= 3                               # an animation, not a jump
    p7 = [r.probabilities[7] for r in previews]
    assert p7[-1] > p7[0] + 0.5                             # the target rises
    result = window.current_result()
    assert result.preview and window.controller.previewing
    assert result.top_class == 7 and result.confidence >= 0.9
    assert np.argmax(window.prediction_view.probabilities()) == 7   # the bars show it
    assert not np.array_equal(result.image, previews[0].image)      # the input changed
    assert len(window.canvas.strokes()) > 0                 # the drawing is untouched
    assert row.put_button.isVisible() and row.digit_buttons[7].isChecked()
    assert "p(7)" in row.status_text() and "\u2192" in row.status_text()
    assert "7" in window.statusBar().currentMessage()


def test_a_new_stroke_ends_the_preview(four, qtbot):
    window, row = four, lab_of(four).row
    click(row.digit_buttons[7])
    wait_played(qtbot, window)
    drag(window.canvas, to_widget(window.canvas, [(0.1, 0.1), (0.2, 0.15)]))
    result = window.current_result()
    assert not result.preview and not window.controller.previewing
    assert not row.put_button.isVisible() and not row.digit_buttons[7].isChecked()
    assert lab_of(window).shown is None


def test_esc_ends_the_preview_and_keeps_the_drawing(four, qtbot):
    window, row = four, lab_of(four).row
    strokes = len(window.canvas.strokes())
    click(row.digit_buttons[7])
    wait_played(qtbot, window)
    assert "Put it on the canvas" in window.statusBar().currentMessage()
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert not window.controller.previewing
    assert "Put it on the canvas" not in window.statusBar().currentMessage()   # gone with it
    assert len(window.canvas.strokes()) == strokes           # not cleared
    assert window.current_result().top_class == 4
    assert not row.put_button.isVisible()
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)         # no preview: Esc clears again
    assert window.canvas.is_blank()


def test_put_it_on_the_canvas_and_undo(four, qtbot):
    window, row = four, lab_of(four).row
    click(row.digit_buttons[7])
    wait_played(qtbot, window)
    click(row.put_button)
    assert not window.controller.previewing
    assert np.argmax(window.current_probabilities()) == 7
    assert window.canvas.placed_input() is not None
    assert not row.put_button.isVisible()
    assert "Ctrl+Z" in row.status_text()
    assert "Ctrl+Z" in window.statusBar().currentMessage()       # not "Put it ... keeps it"
    assert window.input_view.subtitle_label.text() == "placed"      # not a "test digit"
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.placed_input() is None
    assert np.argmax(window.current_probabilities()) == 4
    assert "Ctrl+Z" not in row.status_text()                          # ready again


def test_the_row_is_disabled_while_the_canvas_is_empty(bundled, qtbot):
    window = bundled
    row = lab_of(window).row
    assert window.canvas.is_blank()
    buttons = row.digit_buttons + [row.flip_button]
    assert not any(b.isEnabled() for b in buttons)
    assert "Draw a digit" in row.digit_buttons[7].toolTip()
    assert "Draw a digit" in row.status_text()
    QTest.mouseClick(row.digit_buttons[7], Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert lab_of(window).jobs.started == 0
    window.draw_example(4)
    window.current_result()
    assert all(b.isEnabled() for b in buttons)
    tip = row.digit_buttons[7].toolTip()
    assert "until the network answers 7" in tip and "Draw a digit first" not in tip
    window.canvas.clear()
    window.current_result()
    assert not any(b.isEnabled() for b in buttons)


def test_clicks_during_a_running_morph_never_queue_up(four, qtbot, slow_morph):
    window, row = four, lab_of(four).row
    lab = lab_of(window)
    click(row.digit_buttons[7])
    qtbot.wait(30)                                           # the first one is running
    assert lab.jobs.busy
    assert row.status_text().startswith("Looking for the smallest change that makes it a 7")
    qtbot.waitUntil(lambda: row.status_text().endswith("%"), timeout=3000)   # its progress
    click(row.digit_buttons[3])
    click(row.digit_buttons[5])
    assert [b.isChecked() for b in row.digit_buttons].count(True) == 1
    assert row.digit_buttons[5].isChecked()
    wait_played(qtbot, window, timeout=15000)
    assert lab.jobs.started == 2 and lab.jobs.most_at_once == 1   # 7 (cancelled), then 5
    assert lab.shown.target == 5
    assert window.current_result().top_class == 5


def test_flip_it_changes_the_answer(four, qtbot):
    window, row = four, lab_of(four).row
    click(row.flip_button)
    wait_played(qtbot, window)
    result = window.current_result()
    assert result.preview and result.top_class != 4
    assert row.flip_button.isChecked() and row.put_button.isVisible()
    assert row.status_text().startswith(f"4 \u2192 {result.top_class}")


def test_another_model_drops_a_running_morph(four, qtbot, slow_morph):
    window, row = four, lab_of(four).row
    lab = lab_of(window)
    click(row.digit_buttons[7])
    qtbot.wait(30)
    assert lab.jobs.busy
    window.set_model(window.model.clone())
    qtbot.waitUntil(lambda: not lab.jobs.busy, timeout=5000)
    qtbot.wait(100)
    assert lab.shown is None and not window.controller.previewing
    assert not any(b.isChecked() for b in row.digit_buttons)
    assert "model" in row.status_text()


def test_changed_weights_end_a_shown_morph(four, qtbot):
    window, row = four, lab_of(four).row
    click(row.digit_buttons[7])
    wait_played(qtbot, window)
    model = window.model
    weights = {name: value * 0.9 for name, value in model.get_weights().items()}
    model.set_weights(weights)
    window.state.weights_changed(model)
    assert not window.controller.previewing and lab_of(window).shown is None
    assert not row.put_button.isVisible()
    assert "weights" in row.status_text()
    assert not window.current_result().preview


@pytest.mark.parametrize("size", [(980, 640), (1240, 760), (1920, 1080)])
def test_the_row_fits_under_the_prediction(make_window, playground_model, size):
    window = make_window(playground_model, size=size)
    window.draw_example(4)
    row = window.findChild(MorphRow)

    def rect(widget) -> QRect:
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    canvas, prediction, column = rect(window.canvas), rect(window.prediction_view), \
        rect(row.parentWidget())
    assert window.canvas.square_rect().height() >= 280            # a usable square
    assert prediction.height() >= window.prediction_view.minimumSizeHint().height()
    assert rect(row).top() > prediction.bottom() > canvas.bottom()
    assert column.contains(rect(row)) and rect(row).width() >= column.width() - 14
    for button in row.digit_buttons + [row.flip_button]:
        assert button.isVisible() and button.width() >= 18
        assert rect(row).contains(rect(button))


def test_a_model_with_seven_classes_offers_only_seven_targets(make_window, qtbot):
    """A network with 7 outputs (one built in the Build tab, say) cannot
    answer 7, 8 or 9: those buttons are off and say why, the others work."""
    from engine.nn.layers import Dense, Flatten
    from engine.nn.model import Model
    rng = np.random.default_rng(0)
    window = make_window(Model([Flatten(), Dense(28 * 28, 7, rng=rng)]))
    window.draw_example(4)
    window.current_result()
    row = lab_of(window).row
    qtbot.waitUntil(row.is_ready)
    assert [b.isEnabled() for b in row.digit_buttons] == [True] * 7 + [False] * 3
    assert "answers only 0 to 6" in row.digit_buttons[8].toolTip()
    QTest.mouseClick(row.digit_buttons[8], Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert lab_of(window).jobs.started == 0 and "Could not" not in row.status_text()
    click(row.digit_buttons[2])                      # a class it has still morphs
    wait_played(qtbot, window, timeout=20000)

"""Before the first step the "One step" tab is not an empty page: it shows
what the model gives the drawing now, under "Before the step", and the loss
the step on the chosen digit would start from; it follows the drawing and the
digit, and comes back when every step is undone."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.training.one_step import label_loss


def _click(button) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def _on_tab(window, qtbot, drawn: int):
    lab = window.why.backprop
    window.tabs.setCurrentWidget(lab.tab)
    window.draw_example(drawn)
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    return lab, window.current_result()


def test_before_a_step_the_tab_shows_the_answer_now_and_the_loss_to_come(window, qtbot):
    lab, result = _on_tab(window, qtbot, 7)
    tab = lab.tab
    assert tab.trace is None
    qtbot.waitUntil(lambda: tab.before.isVisible() and tab.loss.isVisible())
    assert not tab.flow.isVisible()
    np.testing.assert_array_equal(tab.before.array, result.probabilities)
    assert not tab.after.isVisible()                 # nothing after a step yet
    label = tab.controls.label()
    assert label is not None and label != int(np.argmax(result.probabilities))   # the runner-up
    assert f"{label_loss(result.probabilities, label):.3f}" in tab.loss.text()

    _click(tab.controls.digit_buttons[1])            # another digit: its loss
    qtbot.waitUntil(lambda: "loss for 1 now" in tab.loss.text())
    assert f"{label_loss(result.probabilities, 1):.3f}" in tab.loss.text()

    window.draw_example(3)                          # another drawing: its answer
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    three = window.current_result().probabilities
    qtbot.waitUntil(lambda: np.array_equal(tab.before.array, three))


def test_a_step_replaces_it_and_undoing_every_step_brings_it_back(window, qtbot):
    lab, result = _on_tab(window, qtbot, 7)
    tab = lab.tab
    _click(tab.controls.digit_buttons[1])
    steps = len(lab.runner.steps)
    _click(tab.controls.train_button)
    qtbot.waitUntil(lambda: len(lab.runner.steps) == steps + 1, timeout=10_000)
    assert tab.trace is not None and tab.flow.isVisible()
    assert tab.after.array is not None
    assert "→" in tab.loss.text()
    _click(tab.controls.undo_button)
    qtbot.waitUntil(lambda: tab.trace is None)
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    now = window.current_result().probabilities
    qtbot.waitUntil(lambda: tab.before.array is not None and np.allclose(tab.before.array, now))
    assert not tab.after.isVisible() and not tab.flow.isVisible()
    assert "loss for 1 now" in tab.loss.text()


def test_a_drawing_made_on_another_tab_is_there_when_the_tab_opens(window, qtbot):
    lab = window.why.backprop
    window.tabs.setCurrentWidget(window.activations_view)
    window.draw_example(2)
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    two = window.current_result().probabilities
    window.tabs.setCurrentWidget(lab.tab)
    qtbot.waitUntil(lambda: lab.tab.before.array is not None
                    and np.array_equal(lab.tab.before.array, two))
    assert lab.tab.before.isVisible()


def test_an_empty_drawing_shows_no_answer(window, qtbot):
    lab, _ = _on_tab(window, qtbot, 7)
    qtbot.waitUntil(lab.tab.before.isVisible)
    window.canvas.clear()
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    window.current_result()
    qtbot.waitUntil(lambda: not lab.tab.before.isVisible())
    assert not lab.tab.loss.isVisible()
    assert lab.tab.intro.isVisible()


def test_train_and_undo_by_keyboard_keep_the_focus_on_train(window, qtbot):
    lab, _ = _on_tab(window, qtbot, 7)
    controls = lab.tab.controls
    window.activateWindow()
    controls.train_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(controls.train_button.hasFocus)
    steps = len(lab.runner.steps)
    QTest.keyClick(controls.train_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(lab.runner.steps) == steps + 1, timeout=10_000)
    qtbot.waitUntil(controls.train_button.hasFocus)          # back where Space was pressed
    QTest.keyClick(controls.train_button, Qt.Key.Key_Space)  # a second step: Undo is enabled
    qtbot.waitUntil(lambda: len(lab.runner.steps) == steps + 2, timeout=10_000)
    qtbot.waitUntil(controls.train_button.hasFocus)          # still Train, not Undo
    QTest.keyClick(controls.train_button, Qt.Key.Key_Space)  # so a third Space trains again
    qtbot.waitUntil(lambda: len(lab.runner.steps) == steps + 3, timeout=10_000)
    qtbot.waitUntil(controls.train_button.hasFocus)
    controls.undo_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(controls.undo_button.hasFocus)
    for left in (steps + 2, steps + 1, steps):                # undo all three by Space
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: len(lab.runner.steps) == left)
        if left > steps:
            assert controls.undo_button.hasFocus()           # more to undo: it stays
    qtbot.waitUntil(controls.train_button.hasFocus)          # not past it, to Step through
    assert not controls.walk_button.isChecked()


def test_on_a_blank_canvas_the_tab_says_why_no_step_can_be_taken(window, qtbot):
    from gui.window.backprop_wiring import EMPTY
    lab = window.why.backprop
    window.tabs.setCurrentWidget(lab.tab)
    window.canvas.clear()
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    window.current_result()
    controls = lab.tab.controls
    qtbot.waitUntil(lambda: controls.status.text() == EMPTY)
    assert not controls.train_button.isEnabled()
    window.draw_example(4)                           # something to train on: the reason goes
    qtbot.waitUntil(lambda: controls.train_button.isEnabled())
    assert controls.status.text() != EMPTY

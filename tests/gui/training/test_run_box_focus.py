"""A Run box button disabled while it has the keyboard focus hands the focus
to the button that does the next thing: Start to Stop, Stop to Start, not to
whatever comes next in the window (the Curves tab bar)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.training.run_box import RunBox
from gui.training.run_controller import RunState


def test_start_hands_the_focus_to_stop_and_stop_back_to_start(qtbot):
    box = RunBox()
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    box.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is box)
    box.show_state(RunState.IDLE, can_start=True, has_result=False)
    box.start_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(box.start_button.hasFocus)
    box.show_state(RunState.RUNNING, can_start=True, has_result=False)
    assert not box.start_button.isEnabled()
    assert QApplication.focusWidget() is box.stop_button
    box.show_state(RunState.STOPPING, can_start=True, has_result=False)
    box.show_state(RunState.IDLE, can_start=True, has_result=True)
    assert QApplication.focusWidget() is box.start_button
    box.save_button.setFocus(Qt.FocusReason.TabFocusReason)     # a button that stays: no move
    box.show_state(RunState.IDLE, can_start=True, has_result=True)
    assert QApplication.focusWidget() is box.save_button

"""A button disabled while it has the keyboard focus hands it to the button
that does the next thing; when none can take it, the focus is "parked" where
Qt put it and comes back once the button is enabled again, unless the
person moved it meanwhile."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QPushButton, QWidget

from gui.widgets.focus_handoff import FocusHandOff


@pytest.fixture
def row(qtbot):
    box = QWidget()
    layout = QHBoxLayout(box)
    buttons = [QPushButton(text) for text in ("Start", "Stop", "Other", "More")]
    for button in buttons:
        layout.addWidget(button)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    box.activateWindow()
    start, stop, other, _more = buttons
    stop.setEnabled(False)
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus)
    return box, start, stop, other


def test_the_focus_goes_to_the_next_thing_to_do(row):
    _box, start, stop, other = row
    hand_off = FocusHandOff({start: (stop,), stop: (start,)})
    with hand_off.kept():                       # a run starts
        start.setEnabled(False)
        stop.setEnabled(True)
    assert stop.hasFocus()
    QTest.keyClick(stop, Qt.Key.Key_Space)      # the keyboard goes on from there
    with hand_off.kept():                       # the run ends
        stop.setEnabled(False)
        start.setEnabled(True)
    assert start.hasFocus()


def test_parked_focus_comes_back_unless_it_was_moved(row):
    _box, start, stop, other = row
    hand_off = FocusHandOff({start: (stop,), stop: (start,)})
    with hand_off.kept():
        start.setEnabled(False)                 # and Stop stays disabled: no heir
    parked_on = QApplication.focusWidget()
    assert parked_on is not start
    with hand_off.kept():
        start.setEnabled(True)
    assert start.hasFocus()                     # back, the focus had stayed where it went
    with hand_off.kept():
        start.setEnabled(False)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)   # the person moves on
    moved_to = QApplication.focusWidget()
    assert moved_to is not parked_on
    with hand_off.kept():
        start.setEnabled(True)
    assert QApplication.focusWidget() is moved_to and not start.hasFocus()


def test_a_button_that_stays_enabled_keeps_the_focus(row):
    _box, start, stop, other = row
    hand_off = FocusHandOff({start: (stop,), stop: (start,)})
    with hand_off.kept():
        stop.setEnabled(True)
    assert start.hasFocus()


def test_a_focus_parked_on_another_key_of_the_same_hand_off_still_comes_back(row):
    _box, start, stop, _other = row            # Start = Train, Stop = Undo of One step
    hand_off = FocusHandOff({start: (), stop: (start,)})
    with hand_off.kept():                       # a step: Undo on, Train off
        stop.setEnabled(True)
        start.setEnabled(False)
    assert stop.hasFocus()                      # where Qt put it; Train waits for it
    with hand_off.kept():                       # another change in between (Undo's count)
        stop.setEnabled(True)
    with hand_off.kept():                       # the step is done
        start.setEnabled(True)
    assert start.hasFocus()                     # so the next Space trains, not undoes

"""Ctrl+Shift+F: the network sees the drawing plainly resized instead of
framed like MNIST; the input view and the status bar say so, and the answer
can change (a small digit in a corner)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.tools.mouse import drag, to_widget


def _press_framing_key(window, qtbot):
    window.activateWindow()                      # as after a click on it
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_F,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not window.controller.has_pending())


def test_ctrl_shift_f_switches_to_a_plain_resize_and_back(make_window, qtbot):
    window = make_window()                       # the bundled model
    # a small "1" in the top-left corner: centring makes it a normal 1, plainly it is a speck
    drag(window.canvas, to_widget(window.canvas, [(0.15, 0.08 + 0.01 * i) for i in range(18)]),
         qtbot=qtbot)
    centred = window.current_result()
    assert centred.framing == "mnist" and centred.top_class == 1
    assert window.input_view.subtitle_label.text() == ""

    _press_framing_key(window, qtbot)
    plain = window.current_result()
    assert window.plain_framing_action.isChecked()
    assert plain.framing == "plain"
    assert "Plain resize" in window.statusBar().currentMessage()
    assert window.input_view.subtitle_label.text() == "plain resize"
    assert "plainly shrunk" in window.input_view.toolTip()
    # the ink stays small and in the corner: the inputs differ a lot
    ink = plain.image > 0.3
    assert ink.sum() < (centred.image > 0.3).sum() / 2
    assert np.flatnonzero(ink.any(axis=1)).max() < 14
    # the same drawing, a new stroke keeps the plain framing
    drag(window.canvas, to_widget(window.canvas, [(0.6, 0.6), (0.62, 0.7)]), qtbot=qtbot)
    assert window.current_result().framing == "plain"

    _press_framing_key(window, qtbot)
    assert not window.plain_framing_action.isChecked()
    assert window.current_result().framing == "mnist"
    assert "MNIST-style framing" in window.statusBar().currentMessage()
    assert window.input_view.subtitle_label.text() == ""

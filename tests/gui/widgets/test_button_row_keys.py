"""A row of buttons is one Tab stop: Tab enters it at the checked button,
the arrows, Home and End move along it (skipping buttons that are off),
Space presses, Tab / Shift+Tab leave it; in the window the left column's
digit rows are one stop each."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QToolButton, QWidget

from gui.widgets.button_row_keys import ButtonRowKeys


def _key(qtbot, key, mods=Qt.KeyboardModifier.NoModifier) -> QWidget:
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, key, mods)
    qtbot.wait(1)
    return QApplication.focusWidget()


def _row(qtbot):
    top = QWidget()
    layout = QHBoxLayout(top)
    before, after = QLineEdit("before"), QLineEdit("after")
    layout.addWidget(before)
    buttons = []
    for d in range(6):
        button = QToolButton()
        button.setText(str(d))
        button.setCheckable(True)
        layout.addWidget(button)
        buttons.append(button)
    layout.addWidget(after)
    keys = ButtonRowKeys(buttons, top)
    qtbot.addWidget(top)
    top.show()
    qtbot.waitExposed(top)
    top.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is top)
    before.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is before)
    return top, before, buttons, after, keys


def test_tab_enters_at_the_checked_button_and_leaves_the_row_whole(qtbot):
    top, before, buttons, after, keys = _row(qtbot)
    assert _key(qtbot, Qt.Key.Key_Tab) is buttons[0]          # nothing checked: the first
    assert _key(qtbot, Qt.Key.Key_Tab) is after                # one stop for six buttons
    buttons[4].setChecked(True)
    assert _key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier) is buttons[4]
    assert _key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier) is before
    assert _key(qtbot, Qt.Key.Key_Tab) is buttons[4]


def test_arrows_home_and_end_move_along_skipping_buttons_that_are_off(qtbot):
    top, before, buttons, after, keys = _row(qtbot)
    buttons[2].setEnabled(False)
    buttons[5].setEnabled(False)
    assert _key(qtbot, Qt.Key.Key_Tab) is buttons[0]
    assert _key(qtbot, Qt.Key.Key_Right) is buttons[1]
    assert _key(qtbot, Qt.Key.Key_Right) is buttons[3]         # 2 is off
    assert _key(qtbot, Qt.Key.Key_Down) is buttons[4]
    assert _key(qtbot, Qt.Key.Key_Right) is buttons[4]         # the last one on: stays
    assert _key(qtbot, Qt.Key.Key_Home) is buttons[0]
    assert _key(qtbot, Qt.Key.Key_Left) is buttons[0]
    assert _key(qtbot, Qt.Key.Key_End) is buttons[4]
    assert _key(qtbot, Qt.Key.Key_Up) is buttons[3]
    _key(qtbot, Qt.Key.Key_Space)                              # Space presses as ever
    assert buttons[3].isChecked()


def test_in_the_window_each_digit_row_is_one_tab_stop(window, qtbot):
    window.draw_example(3)
    window.current_result()
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    rows = {"teach": window.left_column.teach_row.digit_buttons, "morph": window.left_column.morph_row.digit_buttons}
    stops = []
    for _ in range(40):
        stops.append(_key(qtbot, Qt.Key.Key_Tab))
        if stops[-1] is window.canvas:
            break
    assert stops[-1] is window.canvas, "Tab comes back round to the drawing"
    for name, buttons in rows.items():
        landed = [w for w in stops if any(w is b for b in buttons)]
        assert len(landed) == 1, name
    teach = next(w for w in stops if any(w is b for b in rows["teach"]))
    assert teach.isChecked()                     # the row is entered at the network's answer
    assert window.tabs.tabBar() in stops         # and the tabs are a few presses away
    assert stops.index(window.tabs.tabBar()) <= 5


def test_an_empty_canvas_s_try_row_is_one_tab_stop_too(window, qtbot):
    window.canvas.clear()
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    tries = window.left_column.try_row.buttons
    qtbot.waitUntil(tries[0].isVisible)
    stops = []
    for _ in range(40):
        stops.append(_key(qtbot, Qt.Key.Key_Tab))
        if stops[-1] is window.canvas:
            break
    assert stops[-1] is window.canvas
    assert len([w for w in stops if any(w is b for b in tries)]) == 1


def _walking(window, qtbot):
    """On One step with a drawn 7: "Step through" clicked (it takes a step and walks it)."""
    lab = window.why.backprop
    window.tabs.setCurrentWidget(lab.tab)
    window.draw_example(7)
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    window.current_result()
    QTest.mouseClick(lab.tab.controls.walk_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.tab.walk.phase() is not None, timeout=10_000)
    return lab


def test_while_stepping_through_left_and_right_drive_the_walk_not_the_digits(window, qtbot):
    lab = _walking(window, qtbot)
    controls = lab.tab.controls
    digit = controls.digit_buttons[controls.label()]
    digit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is digit)
    before = lab.tab.walk.phase()
    assert _key(qtbot, Qt.Key.Key_Right) is digit     # the focus stays on the digit ...
    qtbot.waitUntil(lambda: lab.tab.walk.phase() != before)   # ... and the walk goes on
    QTest.mouseClick(controls.walk_button, Qt.MouseButton.LeftButton)     # walk off
    qtbot.waitUntil(lambda: not lab.tab.walk.isVisible())
    assert _key(qtbot, Qt.Key.Key_Right) is not digit # the arrows are the row's again


def test_the_focused_digit_is_tinted_so_it_is_seen_beside_the_checked_one(window, qtbot):
    window.draw_example(7)
    window.current_result()
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    row = window.left_column.teach_row.digit_buttons
    assert _key(qtbot, Qt.Key.Key_Tab).isChecked()          # entered at the answer
    focused = _key(qtbot, Qt.Key.Key_Right)
    assert focused is not None and not focused.isChecked()
    with_focus = focused.grab().toImage()
    _key(qtbot, Qt.Key.Key_Right)                            # the focus moves on
    without = focused.grab().toImage()
    assert with_focus != without
    tint = with_focus.pixelColor(with_focus.width() // 2, 3)
    plain = without.pixelColor(without.width() // 2, 3)
    assert tint.blue() - tint.red() > plain.blue() - plain.red() + 20   # a blue tint, not grey
    assert row.index(focused) >= 0


def test_while_stepping_through_left_and_right_on_the_drawing_walk_too(window, qtbot):
    lab = _walking(window, qtbot)
    window.activateWindow()
    window.canvas.setFocus(Qt.FocusReason.MouseFocusReason)    # as after drawing
    qtbot.waitUntil(window.canvas.hasFocus)
    before = lab.tab.walk.phase()
    _key(qtbot, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: lab.tab.walk.phase() != before)
    moved = lab.tab.walk.phase()
    _key(qtbot, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: lab.tab.walk.phase() == before)
    window.tabs.setCurrentWidget(window.activations_view)      # the walk hidden: keys do nothing
    window.canvas.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(window.canvas.hasFocus)
    _key(qtbot, Qt.Key.Key_Right)
    assert lab.tab.walk.phase() == before and moved != before
    assert not window.canvas.is_blank()

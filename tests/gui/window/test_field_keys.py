"""Esc typed in a number field leaves the field and keeps the drawing; the
next Esc clears the canvas as usual (Esc is the window's "Clear" shortcut,
which used to fire while a spin box had the focus)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from gui.tools.mouse import draw_digit
from gui.window.field_keys import is_field


def press_escape() -> None:
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)


def fields(window) -> dict:
    return {"training": (window.training_panel, window.training_panel.settings.epochs_spin),
            "build": (window.why.build.editor, window.why.build.editor.list.rows[0].first_spin())}


@pytest.mark.parametrize("where", ["training", "build"])
def test_escape_in_a_number_field_keeps_the_drawing(window, qtbot, where):
    draw_digit(window.canvas, 3, qtbot)
    assert not window.canvas.is_blank()
    tab, spin = fields(window)[where]
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(spin.isVisible)
    editor = spin.findChild(QLineEdit)          # where a click on the number lands
    QTest.mouseClick(editor, Qt.MouseButton.LeftButton)         # into the field
    qtbot.waitUntil(lambda: is_field(QApplication.focusWidget()))
    value = spin.value()
    field = QApplication.focusWidget()
    press_escape()
    assert not window.canvas.is_blank()                         # the drawing stays
    assert spin.value() == value
    qtbot.wait(20)
    assert QApplication.focusWidget() is field                  # and so does the focus
    press_escape()                                              # Esc again clears, as ever
    qtbot.waitUntil(window.canvas.is_blank)


def test_escape_then_tab_goes_on_from_the_field(window, qtbot):
    window.draw_example(3)
    spin = window.training_panel.settings.epochs_spin
    window.tabs.setCurrentWidget(window.training_panel)
    qtbot.waitUntil(spin.isVisible)
    QTest.mouseClick(spin.findChild(QLineEdit), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: is_field(QApplication.focusWidget()))
    field = QApplication.focusWidget()
    press_escape()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    after = QApplication.focusWidget()
    assert after is not None and after is not field and after is not window.canvas
    assert window.training_panel.isAncestorOf(after)            # the place is kept
    assert not window.canvas.is_blank()


def test_letters_typed_into_a_drop_down_list_pick_its_entry(window, qtbot):
    window.draw_example(3)
    window.tabs.setCurrentWidget(window.training_panel)
    combo = window.training_panel.settings.preset_combo
    qtbot.waitUntil(combo.isVisible)
    entries = [combo.itemText(i) for i in range(combo.count())]
    target = next(i for i, text in enumerate(entries)
                  if i != combo.currentIndex() and text[:1].lower() in "pdew")
    combo.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(combo.hasFocus)
    letter = entries[target][0].lower()
    QTest.keyClick(combo, letter)
    assert combo.currentText()[:1].lower() == letter             # the list's own search
    assert not window.eraser_action.isChecked()                 # no window shortcut fired
    assert window.pen_action.isChecked()
    assert window.tabs.currentWidget() is window.training_panel
    press_escape()                                              # Esc stays in the list too
    assert not window.canvas.is_blank()

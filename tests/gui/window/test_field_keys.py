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
    press_escape()
    assert not window.canvas.is_blank()                         # the drawing stays
    assert spin.value() == value
    qtbot.waitUntil(lambda: not is_field(QApplication.focusWidget()))
    press_escape()                                              # now Esc clears, as ever
    qtbot.waitUntil(window.canvas.is_blank)

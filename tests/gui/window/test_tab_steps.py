"""Ctrl+PgDown / Ctrl+PgUp show the next / previous tab from anywhere in the
window (the drawing, a number box), go round at the ends and skip tabs that
cannot be shown."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from gui.window.field_keys import is_field

CTRL = Qt.KeyboardModifier.ControlModifier


def _press(qtbot, key) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    QTest.keyClick(target, key, CTRL)
    qtbot.wait(1)


def test_ctrl_page_down_goes_through_every_tab_and_round(window, qtbot):
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    tabs = window.tabs
    tabs.setCurrentIndex(0)
    seen = [tabs.currentIndex()]
    for _ in range(tabs.count()):
        _press(qtbot, Qt.Key.Key_PageDown)
        seen.append(tabs.currentIndex())
    assert seen == list(range(tabs.count())) + [0]
    _press(qtbot, Qt.Key.Key_PageUp)
    assert tabs.currentIndex() == tabs.count() - 1     # before the first: the last
    _press(qtbot, Qt.Key.Key_PageUp)
    assert tabs.currentIndex() == tabs.count() - 2
    assert window.canvas.is_blank()                     # the keys drew nothing


def test_the_keys_work_from_a_number_box_and_skip_a_disabled_tab(window, qtbot):
    tabs = window.tabs
    tabs.setCurrentWidget(window.training_panel)
    spin = window.training_panel.settings.epochs_spin
    qtbot.waitUntil(spin.isVisible)
    QTest.mouseClick(spin.findChild(QLineEdit), Qt.MouseButton.LeftButton)    # into the field
    qtbot.waitUntil(lambda: is_field(QApplication.focusWidget()))
    value = spin.value()
    here = tabs.currentIndex()
    tabs.setTabEnabled(here + 1, False)
    try:
        _press(qtbot, Qt.Key.Key_PageDown)
        assert tabs.currentIndex() == (here + 2) % tabs.count()
        assert spin.value() == value                 # the box did not take the keys
        assert QApplication.focusWidget() is tabs.tabBar()   # not lost in the hidden page
    finally:
        tabs.setTabEnabled(here + 1, True)


def test_a_hidden_tab_is_skipped_both_ways(window, qtbot):
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    tabs = window.tabs
    tabs.setCurrentIndex(1)
    tabs.setTabVisible(2, False)
    try:
        _press(qtbot, Qt.Key.Key_PageDown)
        assert tabs.currentIndex() == 3
        _press(qtbot, Qt.Key.Key_PageUp)
        assert tabs.currentIndex() == 1
    finally:
        tabs.setTabVisible(2, True)


def test_the_view_menu_lists_the_tab_keys(window):
    view = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View")
    texts = {a.text().replace("&", ""): a.shortcut().toString() for a in view.actions() if a.text()}
    assert texts["Next tab"] == "Ctrl+PgDown"
    assert texts["Previous tab"] == "Ctrl+PgUp"

"""Tab goes through the window region by region, in reading order, on every
tab: the drawing's column, the tab bar, the shown page, then the toolbar
(and round to the drawing); Shift+Tab goes the same way back. Tabs added
after the toolbar (My handwriting, Build, One step) used to put the toolbar
between the tab bar and their page."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.support.focus_walk import collapsed, region, tab_round


def stop_key(widget):
    """A row of digit buttons is one stop, entered at its chosen digit, else
    at its first (Tab) or last (Shift+Tab) digit: the row stands for it."""
    name = widget.objectName()
    return (widget.parentWidget(), name) if name.endswith("Digit") else widget


def visible_tabs(window) -> list[int]:
    return [i for i in range(window.tabs.count()) if window.tabs.isTabVisible(i)]


def test_tab_visits_the_regions_in_reading_order_on_every_tab(window, qtbot):
    window.draw_example(3)
    window.current_result()
    titles = []
    for index in visible_tabs(window):
        window.tabs.setCurrentIndex(index)
        titles.append(window.tabs.tabText(index))
        stops = tab_round(window)
        order = collapsed([region(window, w) for w in stops])
        assert order == ["left", "tab bar", "page", "toolbar"], (titles[-1], order)
    assert {"My handwriting", "Build", "One step"} <= {t.replace("&", "") for t in titles}


@pytest.mark.parametrize("title", ["Activations", "My handwriting", "Build", "One step"])
def test_shift_tab_goes_the_same_way_back(window, title):
    window.draw_example(3)
    window.current_result()
    index = next(i for i in visible_tabs(window)
                 if window.tabs.tabText(i).replace("&", "") == title)
    window.tabs.setCurrentIndex(index)
    forward = tab_round(window)
    backward = tab_round(window, Qt.Key.Key_Backtab)
    assert [stop_key(w) for w in backward] == [stop_key(w) for w in forward[::-1]]
    assert len(forward) > 4


def test_a_later_tab_s_first_stop_comes_right_after_the_tab_bar(window, qtbot):
    window.draw_example(3)
    tab = window.why.backprop.tab
    bar = window.tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(window.tabs.indexOf(tab)).center())
    digit = tab.controls.digit_buttons[5]
    QTest.mouseClick(digit, Qt.MouseButton.LeftButton)     # the digit to learn: 5
    assert digit.isChecked()
    bar.setFocus()
    qtbot.waitUntil(bar.hasFocus)
    QTest.keyClick(bar, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is digit             # into the page, at its chosen digit
    QTest.keyClick(digit, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is bar

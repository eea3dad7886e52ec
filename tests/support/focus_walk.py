"""Walking the window with Tab as a keyboard user does, and naming the
part of the window each stop is in (from the widget tree)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROUND = 200   # more presses than any tab has stops


def region(window, widget) -> str:
    """Which part of the window ``widget`` is in (tested from the widget tree)."""
    tabs = window.tabs
    for name, part in (("left", window.left_column), ("tab bar", tabs.tabBar()),
                       ("page", tabs.currentWidget()), ("toolbar", window.toolbar),
                       ("status", window.statusBar())):
        if part is widget or part.isAncestorOf(widget):
            return name
    if tabs.parentWidget().isAncestorOf(widget):
        return "under the pages"
    return type(widget).__name__


def tab_round(window, key=Qt.Key.Key_Tab) -> list:
    """The stops from the drawing round to it again, pressing ``key``."""
    window.canvas.setFocus()
    stops = []
    for _ in range(ROUND):
        QTest.keyClick(QApplication.focusWidget(), key)
        focus = QApplication.focusWidget()
        if focus is window.canvas:
            return stops
        stops.append(focus)
    raise AssertionError(f"{key!r} never came back to the drawing: "
                         f"{[type(w).__name__ for w in stops[-12:]]}")


def collapsed(names: list[str]) -> list[str]:
    return [n for i, n in enumerate(names) if i == 0 or n != names[i - 1]]

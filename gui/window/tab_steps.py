"""Ctrl+PgDown / Ctrl+PgUp: the next or previous tab of the window, from
anywhere in it (Qt's own keys for this work only while the focus is inside
the tab widget, and the focus usually sits on the drawing). They always step
the window's tabs, also while the focus is in the Training tab's own tabs,
so the keys mean one thing everywhere; those inner tabs take the arrow keys
on their tab bar."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabWidget


def step_tab(tabs: QTabWidget, direction: int) -> int:
    """Show the next tab that can be shown after the current one
    (``direction`` >= 0) or before it (< 0), going round at the ends and
    skipping tabs that are disabled or hidden. Returns the index shown (the
    current one if no other tab can be shown)."""
    count, current = tabs.count(), tabs.currentIndex()
    for moved in range(1, count):
        index = (current + moved * (1 if direction >= 0 else -1)) % count
        if tabs.isTabEnabled(index) and tabs.isTabVisible(index):
            page, focused = tabs.currentWidget(), QApplication.focusWidget()
            tabs.setCurrentIndex(index)
            if page is not None and focused is not None and page.isAncestorOf(focused):
                # the focus was on the page now hidden: to the tab bar (which
                # shows it, and whose arrows go on), not into the new page's
                # first stop, often a scroll area without a focus mark
                tabs.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
            return index
    return current

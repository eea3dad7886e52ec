"""Tab follows the window's regions in reading order: the toolbar, the
banner, the left column (the drawing and its rows), the tab bar, the shown
page, the bars under the pages (the time machine), the status bar, and round
again.

Why this is needed. Qt's Tab order is the order in which widgets joined the
window, not where they are: a tab added after the toolbar (My handwriting,
Build, One step), or a widget a page creates later (a spin box that appears
with a model), lands at the end of the chain, so Tab went from the tab bar
to the toolbar and only then into the page. ``setTabOrder`` cannot mend it
for good: pages keep adding widgets, and it moves a widget without the parts
Qt keeps beside it in the chain (a scroll area's viewport, a spin box's
editor), which then act as extra stops. So the window asks :meth:`step`
for the next stop instead (its ``focusNextPrevChild``): the chain's stops,
sorted by region, each region keeping the order of the chain (which is its
own order as long as its widgets joined together). The chain is walked at
each Tab (some 850 widgets in the window: about 3 ms).
"""
from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from ..widgets.focus_chain import tab_stops_in_chain


def region_of(widget: QWidget, regions: Sequence[QWidget]) -> int:
    """The index of the first of ``regions`` that is ``widget`` or holds it;
    ``len(regions)`` when none does. (List a region inside another one
    before it: the tab bar before the tab widget.)"""
    for index, region in enumerate(regions):
        if region is widget or region.isAncestorOf(widget):
            return index
    return len(regions)


def in_reading_order(window: QWidget, regions: Sequence[QWidget]) -> list[QWidget]:
    """:func:`tab_stops_in_chain` sorted by region (stable: within a region,
    the chain's order)."""
    stops = tab_stops_in_chain(window)
    ranked = sorted(range(len(stops)), key=lambda i: (region_of(stops[i], regions), i))
    return [stops[i] for i in ranked]


class RegionFocusOrder:
    """The next Tab stop of ``window`` in region order.

    :param regions: gives the regions' widgets in reading order (called at
        each step, so a region made later counts; None entries are skipped)
    """

    def __init__(self, window: QWidget, regions: Callable[[], Sequence[QWidget | None]]):
        self._window = window
        self._regions = regions

    def order(self) -> list[QWidget]:
        """Every Tab stop of the window (shown or not), in the order Tab visits them."""
        return in_reading_order(self._window, [r for r in self._regions() if r is not None])

    def step(self, forward: bool) -> bool:
        """Move the focus to the next (``forward``) or previous shown and
        enabled stop after the focused widget, round the window; False (and
        nothing done) when the focus is not on one of the window's stops."""
        focus = QApplication.focusWidget()
        if focus is None or focus.window() is not self._window:
            return False
        stops = self.order()
        index = next((i for i, w in enumerate(stops) if w is focus), None)
        if index is None:
            return False
        direction = 1 if forward else -1
        for k in range(1, len(stops)):
            widget = stops[(index + direction * k) % len(stops)]
            if widget.isVisibleTo(self._window) and widget.isEnabled():
                widget.setFocus(Qt.FocusReason.TabFocusReason if forward
                                else Qt.FocusReason.BacktabFocusReason)
                return True
        return False

"""Reading a widget's part of the window's focus chain (Tab order)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

#: More widgets than this in one focus chain: something is wrong; stop walking.
MAX_CHAIN = 20_000


def takes_tab_itself(widget: QWidget) -> bool:
    """Whether Tab may stop on ``widget`` itself (its policy takes Tab and it
    hands its focus to no proxy), shown or not, enabled or not."""
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None


def tab_stops_in_chain(window: QWidget) -> list[QWidget]:
    """The widgets of ``window`` that take the focus by Tab themselves (not
    through a focus proxy), shown or not, enabled or not, in the order of
    its focus chain from the window."""
    stops, widget = [], window.nextInFocusChain()
    for _ in range(MAX_CHAIN):
        if widget is window or widget is None:
            break
        if takes_tab_itself(widget) and widget.window() is window:
            stops.append(widget)
        widget = widget.nextInFocusChain()
    return stops


def last_tab_stop_in(container: QWidget) -> QWidget | None:
    """The last widget inside ``container`` (or ``container`` itself) that
    takes the focus by Tab itself, in the focus chain's order, shown or not;
    None when there is none."""
    last, widget = None, container
    for _ in range(MAX_CHAIN):
        if widget is container or container.isAncestorOf(widget):
            if takes_tab_itself(widget):
                last = widget
        widget = widget.nextInFocusChain()
        if widget is container or widget is None:
            break
    return last

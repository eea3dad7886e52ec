"""Where the keyboard focus goes when the button holding it is disabled.

Qt moves it to the next widget in the window's Tab order, often far from
what the person will want next (Start disabled as a run starts: the focus
landed on a plot's tab bar; a step's Train button: on "Step through", where
the next Space took a step). :class:`FocusHandOff` gives it to the button
that does the next thing instead (Start to Stop, Undo to Train); when none
of those can take it yet, it remembers where Qt put it ("parked") and, if
the focus is still there when the button is enabled again, takes it back.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget


class FocusHandOff:
    """Focus hand-off among ``successors``: each button mapped to the
    buttons that should take the focus, in order, when it is disabled while
    it has it (it keeps it if it stays enabled). Wrap every change of the
    buttons' enabled states in :meth:`kept`."""

    def __init__(self, successors: Mapping[QWidget, Sequence[QWidget]]):
        self._successors = {button: tuple(heirs) for button, heirs in successors.items()}
        self._parked: tuple[QWidget, QWidget | None] | None = None

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Inside: enable and disable the buttons; after: the focus handed on."""
        parked, self._parked = self._parked, None
        if parked is not None and QApplication.focusWidget() is parked[1]:
            focused = parked[0]          # the focus still waits where it went (even on a key)
        else:
            focused = next((b for b in self._successors if b.hasFocus()), None)
        yield
        if focused is None or focused.hasFocus():
            return
        heir = next((b for b in (focused, *self._successors[focused]) if b.isEnabled()), None)
        if heir is not None:
            heir.setFocus(Qt.FocusReason.TabFocusReason)
        else:                             # none can take it yet: a later change may
            self._parked = (focused, QApplication.focusWidget())

"""Undo and redo for the architecture editor: every edit is a
:class:`LayersEdit` on a ``QUndoStack`` that holds the whole layer list
before and after (a network has at most 64 small layer descriptions, so
snapshots are cheap and undo can never get out of step).

Consecutive changes of the same setting of the same layer (clicking a spin
box's arrow five times) merge into one step.

:class:`UndoKeys` gives the editor Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y) while
the focus is inside it: the window's own Ctrl+Z undoes strokes on the
canvas, so the editor claims the keys before the window's shortcut fires
(it accepts Qt's ``ShortcutOverride`` event, like
:mod:`gui.explain.morph_escape`), and only while it has the focus.
"""
from __future__ import annotations

import copy
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QApplication, QWidget

#: ``QUndoCommand.id`` of setting edits (those may merge).
SETTING_EDIT = 1

Apply = Callable[[list, int | None], None]


class LayersEdit(QUndoCommand):
    """Replace the layer list ``before`` by ``after`` (redo) and back (undo),
    through ``apply(layers, focus)``; ``focus`` is the row to select after.
    ``merge_key`` (e.g. ``("conv2", "kernel_size")``) lets consecutive edits
    of one setting merge into one step."""

    def __init__(self, apply: Apply, before: list, after: list, text: str,
                 focus: tuple[int | None, int | None] = (None, None),
                 merge_key: tuple | None = None):
        super().__init__(text)
        self._apply = apply
        self.before, self.after = copy.deepcopy(before), copy.deepcopy(after)
        self._focus = focus                 # (after undo, after redo)
        self.merge_key = merge_key

    def id(self) -> int:
        return SETTING_EDIT if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, LayersEdit) or other.merge_key != self.merge_key:
            return False
        self.after = copy.deepcopy(other.after)
        return True

    def redo(self) -> None:
        self._apply(copy.deepcopy(self.after), self._focus[1])

    def undo(self) -> None:
        self._apply(copy.deepcopy(self.before), self._focus[0])


class UndoKeys(QObject):
    """Ctrl+Z undoes and Ctrl+Shift+Z / Ctrl+Y redo ``stack`` while the focus
    is in ``owner`` (see the module docstring). It watches the application's
    key events only while the focus is inside ``owner``."""

    def __init__(self, owner: QWidget, stack: QUndoStack):
        super().__init__(owner)
        self._owner, self._stack = owner, stack
        self._armed = False
        app = QApplication.instance()
        app.focusChanged.connect(self._focus_changed)

    @property
    def armed(self) -> bool:
        return self._armed

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        inside = now is not None and (now is self._owner or self._owner.isAncestorOf(now))
        if inside != self._armed:
            self._armed = inside
            app = QApplication.instance()
            if inside:
                app.installEventFilter(self)
            else:
                app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        action = self._action(event)
        if action is None or not isinstance(watched, QWidget) or not (
                watched is self._owner or self._owner.isAncestorOf(watched)):
            return False
        event.accept()
        if kind == QEvent.Type.KeyPress:
            action()
        return True

    def _action(self, event) -> Callable[[], None] | None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
        if event.key() == Qt.Key.Key_Z and mods == ctrl:
            return self._stack.undo
        if (event.key() == Qt.Key.Key_Z and mods == ctrl | shift) or \
                (event.key() == Qt.Key.Key_Y and mods == ctrl):
            return self._stack.redo
        return None

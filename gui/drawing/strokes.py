"""A drawing as data: vector strokes in canvas units, the brush sizes, and
the history actions of the canvas (a tuple of strokes, :data:`CLEAR`, or a
:class:`~gui.drawing.placed.PlacedImage`)."""
from __future__ import annotations

from dataclasses import dataclass

from engine.data.pen_render import DEFAULT_PEN, REFERENCE_SIDE

from .placed import PlacedImage

# REFERENCE_SIDE: brush widths are given in pixels of a canvas this many pixels
# wide. The engine's pen renderer, which replays MNIST digits as strokes, uses
# the same reference and default pen.
DEFAULT_BRUSH = DEFAULT_PEN
"""~11-13 % of a typical digit's height: reproduces MNIST stroke widths
(see :mod:`engine.data.preprocess`)."""
MIN_BRUSH, MAX_BRUSH = 4.0, 60.0
MIN_SIDE = 280
"""Smallest canvas side (pixels)."""
MIN_STEP = 0.1
"""A mouse point closer than this many pen widths to the previous point of its
stroke is skipped: one-pixel jitter adds nothing to a stroke but tiny
segments, which paint seams inside it (see :mod:`gui.drawing.painting`)."""


@dataclass(frozen=True)
class Stroke:
    """One pen stroke in canvas units.

    :param points: ``((x, y), ...)`` with ``(0, 0)`` the top-left and ``(1, 1)``
        the bottom-right corner of the drawing square
    :param width: pen diameter as a fraction of the square's side
    :param erase: paint black (the eraser) instead of white ink
    """

    points: tuple[tuple[float, float], ...]
    width: float
    erase: bool = False


def as_strokes(strokes, width: float, erase: bool) -> tuple[Stroke, ...]:
    """A history action: :class:`Stroke` objects as they are, point sequences
    ``[(x, y), ...]`` (canvas units) as strokes of ``width`` (fraction of the side)."""
    return tuple(s if isinstance(s, Stroke) else
                 Stroke(tuple((float(x), float(y)) for x, y in s), width, erase) for s in strokes)


CLEAR = "clear"
"""History action that blanks the canvas."""


def brush_to_fraction(brush_px: float) -> float:
    """Brush width in reference pixels -> fraction of the canvas side."""
    return float(brush_px) / REFERENCE_SIDE


class StrokeHistory:
    """The canvas's undo/redo history: a list of actions, each a tuple of
    strokes (one mouse stroke, or a whole example digit), :data:`CLEAR`, or a
    :class:`PlacedImage` (which replaces the drawing before it).
    Undo moves the last action onto the redo stack; a new action empties it."""

    def __init__(self):
        self._actions: list = []
        self._redo: list = []

    def push(self, action) -> None:
        self._actions.append(action)
        self._redo.clear()

    def undo(self) -> bool:
        """Undo the last action; False if there was none."""
        if not self._actions:
            return False
        self._redo.append(self._actions.pop())
        return True

    def redo(self) -> bool:
        """Redo the last undone action; False if there was none."""
        if not self._redo:
            return False
        self._actions.append(self._redo.pop())
        return True

    def can_undo(self) -> bool:
        return bool(self._actions)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def visible(self) -> list:
        """The actions after the last :data:`CLEAR`, or from the last
        :class:`PlacedImage` on, oldest first."""
        out = []
        for action in reversed(self._actions):
            if isinstance(action, str):      # CLEAR
                break
            out.append(action)
            if isinstance(action, PlacedImage):
                break
        return out[::-1]

    def strokes(self) -> list[Stroke]:
        """The strokes of the visible actions, oldest first."""
        return [stroke for action in self.visible() if isinstance(action, tuple)
                for stroke in action]

    def placed(self) -> PlacedImage | None:
        """The visible placed image (strokes may be drawn over it), or None."""
        visible = self.visible()
        return visible[0] if visible and isinstance(visible[0], PlacedImage) else None

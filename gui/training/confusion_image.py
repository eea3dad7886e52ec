"""The confusion matrix as a clickable pyqtgraph image, coloured so that the
mistakes stand out.

A trained model puts ~1000 images on each diagonal cell and 0-30 on the
others, so one colour scale for all cells shows a bright diagonal and a flat
dark rest. Here the two kinds of cells have their own colours:

* correct (diagonal) cells: green, darker the larger the share of that row
  (the digit's accuracy, from 50 % or less to 100 %);
* mistakes (off-diagonal cells with a count): orange to deep red on a log
  scale of the count, from 1 to the largest mistake count;
* cells with no image: a plain background.

Every cell's count text gets black or white, whichever reads on its colour.
Display only: the counts come from :class:`engine.training.evaluate.EvalResult`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from ..widgets.theme import Theme


@dataclass(frozen=True)
class ConfusionColours:
    """RGB colours (``#rrggbb``) of the cells of one theme."""

    empty: str          # no image in this cell
    error_low: str      # one mistake
    error_high: str     # the largest mistake count
    correct_low: str    # a diagonal cell of a row with 50 % (or less) right
    correct_high: str   # a diagonal cell of a row with 100 % right
    dark_text: str = "#15181c"
    light_text: str = "#f4f5f7"


LIGHT_CELLS = ConfusionColours(empty="#eef0f3", error_low="#fbd9b8", error_high="#b3122a",
                               correct_low="#9fd39a", correct_high="#1e7a3a")
DARK_CELLS = ConfusionColours(empty="#2a2e34", error_low="#5a3a22", error_high="#ff5a3a",
                              correct_low="#2f5a35", correct_high="#3fbf64")


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _ramp(low: str, high: str, t: np.ndarray) -> np.ndarray:
    """``t`` in [0, 1] ``(...)`` -> RGB ``(..., 3)`` float from ``low`` to ``high``."""
    lo, hi = _rgb(low), _rgb(high)
    return lo + (hi - lo) * np.clip(t, 0.0, 1.0)[..., None]


def confusion_rgba(confusion: np.ndarray, colours: ConfusionColours = LIGHT_CELLS) -> np.ndarray:
    """``confusion (k, k)`` counts (rows = true class) -> ``(k, k, 4)`` uint8
    RGBA cell colours (see the module docstring)."""
    counts = np.asarray(confusion, dtype=np.float64)
    k = counts.shape[0]
    diagonal = np.eye(k, dtype=bool)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)   # (k, k)
    errors = np.where(diagonal, 0.0, counts)
    top = errors.max() if errors.size else 0.0
    err_t = np.log1p(errors) / np.log1p(top) if top > 1 else (errors > 0).astype(float)
    rgb = np.empty((k, k, 3))
    rgb[:] = _rgb(colours.empty)
    wrong = ~diagonal & (counts > 0)
    rgb[wrong] = _ramp(colours.error_low, colours.error_high, err_t[wrong])
    right = diagonal & (counts > 0)
    rgb[right] = _ramp(colours.correct_low, colours.correct_high, (share[right] - 0.5) / 0.5)
    rgba = np.full((k, k, 4), 255, dtype=np.uint8)
    rgba[..., :3] = np.round(rgb)
    return rgba


def text_colours(rgba: np.ndarray, colours: ConfusionColours = LIGHT_CELLS) -> np.ndarray:
    """``(k, k, 4)`` cell colours -> ``(k, k, 3)`` uint8 text colours: dark on
    light cells, light on dark ones (relative luminance above or below 0.45)."""
    lum = (0.2126 * rgba[..., 0] + 0.7152 * rgba[..., 1] + 0.0722 * rgba[..., 2]) / 255.0
    out = np.empty(rgba.shape[:2] + (3,), dtype=np.uint8)
    out[:] = _rgb(colours.light_text)
    out[lum > 0.45] = _rgb(colours.dark_text)
    return out


def confusion_colormap() -> pg.ColorMap:
    """Dark blue (0) to bright yellow (max), perceptually even (a single scale
    for a plain count image; :meth:`ConfusionImage.set_confusion` colours
    correct cells and mistakes apart instead)."""
    try:
        return pg.colormap.get("viridis")
    except Exception:  # pragma: no cover - very old pyqtgraph
        return pg.ColorMap([0.0, 1.0], [(20, 20, 60), (250, 230, 80)])


class ConfusionImage(pg.ImageItem):
    """The confusion matrix image; a left click on a cell emits ``sigCellClicked(true, predicted)``.

    :meth:`set_confusion` shows counts with correct cells and mistakes on
    their own colour scales; :meth:`text_colour` gives the count text colour
    of a cell; :meth:`set_theme` picks the light or dark cell colours."""

    sigCellClicked = Signal(int, int)

    colours = LIGHT_CELLS
    confusion: np.ndarray | None = None
    _text: np.ndarray | None = None

    def set_theme(self, theme: Theme) -> None:
        """Cell colours for ``theme`` (re-colours a matrix already shown)."""
        self.colours = DARK_CELLS if theme.dark else LIGHT_CELLS
        if self.confusion is not None:
            self.set_confusion(self.confusion)

    def set_confusion(self, confusion: np.ndarray) -> None:
        """Show ``confusion (k, k)`` (rows = true class, columns = prediction)."""
        self.confusion = np.asarray(confusion)
        rgba = confusion_rgba(self.confusion, self.colours)
        self._text = text_colours(rgba, self.colours)
        self.setLookupTable(None)
        self.setImage(rgba, autoLevels=False, levels=None)

    def text_colour(self, row: int, col: int) -> tuple[int, int, int]:
        """RGB of the count text of cell ``(row, col)`` (readable on its colour)."""
        if self._text is None:
            return (20, 20, 20)
        return tuple(int(v) for v in self._text[row, col])

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.image is None:
            return
        pos = ev.pos()  # item coordinates: x = column, y = row (row-major image)
        row, col = int(np.floor(pos.y())), int(np.floor(pos.x()))
        rows, cols = self.image.shape[:2]
        if 0 <= row < rows and 0 <= col < cols:
            ev.accept()
            self.sigCellClicked.emit(row, col)

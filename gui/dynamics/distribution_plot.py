"""One layer's weights or gradients over the run as a heat map, like
TensorBoard's distributions: x = training step, y = the value (the weight,
or log10 |gradient|), colour = how many of the layer's values fell in that
bin at that step.

The colour is log-scaled (a bin with 10 values and one with 10,000 both
show), with the app's map for non-negative values (``inferno``): black = no
value in the bin, bright yellow = the fullest bin of the run. Below the plot
a colour bar gives the scale. Display only: the counts are the engine's
histograms (:class:`engine.training.dynamics_report.LayerDynamics`).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from ..widgets.colour_bar import ColourBar
from ..widgets.export_menu import install_export_menu
from ..widgets.fit_text import FitText
from ..widgets.theme import LIGHT, Theme, to_indices
from .plot_look import (DecadeAxis, LABEL_STYLE, colour_cursor, colour_plot, cursor_line,
                        fix_title_row, hide_step_values, new_plot)

#: Most image columns: more samples than this are shown one per column of a
#: resampled grid (a plot is never that wide).
MAX_COLUMNS = 2000
#: Where a bin holding a single value starts on the colour ramp (0 = black,
#: reserved for empty bins; 1 = the fullest bin).
ONE_COUNT = 0.18

WEIGHT_TIP = ("How this layer's weights are spread at each step (brighter = more weights "
              "with that value, log colour scale): a healthy layer's spread changes slowly "
              "and smoothly, without sudden jumps or a collapse onto one value.")
GRADIENT_TIP = ("How large this layer's gradients are at each step (y: |gradient| on a log "
                "scale, brighter = more of them): healthy gradients stay within a few powers "
                "of ten, neither sinking towards zero nor shooting up.")


def heat_columns(steps: np.ndarray, max_columns: int = MAX_COLUMNS
                 ) -> tuple[np.ndarray, float, float]:
    """How samples at ``steps`` ``(n,)`` (increasing) become image columns:
    ``(sample index of each column, x of the first column's left edge, a
    column's width in steps)``. Evenly spaced samples map one to a column,
    centred on their step; otherwise (e.g. steps 1, 2, 3, 200, 400: the
    first steps and then every 200th), or past ``max_columns``, the columns
    form an even grid from the first step to the last and each shows the
    sample nearest to it."""
    n = len(steps)
    if n == 0:
        return np.zeros(0, int), 0.0, 1.0
    if n == 1:
        return np.zeros(1, int), float(steps[0]) - 0.5, 1.0
    gaps = np.diff(steps)
    if n <= max_columns and np.allclose(gaps, gaps[0], rtol=1e-6):
        return np.arange(n), float(steps[0] - gaps[0] / 2), float(gaps[0])
    span = float(steps[-1] - steps[0])
    cols = int(min(max_columns, max(n, math.ceil(span / max(gaps.min(), 1e-12)) + 1)))
    width = span / (cols - 1)
    centres = steps[0] + width * np.arange(cols)
    middles = 0.5 * (steps[1:] + steps[:-1])             # where the nearest sample changes
    index = np.searchsorted(middles, centres, side="left")
    return np.clip(index, 0, n - 1), float(steps[0]) - width / 2, width


def count_levels(counts: np.ndarray) -> np.ndarray:
    """Counts ``(...)`` -> colour positions in [0, 1]: 0 for an empty bin,
    :data:`ONE_COUNT` for one value, 1 for the largest count, log-scaled."""
    c = np.asarray(counts, dtype=np.float32)
    top = float(c.max()) if c.size else 0.0
    if top <= 1.0:
        return np.where(c > 0, 1.0, 0.0).astype(np.float32)
    with np.errstate(divide="ignore"):
        t = ONE_COUNT + (1.0 - ONE_COUNT) * np.log10(np.maximum(c, 1.0)) / math.log10(top)
    return np.where(c > 0, t, 0.0).astype(np.float32)


class DistributionPlot(QWidget):
    """The heat map of one layer's weights (``kind="weights"``, y = weight
    value) or gradients (``kind="gradients"``, y = |gradient|, log axis).

    :meth:`set_data` takes the run's steps, the fixed bin edges and the
    ``(n, bins)`` counts; ``image`` is the ``pg.ImageItem`` (its ``image``:
    ``(bins, columns)`` uint8 indices, row 0 = the lowest bin);
    ``colour_bar`` the scale under the plot; ``cursor`` the time-machine line.
    Right-click: save as PNG or SVG."""

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        if kind not in ("weights", "gradients"):
            raise ValueError(f"unknown kind {kind!r}")
        self.kind = kind
        self._theme: Theme = LIGHT
        self._levels: tuple[float, float] | None = None
        self._edges: tuple[float, float] | None = None
        self._counts: np.ndarray | None = None
        if kind == "weights":
            self.plot = new_plot("weightDistributionPlot")
            item = self.plot.getPlotItem()
            item.setTitle("Weights over time")
            item.getAxis("left").setLabel("weight value", **LABEL_STYLE)
            hide_step_values(item)
            self.plot.setToolTip(WEIGHT_TIP)
            noun = "weights"
        else:
            self.plot = new_plot("gradientDistributionPlot", DecadeAxis("left"))
            item = self.plot.getPlotItem()
            item.setTitle("Gradients over time")
            item.getAxis("left").setLabel("|gradient|", **LABEL_STYLE)
            item.getAxis("bottom").setLabel("step", **LABEL_STYLE)
            self.plot.setToolTip(GRADIENT_TIP)
            noun = "gradients"
        fix_title_row(item)
        self.image = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image)
        self.cursor = cursor_line()
        item.addItem(self.cursor)
        # the longest wording that fits beside the colour bar, never cut mid-word
        self.caption = FitText((f"{noun} per bin (log scale)", f"{noun} per bin (log)",
                                f"{noun} per bin", "per bin"))
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.colour_bar = ColourBar(align_right=True)
        foot = QHBoxLayout()
        foot.setContentsMargins(6, 0, 4, 0)
        foot.addWidget(self.caption, 1)
        foot.addWidget(self.colour_bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(foot)
        install_export_menu(self, "weight distribution" if kind == "weights"
                            else "gradient distribution")
        self.apply_theme(LIGHT)

    # ------------------------------------------------------------------ API
    def set_data(self, steps: np.ndarray, edges: np.ndarray, counts: np.ndarray) -> None:
        """Show ``counts`` ``(n, bins)`` at ``steps`` ``(n,)`` over the bin
        ``edges`` ``(bins + 1,)`` (evenly spaced: weight values, or log10
        |gradient|)."""
        steps = np.asarray(steps, float)
        counts = np.asarray(counts)
        if len(steps) == 0 or counts.size == 0:
            self.clear()
            return
        index, x0, width = heat_columns(steps)
        self._counts = counts
        shown = counts[index].T                                   # (bins, columns)
        self.image.setImage(to_indices(count_levels(shown), (0.0, 1.0)), levels=None,
                            lut=self._lut(), autoLevels=False)
        lo, hi = float(edges[0]), float(edges[-1])
        self.image.setRect(QRectF(x0, lo, width * shown.shape[1], hi - lo))
        self.image.setVisible(True)
        if self._edges != (lo, hi):
            self._edges = (lo, hi)
            self.plot.getPlotItem().getViewBox().setYRange(lo, hi, padding=0.0)
        self._levels = (0.0, float(counts.max()))
        self.colour_bar.set_scale(self._levels, self._lut())

    def clear(self) -> None:
        """Show nothing (no run yet)."""
        self._counts = None
        self._levels = None
        self.image.clear()
        self.image.setVisible(False)
        self.colour_bar.set_scale(None, None)

    @property
    def counts(self) -> np.ndarray | None:
        """The ``(n, bins)`` counts shown (None when empty)."""
        return self._counts

    def set_x_range(self, lo: float, hi: float) -> None:
        """The steps shown (the same on every time axis of the view)."""
        self.plot.getPlotItem().getViewBox().setXRange(lo, hi, padding=0.0)

    def set_cursor(self, step: float | None) -> None:
        """A vertical line at ``step``; None hides it."""
        if step is None:
            self.cursor.setVisible(False)
        else:
            self.cursor.setValue(float(step))
            self.cursor.setVisible(True)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        colour_plot(self.plot, theme)
        colour_cursor(self.cursor, theme, on_heat_map=True)
        if self.image.image is not None and self._levels is not None:
            self.image.setLookupTable(self._lut())
            self.colour_bar.set_scale(self._levels, self._lut())

    def _lut(self) -> np.ndarray:
        return self._theme.sequential_lut()

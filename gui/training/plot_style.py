"""The look of the training plots: their axes, titles and theme colours.

Titles are short literals, left-aligned in a row of :data:`TITLE_HEIGHT` px
(pyqtgraph reserves 30); the axes never add an SI prefix ("epoch (x0.001)").
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

#: Height (px) of a plot's title row.
TITLE_HEIGHT = 18
#: Width (px) of the left axes (room for "100 %"), the same on every plot so
#: their x axes line up.
LEFT_AXIS_WIDTH = 44


def style_axes(items: list[pg.PlotItem]) -> None:
    """Plain axes (no SI prefix), no context menu or "A" button, x-only mouse
    (wheel zoom and drag; the y ranges are set by the owner). The plots take
    no keys, so they are no Tab stops (a view shows no focus mark)."""
    for item in items:
        for view in item.scene().views():
            view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        for name in ("left", "bottom"):
            item.getAxis(name).enableAutoSIPrefix(False)
        item.setMenuEnabled(False)
        item.hideButtons()
        item.getViewBox().setMouseEnabled(x=True, y=False)
        item.getViewBox().disableAutoRange()


def set_titles(loss: pg.PlotItem, accuracy: pg.PlotItem, lr: pg.PlotItem, color: str) -> None:
    """The three plots' titles in ``color``, left-aligned, compact."""
    style = dict(color=color, size="9pt", bold=True, justify="left")
    loss.setTitle("Loss (log scale)", **style)
    accuracy.setTitle("Accuracy", **style)
    lr.setTitle("Learning rate", **style)
    for item in (loss, accuracy, lr):
        item.layout.setRowFixedHeight(0, TITLE_HEIGHT)
        item.titleLabel.setMaximumHeight(TITLE_HEIGHT)


def colour_plots(plots: list[pg.PlotWidget], theme) -> None:
    """Background, axis lines and tick labels from a :class:`gui.widgets.theme.Theme`."""
    for plot in plots:
        plot.setBackground(theme.surface_alt)
        for name in ("left", "bottom"):
            axis = plot.getPlotItem().getAxis(name)
            axis.setPen(pg.mkPen(theme.border))
            axis.setTextPen(pg.mkPen(theme.muted))

"""The look shared by the dynamics plots: one colour per layer (the same in
every plot and in the legend), a log axis labelled at powers of ten, quiet
non-interactive plots with a compact title row, theme colours and the
vertical "time machine" cursor line."""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt

from ..training.plot_parts import blend
from ..training.plot_style import TITLE_HEIGHT

#: Width (px) of every left axis (room for "1e-3" and the axis label), the
#: same on every plot so their x axes line up.
LEFT_AXIS_WIDTH = 52
#: Axis labels' size: small, the plots are short.
LABEL_STYLE = {"font-size": "8pt"}
#: One colour per layer (input to output), cycled past ten layers: readable
#: on the light theme's plot background; the dark theme lightens them.
LAYER_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
                 (148, 103, 189), (140, 86, 75), (227, 119, 194), (23, 190, 207),
                 (188, 189, 34), (127, 127, 127))
#: How much lighter (towards white) the layer colours are in the dark theme.
DARK_LIGHTEN = 0.25


def layer_colour(index: int, dark: bool) -> tuple[int, int, int]:
    """The colour ``(r, g, b)`` of the ``index``-th layer (0 = nearest the input)."""
    colour = LAYER_COLOURS[index % len(LAYER_COLOURS)]
    return blend((255, 255, 255), colour, DARK_LIGHTEN) if dark else colour


def decade_label(exponent: float) -> str:
    """The label of ``10 ** exponent`` on a log axis: ``"1"``, ``"10"``,
    ``"100"``, ``"0.1"``, ``"0.01"``, ``"1e-3"``, ``"1e4"`` (plain text)."""
    e = int(round(exponent))
    if 0 <= e <= 2:
        return f"{10 ** e}"
    if -2 <= e < 0:
        return f"{10.0 ** e:g}"
    return f"1e{e}"


class DecadeAxis(pg.AxisItem):
    """A left axis for values stored as log10: ticks and labels at whole
    powers of ten only ("1e-3"), every second one when the range is long."""

    def tickValues(self, minVal, maxVal, size):
        lo, hi = math.ceil(minVal - 1e-9), math.floor(maxVal + 1e-9)
        if hi < lo:
            return [(1.0, [0.5 * (minVal + maxVal)])]
        step = 1 if hi - lo <= max(2, size // 28) else 2
        return [(float(step), [float(e) for e in range(lo, hi + 1) if e % step == 0])]

    def tickStrings(self, values, scale, spacing):
        return [decade_label(v) if abs(v - round(v)) < 1e-6 else f"{10 ** v:.2g}"
                for v in values]


def new_plot(object_name: str, left: pg.AxisItem | None = None) -> pg.PlotWidget:
    """A plot as the dynamics view wants it: no menu, no "A" button, no mouse
    zoom (the ranges follow the run), plain axes (no SI prefix), a compact
    title row; ``left`` replaces the left axis."""
    plot = pg.PlotWidget(axisItems={"left": left} if left is not None else None)
    plot.setObjectName(object_name)
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)     # no keys: no (invisible) Tab stop
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    box = item.getViewBox()
    box.setMouseEnabled(x=False, y=False)
    box.disableAutoRange()
    item.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
    for name in ("left", "bottom"):
        item.getAxis(name).enableAutoSIPrefix(False)
    plot.setMinimumSize(120, 70)
    return plot


def fix_title_row(item: pg.PlotItem) -> None:
    """A compact title row (call after ``setTitle``)."""
    item.layout.setRowFixedHeight(0, TITLE_HEIGHT)
    item.titleLabel.setMaximumHeight(TITLE_HEIGHT)


def hide_step_values(item: pg.PlotItem) -> None:
    """No tick values on the x axis (a plot above another with the same steps)."""
    item.getAxis("bottom").setStyle(showValues=False)
    item.getAxis("bottom").setHeight(6)


def colour_plot(plot: pg.PlotWidget, theme) -> None:
    """Background, axes, axis labels and title in a :class:`gui.widgets.theme.Theme`'s colours."""
    plot.setBackground(theme.surface_alt)
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(theme.border))
        axis.setTextPen(pg.mkPen(theme.muted))
    # (the title's own literal text, re-set in the new colour)
    item.titleLabel.setText(item.titleLabel.text, color=theme.text, size="9pt", bold=True,
                            justify="left")


def cursor_line() -> pg.InfiniteLine:
    """A vertical dashed line at a step, hidden until placed (see :func:`colour_cursor`)."""
    line = pg.InfiniteLine(angle=90, movable=False)
    line.setZValue(20)
    line.setVisible(False)
    return line


#: The cursor's colour over a heat map (dark in both themes).
ON_HEAT_MAP = "#f4f5f7"


def colour_cursor(line: pg.InfiniteLine, theme, on_heat_map: bool = False) -> None:
    """The cursor in the theme's text colour, or near-white over a heat map."""
    line.setPen(pg.mkPen(ON_HEAT_MAP if on_heat_map else theme.text, width=1.5,
                         style=Qt.PenStyle.DashLine))

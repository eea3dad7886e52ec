"""A vertical cursor at one moment of a run on the training curves (whose x
axis is the position in epochs): where the time machine is."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

CURSOR_COLOR = "#d4a017"


class RunCursor:
    """One dashed vertical line per plot, hidden until :meth:`show_at`.

    :param plots: the ``pg.PlotWidget`` s sharing an x axis in epochs
    """

    def __init__(self, plots: list[pg.PlotWidget]):
        pen = pg.mkPen(CURSOR_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        self.lines = []
        for plot in plots:
            line = pg.InfiniteLine(angle=90, movable=False, pen=pen)
            line.setZValue(50)
            line.setVisible(False)
            plot.getPlotItem().addItem(line, ignoreBounds=True)
            self.lines.append(line)

    def show_at(self, epoch_fraction: float | None) -> None:
        """Put the cursor at ``epoch_fraction`` epochs (None: hide it)."""
        for line in self.lines:
            if epoch_fraction is None:
                line.setVisible(False)
            else:
                line.setValue(float(epoch_fraction))
                line.setVisible(True)

    @property
    def position(self) -> float | None:
        """Where the cursor is (epochs), None when hidden."""
        line = self.lines[0] if self.lines else None
        return float(line.value()) if line is not None and line.isVisible() else None

"""Zoom and reset for the training curves' shared x axis (epochs).

Scrolling over a plot zooms in on some epochs, dragging moves along them
(x only: the y ranges stay automatic). The view never leaves the run: its
limits are the run's epochs. A double-click on any plot, or the small
"Reset zoom" button, shows the whole run again; the button is enabled only
while the view is zoomed or moved, so it also says that it was.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QToolButton

#: Padding around the run's epochs (fraction of their span) in the full view.
X_PADDING = 0.025
#: The deepest zoom: this fraction of the run's span.
MIN_ZOOM = 1 / 500


class RunViewRange(QObject):
    """The x range of x-linked plots: the run's epochs, zoomable, resettable.

    ``plots``: the linked ``pg.PlotWidget``s, the first being the one the
    others follow. :meth:`set_run` sets the full range (epochs); :meth:`reset`
    shows it (and emits ``sigReset`` so the owner can restore its y ranges).
    ``reset_button``: a small button for the owner to place.
    """

    sigReset = Signal()

    def __init__(self, plots: list[pg.PlotWidget], parent: QObject | None = None):
        super().__init__(parent)
        self._boxes = [p.getPlotItem().getViewBox() for p in plots]
        self._full = (0.0, 1.0)
        self.reset_button = QToolButton()
        self.reset_button.setObjectName("resetZoomButton")
        self.reset_button.setText("\u21ba Reset zoom")
        self.reset_button.setToolTip(
            "Show the whole run again (or double-click a plot).\n"
            "Scroll over a plot to zoom in on some epochs; drag to move along them.")
        self.reset_button.clicked.connect(self.reset)
        for plot in plots:
            plot.viewport().installEventFilter(self)
        self._boxes[0].sigXRangeChanged.connect(self._range_changed)
        self._range_changed()

    @property
    def full_range(self) -> tuple[float, float]:
        """The x range (epochs) of the whole run, padding included."""
        return self._full

    def set_run(self, start_epoch: float, epochs: float) -> None:
        """A run from ``start_epoch`` over ``epochs`` epochs (at least 1): the
        full range and the zoom limits; shows it."""
        span = max(1.0, float(epochs))
        pad = X_PADDING * span
        self._full = (start_epoch - pad, start_epoch + span + pad)
        for box in self._boxes:
            box.setLimits(xMin=self._full[0], xMax=self._full[1],
                          minXRange=MIN_ZOOM * span, maxXRange=self._full[1] - self._full[0])
        self.reset()

    def reset(self) -> None:
        """Show the whole run (x) and emit ``sigReset``."""
        self._boxes[0].setXRange(*self._full, padding=0)
        self._range_changed()
        self.sigReset.emit()

    def shown_range(self) -> tuple[float, float]:
        """The x range (epochs) shown now."""
        lo, hi = self._boxes[0].viewRange()[0]
        return float(lo), float(hi)

    def is_zoomed(self) -> bool:
        """True when the view shows less than (or another part than) the whole run."""
        lo, hi = self.shown_range()
        tol = 1e-6 * (self._full[1] - self._full[0])
        return abs(lo - self._full[0]) > tol or abs(hi - self._full[1]) > tol

    def _range_changed(self, *args) -> None:
        self.reset_button.setEnabled(self.is_zoomed())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A left double-click on a plot resets the view (and goes no further)."""
        if event.type() == QEvent.Type.MouseButtonDblClick \
                and event.button() == Qt.MouseButton.LeftButton:
            self.reset()
            return True
        return super().eventFilter(watched, event)

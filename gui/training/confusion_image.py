"""The confusion matrix as a clickable pyqtgraph image."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal


def confusion_colormap() -> pg.ColorMap:
    """Dark blue (0) to bright yellow (max), perceptually even."""
    try:
        return pg.colormap.get("viridis")
    except Exception:  # pragma: no cover - very old pyqtgraph
        return pg.ColorMap([0.0, 1.0], [(20, 20, 60), (250, 230, 80)])


class ConfusionImage(pg.ImageItem):
    """The confusion matrix image; a left click on a cell emits ``sigCellClicked(true, predicted)``."""

    sigCellClicked = Signal(int, int)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.image is None:
            return
        pos = ev.pos()  # item coordinates: x = column, y = row (row-major image)
        row, col = int(np.floor(pos.y())), int(np.floor(pos.x()))
        rows, cols = self.image.shape[:2]
        if 0 <= row < rows and 0 <= col < cols:
            ev.accept()
            self.sigCellClicked.emit(row, col)

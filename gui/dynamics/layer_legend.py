"""The layers' legend of the dynamics plots: one entry per layer in its
colour (the same colour in every plot), the chosen layer drawn with a thick
mark; clicking an entry chooses that layer. Painted as plain text (layer
names come from model files)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from ..training.plot_legend import CurveLegend, LegendEntry
from .plot_look import layer_colour

LEGEND_TIP = "Each layer's colour in the plots below; click a layer to show its distributions"


class LayerLegend(CurveLegend):
    """Layer names in their colours, input to output. ``sigLayerClicked(name)``
    when an entry is clicked (left button)."""

    sigLayerClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__([], parent)
        self.setObjectName("layerLegend")
        self.setToolTip(LEGEND_TIP)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._names: list[str] = []
        self._chosen: str | None = None
        self._dark = False

    def set_layers(self, names: list[str], chosen: str | None, dark: bool) -> None:
        """Show ``names`` (input to output), ``chosen`` with a thick mark, in
        the colours of a ``dark`` or light theme."""
        if (names, chosen, dark) == (self._names, self._chosen, self._dark):
            return
        self._names, self._chosen, self._dark = list(names), chosen, dark
        self.set_entries([LegendEntry(layer_colour(i, dark), "thick" if name == chosen else "thin",
                                      name) for i, name in enumerate(names)])

    def name_at(self, x: int, y: int) -> str | None:
        """The layer whose entry is at ``(x, y)`` (widget pixels), if any."""
        for name, rect in zip(self._names, self.entry_rects(self.width())):
            if rect.contains(x, y):
                return name
        return None

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.position().toPoint()
            name = self.name_at(pos.x(), pos.y())
            if name is not None:
                self.sigLayerClicked.emit(name)
                event.accept()
                return
        super().mousePressEvent(event)

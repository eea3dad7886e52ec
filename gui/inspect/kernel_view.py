"""Every convolution kernel of the loaded model, one panel per conv layer.

``K`` is stored as ``(C_in, D_out, k1, k2)``. With one input channel the
``D_out`` kernels are tiled in a compact grid; otherwise row ``i``, column
``d`` holds the slice ``K[i, d]`` that filters input map ``i`` for output map
``d``. Colours: blue negative, red positive, symmetric about 0 per layer.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from engine import Model

from ..widgets.image_view import ImageView
from ..widgets.panel import Panel
from ..widgets.plain_text import plain_label
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, symmetric_levels


class KernelPanel(Panel):
    """All kernels of one convolution layer."""

    sigKernelClicked = Signal(str, int)

    def __init__(self, layer, parent: QWidget | None = None):
        c_in, d_out, k1, k2 = layer.params["K"].shape
        layout_text = ("one kernel per output map" if c_in == 1 else
                       f"rows: {c_in} input maps, columns: {d_out} output maps")
        super().__init__(layer.name, f"{c_in} × {d_out} × {k1} × {k2}  ·  {layout_text}  ·  "
                                     f"blue < 0 < red",
                         tooltip=f"The learned {k1}×{k2} weights of {layer.name}. Each output "
                                 f"map is made by sliding its kernel over the input; blue "
                                 f"weights are negative, red positive. Click a kernel to "
                                 f"inspect its feature map.",
                         parent=parent)
        self.layer = layer
        self.name = layer.name
        self._theme = LIGHT
        if c_in == 1:
            rows, cols = best_grid(d_out, k1, k2, 640, 90, gap=1)
        else:
            rows, cols = c_in, d_out
        self.tiles = TileLayout(c_in * d_out, k1, k2, rows, cols, gap=1)
        img_h, img_w = self.tiles.shape
        self.view = ImageView(min_size=(160, 40))
        if c_in == 1:   # a short strip of kernels: no taller than it needs
            scale = min(10.0, 760.0 / img_w)
            self.view.setFixedHeight(int(img_h * scale) + 4)
            self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        else:
            self.view.setMinimumHeight(int(min(img_h * 1.5, 420)))
        self.body.addWidget(self.view, 1)
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(lambda: self.set_readout(""))
        self.view.sigClicked.connect(self._clicked)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the weights (e.g. after training changed them)."""
        K = self.layer.params["K"]
        c_in, d_out, k1, k2 = K.shape
        self.weights = np.array(K, dtype=np.float32)
        maps = self.weights.reshape(c_in * d_out, k1, k2)  # row i, column d = K[i, d]
        self.view.set_image(self.tiles.tile(maps), symmetric_levels(maps, percentile=99.5),
                            self._theme.diverging_lut())

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)
        self.refresh()

    def _split(self, index: int) -> tuple[int, int]:
        d_out = self.weights.shape[1]
        return divmod(index, d_out)  # (input channel, output map)

    def _hovered(self, y: float, x: float) -> None:
        hit = self.tiles.locate(y, x)
        if hit is None:
            self.set_readout("")
            return
        index, r, c = hit
        i, d = self._split(index)
        self.set_readout(f"output map {d} ← input {i}  [{r}, {c}] = {self.weights[i, d, r, c]:+.3g}")

    def _clicked(self, y: float, x: float) -> None:
        hit = self.tiles.locate(y, x)
        if hit is not None:
            self.sigKernelClicked.emit(self.name, self._split(hit[0])[1])


class KernelView(QWidget):
    """Scrollable list of :class:`KernelPanel`, one per convolution layer."""

    sigKernelClicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = LIGHT
        self.panels: dict[str, KernelPanel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.scroll)

    def set_model(self, model: Model) -> None:
        self.panels = {}
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 2, 0)
        column.setSpacing(6)
        for layer in model.layers:
            if layer.has_kernels:
                panel = KernelPanel(layer)
                panel.apply_theme(self._theme)
                panel.sigKernelClicked.connect(self.sigKernelClicked)
                column.addWidget(panel)
                self.panels[layer.name] = panel
        if not self.panels:
            note = plain_label("This model has no convolution layers.")
            note.setObjectName("hint")
            column.addWidget(note)
        column.addStretch(1)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(content)
        if old is not None:
            old.deleteLater()

    def refresh(self) -> None:
        for panel in self.panels.values():
            panel.refresh()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        for panel in self.panels.values():
            panel.apply_theme(theme)

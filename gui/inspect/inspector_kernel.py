"""The kernel part of the inspector: the convolution kernel behind the
inspected map (``K[:, c]`` of the convolution that made channel ``c``,
walking back over layers that keep channels), its weights tiled one slice
per input channel, a colour bar and a sentence on what it does."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine import Model

from ..widgets.colour_bar import ColourBar
from ..widgets.image_view import ImageView
from ..widgets.text_line import TextLine
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, symmetric_levels


class KernelBox(QWidget):
    """The kernel behind map ``channel`` of ``layer`` (:meth:`show_kernel`).

    ``kernel`` is the ``(C_in, k1, k2)`` weights shown (None: no kernel);
    ``sigReadout(text)`` reports the weight under the mouse (``""`` on leaving).
    """

    sigReadout = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = LIGHT
        self.kernel: np.ndarray | None = None
        self._tiles: TileLayout | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        # a TextLine: the bias in it changes with every weight snapshot while
        # training, and a word-wrapped QLabel's setText re-lays out the whole tab
        self.title = TextLine(" ", muted=False, lines=2)
        self.title.setObjectName("panelTitle")
        self.view = ImageView(min_size=(120, 60), hug_height=True)
        self.view.setToolTip("The learned weights of the kernel: blue negative, red "
                             "positive. The map is the input filtered by these weights.")
        self.bar = ColourBar()
        # painted and of a fixed height (a word-wrapped label's height follows
        # its text, which would move the map above when the text changes)
        self.explain = TextLine(" ", lines=5)
        self.explain.setObjectName("hint")
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.explain)
        layout.addStretch(0)            # spare height: under the text, not around the kernel
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(lambda: self.sigReadout.emit(""))

    def show_kernel(self, model: Model | None, layer: str | None, channel: int) -> None:
        """Show the kernel behind map ``channel`` of ``layer`` (none: a hint)."""
        found = model.kernel_behind(layer, channel) if model is not None and layer else None
        if found is None:
            self.kernel = None
            self._tiles = None
            self.view.clear_image()
            self.bar.set_scale(None, None)
            self.title.setText("No kernel" if layer else " ")
            self.explain.setText("This map does not come from a convolution." if layer else
                                 "Click any feature map to inspect it here.")
            return
        conv, K, bias = found
        c_in, k1, k2 = K.shape
        self.kernel = K
        rows, cols = best_grid(c_in, k1, k2, 200, 110, gap=1)
        self._tiles = TileLayout(c_in, k1, k2, rows, cols, gap=1)
        levels, lut = symmetric_levels(K), self._theme.diverging_lut()
        self.view.set_image(self._tiles.tile(K), levels, lut)
        self.bar.set_scale(levels, lut)
        self.title.setText(f"Kernel {conv}[:, {channel}]  ·  {c_in}×{k1}×{k2}, bias {bias:+.2f}")
        via = "" if conv == layer else f" {layer} keeps channel {channel} of {conv}."
        if c_in == 1:
            what = (f"The map is the image filtered by this {k1}×{k2} kernel: bright where the "
                    f"picture matches the red pattern.")
        else:
            what = (f"Each of the {c_in} slices filters one input map; the {c_in} results are "
                    f"added up with the bias to make this map.")
        self.explain.setText(what + via + " Hover the map for the arithmetic.")

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)

    def _hovered(self, y: float, x: float) -> None:
        hit = self._tiles.locate(y, x) if self._tiles is not None else None
        if hit is None or self.kernel is None:
            self.sigReadout.emit("")
            return
        i, r, c = hit
        self.sigReadout.emit(f"weight in {i} [{r}, {c}] = {self.kernel[i, r, c]:+.3g}")

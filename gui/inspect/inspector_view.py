"""One feature map enlarged, beside the convolution kernel that produced it.

For a map of a convolution layer the kernel is that layer's ``K[:, c]``; for a
map after ReLU / pooling / dropout it is the kernel of the convolution the
channel came from (those layers keep channel ``c`` as channel ``c``). A kernel
has one ``k x k`` slice per input channel; all slices are tiled."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from engine import Model

from ..state.prediction import PredictionResult
from ..widgets.colour_bar import ColourBar
from ..widgets.image_view import ImageView, pixel_under
from ..widgets.panel import Panel
from ..widgets.plain_text import plain_label
from ..widgets.text_line import TextLine
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, positive_levels, symmetric_levels

WIDTH = 236


class InspectorView(Panel):
    """Panel: the selected feature map, its statistics and its kernel."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Inspector", "", parent=parent,
                         tooltip="The feature map you clicked, enlarged, next to the kernel that "
                                 "produced it. Click any map in the activation panels.")
        self.setFixedWidth(WIDTH)
        self._theme = LIGHT
        self.model: Model | None = None
        self.layer: str | None = None
        self.channel = 0
        self.array: np.ndarray | None = None     # (H, W) map shown
        self.kernel: np.ndarray | None = None    # (C_in, k1, k2)
        self._signed = False
        self._kernel_tiles: TileLayout | None = None
        self._hover_map: tuple[float, float] | None = None

        self.map_view = ImageView(min_size=(200, 200))
        self.map_view.setToolTip("The selected feature map, one square per value.")
        self.map_bar = ColourBar()
        self.stats_label = TextLine(mono=True)
        # a TextLine: the bias in it changes with every weight snapshot while
        # training, and a word-wrapped QLabel's setText re-lays out the whole tab
        self.kernel_title = TextLine(" ", muted=False, lines=2)
        self.kernel_title.setObjectName("panelTitle")
        self.kernel_view = ImageView(min_size=(200, 90))
        self.kernel_view.setToolTip("The learned weights of the kernel: blue negative, red "
                                    "positive. The map is the input filtered by these weights.")
        self.kernel_bar = ColourBar()
        self.explain = plain_label(" ")
        self.explain.setObjectName("hint")
        self.explain.setWordWrap(True)
        self.explain.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.addWidget(self.map_view, 3)
        self.body.addWidget(self.map_bar)
        self.body.addWidget(self.stats_label)
        self.body.addSpacing(4)
        self.body.addWidget(self.kernel_title)
        self.body.addWidget(self.kernel_view, 2)
        self.body.addWidget(self.kernel_bar)
        self.body.addWidget(self.explain)
        self.map_view.sigHovered.connect(self._hover_map_at)
        self.map_view.sigLeft.connect(self._left_map)
        self.kernel_view.sigHovered.connect(self._hover_kernel_at)
        self.kernel_view.sigLeft.connect(lambda: self.set_readout(""))
        self._result: PredictionResult | None = None

    # ------------------------------------------------------------------ API
    def set_model(self, model: Model) -> None:
        self.model = model
        self.layer = None
        self.array = None
        self._show_kernel()
        self._render_map()

    def select(self, layer: str, channel: int) -> None:
        """Show map ``channel`` of ``layer`` (a layer with ``(C, H, W)`` output)."""
        self.layer, self.channel = layer, int(channel)
        self._signed = self.model.output_signs().get(layer, False) if self.model else False
        self._show_kernel()
        self._update_map()

    def refresh_kernel(self) -> None:
        """Re-read the shown kernel (after the weights changed in place)."""
        if self.layer is not None:
            self._show_kernel()

    def set_result(self, result: PredictionResult | None) -> None:
        self._result = result
        self._update_map()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.map_view.apply_theme(theme)
        self.kernel_view.apply_theme(theme)
        self._show_kernel()
        self._render_map()

    # ------------------------------------------------------------- internals
    def _update_map(self) -> None:
        acts = {} if self._result is None else self._result.activations
        a = acts.get(self.layer) if self.layer else None
        self.array = a[self.channel] if a is not None and a.ndim == 3 and \
            self.channel < len(a) else None
        self._render_map()

    def _render_map(self) -> None:
        if self.layer is None:
            self.title_label.setText("Inspector")
            self.subtitle_label.setText("")
        else:
            self.title_label.setText(f"{self.layer} · map {self.channel}")
            shape = self._layer_shape()
            self.subtitle_label.setText(f"{shape[1]}×{shape[2]}" if shape else "")
        if self.array is None:
            self.map_view.clear_image()
            self.map_bar.set_scale(None, None)
            self.stats_label.setText("draw a digit to see this map" if self.layer else
                                     "click a feature map")
            return
        a = self.array
        levels = symmetric_levels(a) if self._signed else positive_levels(a)
        lut = self._theme.diverging_lut() if self._signed else self._theme.sequential_lut()
        self.map_view.set_image(a, levels, lut)
        self.map_bar.set_scale(levels, lut)
        mean = a.mean(dtype=np.float64)        # float32 sums of huge values overflow
        self.stats_label.setText(f"min {a.min():.2g}  max {a.max():.2g}  mean {mean:.2g}")
        if self._hover_map is not None:
            self._hover_map_at(*self._hover_map)

    def _layer_shape(self):
        if self.model is None:
            return None
        for name, shape in self.model.layer_shapes():
            if name == self.layer:
                return shape if len(shape) == 3 else None
        return None

    def _show_kernel(self) -> None:
        found = self.model.kernel_behind(self.layer, self.channel) \
            if self.model is not None and self.layer else None
        if found is None:
            self.kernel = None
            self._kernel_tiles = None
            self.kernel_view.clear_image()
            self.kernel_bar.set_scale(None, None)
            self.kernel_title.setText("No kernel" if self.layer else " ")
            self.explain.setText("This map does not come from a convolution." if self.layer else
                                 "Click any feature map to inspect it here.")
            return
        conv, K, bias = found
        c_in, k1, k2 = K.shape
        self.kernel = K
        rows, cols = best_grid(c_in, k1, k2, 200, 110, gap=1)
        self._kernel_tiles = TileLayout(c_in, k1, k2, rows, cols, gap=1)
        levels, lut = symmetric_levels(K), self._theme.diverging_lut()
        self.kernel_view.set_image(self._kernel_tiles.tile(K), levels, lut)
        self.kernel_bar.set_scale(levels, lut)
        self.kernel_title.setText(f"Kernel {conv}[:, {self.channel}]  ·  "
                                  f"{c_in}×{k1}×{k2}, bias {bias:+.2f}")
        via = "" if conv == self.layer else f" {self.layer} keeps channel {self.channel} of {conv}."
        if c_in == 1:
            what = (f"The map is the image filtered by this {k1}×{k2} kernel: bright where the "
                    f"picture matches the red pattern.")
        else:
            what = (f"Each of the {c_in} slices filters one input map; the {c_in} results are "
                    f"added up with the bias to make this map.")
        self.explain.setText(what + via)

    def _left_map(self) -> None:
        self._hover_map = None
        self.set_readout("")

    def _hover_map_at(self, y: float, x: float) -> None:
        self._hover_map = (y, x)
        hit = None if self.array is None else pixel_under(self.array.shape, y, x)
        self.set_readout("" if hit is None else f"[{hit[0]}, {hit[1]}] = {self.array[hit]:.3g}")

    def _hover_kernel_at(self, y: float, x: float) -> None:
        hit = self._kernel_tiles.locate(y, x) if self._kernel_tiles is not None else None
        if hit is None or self.kernel is None:
            self.set_readout("")
            return
        i, r, c = hit
        self.set_readout(f"weight in {i} [{r}, {c}] = {self.kernel[i, r, c]:+.3g}")

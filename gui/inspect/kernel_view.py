"""Every convolution kernel of the loaded model, one panel per conv layer.

``K`` is stored as ``(C_in, D_out, k1, k2)``. With one input channel the
``D_out`` kernels are tiled, each labelled with the output map it makes.
Otherwise one output map's kernel is shown at a time (a spin box picks
"output map d of D_out"): its ``C_in`` slices ``K[:, d]``, labelled "in i",
one per input map it filters. Colours: blue negative, red positive, symmetric
about 0 (99.5th percentile of the magnitudes: a few outliers saturate) over
the kernels shown - the layer's, or the one output map's, whose weights are
often much smaller than the layer's largest; the colour bar gives the numbers.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

from engine import Model

from ..widgets.colour_bar import ColourBar
from ..widgets.fit_text import FitText
from ..widgets.image_view import ImageView
from ..widgets.panel import Panel
from ..widgets.plain_text import plain_label
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, symmetric_levels

LABEL_PX = 10          # label font size (pixels)
LABEL_ROOM = 13        # screen pixels kept free above each tile for its label
STRIP_WIDTH = 640      # nominal width the one-input-channel strip is laid out for
STRIP_MAX_SCALE = 10.0  # screen pixels per weight in that strip, at most
STRIP_MIN_WIDTH = 560  # narrowest the strip is drawn (the smallest window)


def _label_rows(n: int, k1: int, k2: int, width: float, height: float) -> tuple[int, int, int]:
    """``(label rows, grid rows, grid cols)``: the fewest blank image rows
    above each ``k1 x k2`` tile that leave :data:`LABEL_ROOM` screen pixels
    for its label, with ``n`` tiles shown as large as fits ``width x height``."""
    rows, cols, lab = 1, n, 1
    for lab in range(1, 4 * k1 + 1):
        rows, cols = best_grid(n, k1 + lab, k2, width, height, gap=1)
        scale = min(width / (cols * (k2 + 1) - 1), height / (rows * (k1 + lab + 1) - 1))
        if lab * scale >= LABEL_ROOM:
            break
    return lab, rows, cols


def _strip_layout(n: int, k1: int, k2: int) -> tuple[int, int, int, float]:
    """``(label rows, grid rows, grid cols, scale)`` of the strip of ``n``
    kernels of a one-input layer: laid out for :data:`STRIP_WIDTH`, drawn at
    ``scale`` screen pixels per weight (at most :data:`STRIP_MAX_SCALE`), with
    label rows that stay :data:`LABEL_ROOM` pixels high down to
    :data:`STRIP_MIN_WIDTH`."""
    lab = 1
    for _ in range(4):
        rows, cols = best_grid(n, k1 + lab, k2, STRIP_WIDTH, 90, gap=1)
        img_w = cols * (k2 + 1) - 1
        scale = min(STRIP_MAX_SCALE, 760.0 / img_w)
        need = max(1, math.ceil(LABEL_ROOM / min(scale, STRIP_MIN_WIDTH / img_w)))
        if need == lab:
            break
        lab = need
    return lab, rows, cols, scale


class KernelPanel(Panel):
    """The kernels of one convolution layer: all of them when it has one
    input channel, else those of one output map (``output``, picked with
    ``output_spin``). ``weights`` is a copy of ``K``; ``tiles`` lays out the
    tiles shown (each with ``label_rows`` blank rows on top for its label)."""

    sigKernelClicked = Signal(str, int)

    def __init__(self, layer, parent: QWidget | None = None):
        c_in, d_out, k1, k2 = layer.params["K"].shape
        if c_in == 1:
            subtitle = (f"{d_out} kernels · {k1}×{k2} · one per output map",
                        f"{d_out} kernels · {k1}×{k2}", f"{d_out} kernels")
        else:
            subtitle = (f"{d_out} kernels of {c_in}×{k1}×{k2} · one per output map",
                        f"{d_out} kernels of {c_in}×{k1}×{k2}", f"{d_out} kernels")
        super().__init__(layer.name, subtitle,
                         tooltip=f"The learned {k1}×{k2} weights of {layer.name}. Each output "
                                 f"map is made by sliding its kernel over the input"
                                 + ("" if c_in == 1 else f": one {k1}×{k2} slice per input "
                                    f"map, the {c_in} results added up")
                                 + ". Blue weights are negative, red positive. Click a kernel "
                                 "to inspect its feature map.",
                         parent=parent)
        self.layer = layer
        self.name = layer.name
        self.output = 0
        self._theme = LIGHT
        self.levels: tuple[float, float] = (-1.0, 1.0)      # colour levels of the tiles shown
        self.view = ImageView(min_size=(160, 40))
        self.output_spin: QSpinBox | None = None
        if c_in == 1:   # a short strip of kernels: no taller than it needs
            self.label_rows, rows, cols, scale = _strip_layout(d_out, k1, k2)
            self.tiles = TileLayout(d_out, k1 + self.label_rows, k2, rows, cols, gap=1)
            self.view.setFixedHeight(int(self.tiles.shape[0] * scale) + 4)
            self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        else:
            self.label_rows, rows, cols = _label_rows(c_in, k1, k2, 600, 260)
            self.tiles = TileLayout(c_in, k1 + self.label_rows, k2, rows, cols, gap=1)
            self.view.setMinimumHeight(160)
            self.body.addLayout(self._output_row(d_out, c_in, k1, k2))
            self.view.sigResized.connect(self._reflow)
        self.body.addWidget(self.view, 1)
        self.colour_bar = ColourBar()
        self.set_footer(self.colour_bar)
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(lambda: self.set_readout(""))
        self.view.sigClicked.connect(self._clicked)
        self.refresh()

    def _output_row(self, d_out: int, c_in: int, k1: int, k2: int) -> QHBoxLayout:
        spin = QSpinBox()
        spin.setObjectName("outputMapSpin")
        spin.setRange(0, d_out - 1)
        spin.setPrefix("output map ")
        spin.setSuffix(f" of {d_out}")
        spin.setKeyboardTracking(False)
        spin.setToolTip("Which output map's kernel to show (arrow keys or the mouse wheel "
                        "step through them).")
        spin.valueChanged.connect(self.set_output)
        self.output_spin = spin
        hint = FitText((f"{c_in} slices, one per input map: each filters its input map, "
                        f"the results are added up", f"{c_in} slices, one per input map, added up",
                        "one slice per input map"))
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(spin)
        row.addWidget(hint, 1)
        return row

    # ------------------------------------------------------------------ API
    def set_output(self, d: int) -> None:
        """Show the kernel of output map ``d`` (layers with several input channels)."""
        d = int(np.clip(d, 0, self.weights.shape[1] - 1))
        if self.output_spin is not None and self.output_spin.value() != d:
            self.output_spin.setValue(d)       # comes back here through valueChanged
            return
        if d != self.output:
            self.output = d
            self._show()

    def refresh(self) -> None:
        """Re-read the weights (e.g. after training changed them)."""
        K = self.layer.params["K"]
        self.weights = np.array(K, dtype=np.float32)       # (C_in, D_out, k1, k2)
        self._show()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)
        self._show()

    def shown_kernels(self) -> np.ndarray:
        """The ``(n, k1, k2)`` slices tiled now: all kernels of a one-input
        layer (``K[0]``), else ``K[:, output]``."""
        return self.weights[0] if self.weights.shape[0] == 1 else self.weights[:, self.output]

    # ------------------------------------------------------------- internals
    def _show(self) -> None:
        maps = self.shown_kernels()
        n, k1, k2 = maps.shape
        padded = np.full((n, k1 + self.label_rows, k2), np.nan, dtype=np.float32)
        padded[:, self.label_rows:] = maps
        lut = self._theme.diverging_lut()
        self.levels = symmetric_levels(maps, percentile=99.5)
        self.view.set_image(self.tiles.tile(padded), self.levels, lut)
        self.colour_bar.set_scale(self.levels, lut)
        one_input = self.weights.shape[0] == 1
        labels = []
        for i in range(n):
            y, x = self.tiles.origin(i)
            labels.append((y + self.label_rows, x, str(i) if one_input else f"in {i}"))
        self.view.set_labels(labels, self._theme.qcolor("muted"), LABEL_PX)

    def _reflow(self) -> None:
        n = self.weights.shape[0]
        k1, k2 = self.weights.shape[2:]
        lab, rows, cols = _label_rows(n, k1, k2, self.view.width(), self.view.height())
        if (lab, rows, cols) != (self.label_rows, self.tiles.rows, self.tiles.cols):
            self.label_rows = lab
            self.tiles = TileLayout(n, k1 + lab, k2, rows, cols, gap=1)
            self._show()

    def _hit(self, y: float, x: float) -> tuple[int, int, int, int] | None:
        """``(input channel, output map, row, col)`` of the weight at image
        pixel ``(y, x)``, or None (gaps, labels)."""
        hit = self.tiles.locate(y, x)
        if hit is None or hit[1] < self.label_rows:
            return None
        index, r, c = hit
        i, d = (0, index) if self.weights.shape[0] == 1 else (index, self.output)
        return i, d, r - self.label_rows, c

    def _hovered(self, y: float, x: float) -> None:
        hit = self._hit(y, x)
        if hit is None:
            self.set_readout("")
            return
        i, d, r, c = hit
        self.set_readout(f"output map {d} ← input {i}  [{r}, {c}] = "
                         f"{self.weights[i, d, r, c]:+.3g}")

    def _clicked(self, y: float, x: float) -> None:
        hit = self._hit(y, x)
        if hit is not None:
            self.sigKernelClicked.emit(self.name, hit[1])


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
                column.addWidget(panel, 0 if layer.params["K"].shape[0] == 1 else 1)
                self.panels[layer.name] = panel
        if not self.panels:
            note = plain_label("This model has no convolution layers.")
            note.setObjectName("hint")
            column.addWidget(note)
        column.addStretch(1 if all(p.output_spin is None for p in self.panels.values()) else 0)
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

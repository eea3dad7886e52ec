"""The inspector: one feature map or dense unit, enlarged, beside what it
wants, over the kernel that made it or the arithmetic under the cursor.

* Top row: the selected map for the current drawing (a dense unit: its
  inputs' contributions, input × weight, laid out like its inputs) and what
  it wants (:class:`~gui.inspect.wants_view.WantsView`, fed by
  :class:`gui.explain.unit_wants.UnitWants` through the window's wiring).
* Below: the kernel behind the map (:class:`~gui.inspect.inspector_kernel.KernelBox`;
  for a map after ReLU / pooling / dropout, the kernel of the convolution the
  channel came from), or - while the mouse is over a map position, here or
  in the activation panels - the arithmetic that made that value
  (:class:`~gui.inspect.arithmetic_view.ArithmeticView`); a dense unit always
  shows its arithmetic.

``sigReceptiveField(rect)`` gives the input pixels ``(top, left, bottom,
right)`` (end exclusive) the hovered position depends on, or None.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from engine import Model
from engine.explain import DenseArithmetic, receptive_field, unit_arithmetic

from ..explain.unit_wants import no_wants_reason
from ..state.prediction import PredictionResult
from ..widgets.colour_bar import ColourBar
from ..widgets.fit_text import FitText
from ..widgets.image_view import ImageView, pixel_under
from ..widgets.panel import Panel
from ..widgets.text_line import TextLine
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, positive_levels, symmetric_levels
from .arithmetic_view import ArithmeticView
from .inspector_kernel import KernelBox
from .wants_view import WantsView

WIDTH = 236


def contributions_image(a: DenseArithmetic) -> np.ndarray:
    """A dense unit's products (input × weight) laid out for display like its
    inputs' layer: maps tiled, a vector as the rows of a square (NaN: empty)."""
    values, shape = a.all_products, a.source_shape
    if len(shape) == 3:
        rows, cols = best_grid(shape[0], shape[1], shape[2], 200, 200)
        return TileLayout(*shape, rows, cols, gap=1).tile(values.reshape(shape))
    cols = int(np.ceil(np.sqrt(values.size)))
    grid = np.full(cols * int(np.ceil(values.size / cols)), np.nan, np.float32)
    grid[:values.size] = values
    return grid.reshape(-1, cols)


def map_statistics(a: np.ndarray) -> tuple[str, ...]:
    """The smallest, largest and mean value of ``a`` as a line of text, in
    shorter and shorter variants (for :class:`~gui.widgets.fit_text.FitText`)."""
    lo, hi = f"{a.min():.2g}", f"{a.max():.2g}"
    mean = f"{a.mean(dtype=np.float64):.2g}"       # float32 sums of huge values overflow
    return (f"min {lo}  max {hi}  mean {mean}", f"min {lo} max {hi} mean {mean}",
            f"{lo} to {hi}, mean {mean}")


class InspectorView(Panel):
    """Panel: the selected map or unit, what it wants, its kernel or arithmetic.

    :ivar layer, channel: the selection (``channel``: a map, or a unit of a vector layer)
    :ivar vector: True when the selection is a unit of a vector layer
    :ivar array: the ``(H, W)`` picture in the map view (a map, or a dense
        unit's contributions), or None
    """

    sigReceptiveField = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Inspector", "", parent=parent,
                         tooltip="The feature map or unit you clicked, enlarged, beside what it "
                                 "wants and the kernel that produced it. Hover the map to see "
                                 "the arithmetic behind each value.")
        self.setFixedWidth(WIDTH)
        self._theme = LIGHT
        self.model: Model | None = None
        self.layer: str | None = None
        self.channel = 0
        self.vector = False
        self.array: np.ndarray | None = None
        self._signed = False
        self._hover_map: tuple[float, float] | None = None
        self._hovered_unit: tuple[str, tuple[int, int, int]] | None = None
        self._result: PredictionResult | None = None

        self.map_view = ImageView(min_size=(72, 72))
        self.map_view.setToolTip("The selected feature map for your drawing, one square per "
                                 "value. Hover it for the arithmetic behind a value.")
        self.map_caption = TextLine("this drawing", align=Qt.AlignmentFlag.AlignHCenter)
        self.wants = WantsView()
        top = QHBoxLayout()
        top.setSpacing(6)
        left = QVBoxLayout()
        left.setSpacing(1)
        left.addWidget(self.map_view, 1)
        left.addSpacing(self.wants.bar.height() + 1)        # level with the progress bar
        left.addWidget(self.map_caption)
        top.addLayout(left, 1)
        top.addWidget(self.wants, 1)
        self.map_bar = ColourBar()
        self.stats_label = FitText(mono=True)       # shorter variants where space is short
        # the panel's width is fixed: a new line of figures never re-lays out the window
        self.stats_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.kernel_box = KernelBox()
        self.kernel_title, self.kernel_view = self.kernel_box.title, self.kernel_box.view
        self.kernel_bar, self.explain = self.kernel_box.bar, self.kernel_box.explain
        self.arithmetic_view = ArithmeticView()
        self.lower = QStackedWidget()
        self.lower.addWidget(self.kernel_box)
        self.lower.addWidget(self.arithmetic_view)
        # its height comes from the stretch alone: switching pages never moves the map
        self.lower.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.body.addLayout(top, 0)
        self.body.addWidget(self.map_bar)
        self.body.addWidget(self.stats_label)
        self.body.addSpacing(4)
        self.body.addWidget(self.lower, 1)
        self._fit_squares()
        self.map_view.sigHovered.connect(self._hover_map_at)
        self.map_view.sigLeft.connect(self._left_map)
        self.kernel_box.sigReadout.connect(self.set_readout)

    # ------------------------------------------------------------------ API
    @property
    def kernel(self) -> np.ndarray | None:
        """The ``(C_in, k1, k2)`` kernel shown, or None."""
        return self.kernel_box.kernel

    @property
    def selection(self) -> tuple[str, int] | None:
        return None if self.layer is None else (self.layer, self.channel)

    def set_model(self, model: Model) -> None:
        self.model = model
        self.layer = None
        self.array = None
        self.vector = False
        self._hovered_unit = None
        self.wants.clear()
        self._show_kernel()
        self._render_map()

    def select(self, layer: str, channel: int) -> None:
        """Show map ``channel`` of ``layer`` (``(C, H, W)`` output) or unit
        ``channel`` of a vector layer."""
        self.layer, self.channel = layer, int(channel)
        shape = self._shape(layer)
        self.vector = shape is not None and len(shape) == 1
        self._signed = self.model.output_signs().get(layer, False) if self.model else False
        reason = no_wants_reason(self.model, layer) if self.model is not None else None
        if reason:
            self.wants.show_reason(reason)
        else:
            self.wants.clear()
        self._show_kernel()
        self._update_map()

    def refresh_kernel(self) -> None:
        """Re-read the shown kernel (after the weights changed in place)."""
        if self.layer is not None:
            self._show_kernel()
            self._update_map()

    def set_result(self, result: PredictionResult | None) -> None:
        self._result = result
        self._update_map()           # re-reads a position hovered in the map here
        if self._hovered_unit is not None and self._hover_map is None:
            self.hover_unit(*self._hovered_unit)     # one hovered in a panel

    def hover_unit(self, layer: str, unit: tuple[int, int, int]) -> None:
        """The mouse is over position ``unit = (channel, row, col)`` of map layer
        ``layer``: show its arithmetic and announce its receptive field."""
        self._hovered_unit = (layer, tuple(int(v) for v in unit))
        model, a = self._arithmetic(layer, self._hovered_unit[1])
        if a is None:
            self.sigReceptiveField.emit(None)
            return
        self.arithmetic_view.show_arithmetic(a)
        self.lower.setCurrentWidget(self.arithmetic_view)
        c, i, j = self._hovered_unit[1]
        mine = (layer, c) == self.selection and not self.vector
        self.map_view.set_highlight(QRectF(j, i, 1, 1) if mine else None,
                                    self._theme.qcolor("accent"))
        self.sigReceptiveField.emit(receptive_field(model, layer, *self._hovered_unit[1][1:]))

    def end_hover(self) -> None:
        """The mouse left the map position: back to the kernel (a dense unit
        keeps its arithmetic)."""
        self._hovered_unit = None
        self.map_view.set_highlight(None)
        if self.vector:
            self._show_unit_arithmetic()
        else:
            self.lower.setCurrentWidget(self.kernel_box)
        self.sigReceptiveField.emit(None)

    # what it wants (the window's wiring calls these with UnitWants' signals)
    def wants_started(self, layer: str, index: int) -> None:
        if (layer, index) == self.selection:
            self.wants.show_pending()

    def wants_progress(self, layer: str, index: int, step: int, steps: int) -> None:
        if (layer, index) == self.selection:
            self.wants.set_progress(step, steps)

    def wants_ready(self, layer: str, index: int, image) -> None:
        if (layer, index) == self.selection:
            self.wants.show_image(image, self._wants_field())

    def wants_failed(self, layer: str, index: int, message: str) -> None:
        if (layer, index) == self.selection:
            self.wants.show_failure(message)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.map_view.apply_theme(theme)
        self.kernel_box.apply_theme(theme)
        self.wants.apply_theme(theme)
        self.arithmetic_view.apply_theme(theme)
        self._show_kernel()
        self._render_map()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_squares()

    # ------------------------------------------------------------- internals
    def _fit_squares(self) -> None:
        """The map and the picture are square: as high as their column is wide
        (the rest of the height goes to the kernel or the arithmetic)."""
        margins = self.layout().contentsMargins()
        side = max((self.width() - margins.left() - margins.right() - 6) // 2, 72)
        if self.map_view.maximumHeight() != side:
            self.map_view.setFixedHeight(side)
            self.wants.stack.setFixedHeight(side)

    def _wants_field(self) -> tuple[int, int, int, int] | None:
        """The input pixels the pictured unit sees (a map's centre unit,
        :func:`engine.explain.visualize_unit`), when that is not the whole input."""
        shape = self._shape(self.layer)
        if shape is None or len(shape) != 3:
            return None
        field = receptive_field(self.model, self.layer, shape[1] // 2, shape[2] // 2)
        whole = (0, 0, self.model.input_shape[1], self.model.input_shape[2])
        return None if field == whole else field

    def _inputs(self):
        """``(model, {layer: output}, input image)`` of the current result."""
        r = self._result
        if r is None or not r.activations or r.image is None:
            return None, {}, None
        model = r.model if r.model is not None else self.model
        return model, r.activations, np.asarray(r.image).reshape(model.input_shape)

    def _shape(self, layer: str | None):
        if self.model is None or layer is None:
            return None
        return dict(self.model.layer_shapes()).get(layer)

    def _update_map(self) -> None:
        acts = {} if self._result is None else self._result.activations
        a = acts.get(self.layer) if self.layer else None
        if self.vector:
            self._show_unit_arithmetic()
        else:
            self.array = a[self.channel] if a is not None and a.ndim == 3 and \
                self.channel < len(a) else None
        self._render_map()

    def _arithmetic(self, layer: str | None, unit):
        """``(model, the arithmetic behind unit of layer for the current
        result)``; ``(None, None)`` with nothing drawn, ``(model, None)`` for a
        layer without one (or of another model)."""
        model, outputs, x = self._inputs()
        if model is None or layer is None:
            return None, None
        try:
            return model, unit_arithmetic(model, x, layer, unit, outputs=outputs)
        except (ValueError, IndexError, KeyError):
            return model, None

    def _show_unit_arithmetic(self) -> None:
        model, a = self._arithmetic(self.layer, self.channel)
        self.array = contributions_image(a) if isinstance(a, DenseArithmetic) else None
        if a is None:
            title = f"{self.layer} unit {self.channel}"
            self.arithmetic_view.show_hint(title, "draw a digit to see its arithmetic"
                                           if model is None else
                                           "a copy of a value before it: no sum")
        elif self._hovered_unit is None:
            last = self.layer == model.layers[-1].name
            self.arithmetic_view.show_arithmetic(a, classes=last)
        self.lower.setCurrentWidget(self.arithmetic_view)

    def _render_map(self) -> None:
        if self.layer is None:
            self.title_label.setText("Inspector")
            self.subtitle_label.setText("")
        else:
            last = self.model is not None and self.layer == self.model.layers[-1].name
            what = ("class" if last else "unit") if self.vector else "map"
            self.title_label.setText(f"{self.layer} · {what} {self.channel}")
            shape = self._shape(self.layer)
            self.subtitle_label.setText("" if not shape else f"{shape[1]}×{shape[2]}"
                                        if len(shape) == 3 else f"{shape[0]} units")
        self.map_caption.setText("" if self.array is None and self.vector else
                                 "input × weight" if self.vector else "this drawing")
        value = self._unit_value()
        if self.array is None:
            self.map_view.clear_image()
            self.map_bar.set_scale(None, None)
            self.stats_label.setText(f"value {value:.3g} for this drawing"
                                     if value is not None else
                                     "draw a digit to see this map" if self.layer else
                                     "click a feature map or unit")
            return
        a = self.array
        signed = self._signed or self.vector
        levels = symmetric_levels(a) if signed else positive_levels(a)
        lut = self._theme.diverging_lut() if signed else self._theme.sequential_lut()
        self.map_view.set_image(a, levels, lut)
        self.map_bar.set_scale(levels, lut)
        if value is not None:
            self.stats_label.setText(f"value {value:.3g} for this drawing")
        else:
            self.stats_label.set_variants(map_statistics(a))
        if self._hover_map is not None:
            self._hover_map_at(*self._hover_map)

    def _unit_value(self) -> float | None:
        """The selected unit's value for the drawing (a vector layer), or None."""
        acts = self._result.activations.get(self.layer) if self._result and self.layer else None
        if not self.vector or acts is None or acts.ndim != 1 or self.channel >= len(acts):
            return None
        return float(acts[self.channel])

    def _show_kernel(self) -> None:
        self.kernel_box.show_kernel(None if self.vector else self.model, self.layer,
                                    self.channel)
        if not self.vector and self._hovered_unit is None:
            self.lower.setCurrentWidget(self.kernel_box)

    def _left_map(self) -> None:
        self._hover_map = None
        self.set_readout("")
        self.end_hover()

    def _hover_map_at(self, y: float, x: float) -> None:
        self._hover_map = (y, x)
        hit = None if self.array is None or self.vector else pixel_under(self.array.shape, y, x)
        self.set_readout("" if hit is None else f"[{hit[0]}, {hit[1]}] = {self.array[hit]:.3g}")
        if hit is not None:
            self.hover_unit(self.layer, (self.channel, *hit))

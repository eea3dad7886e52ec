"""The panels of the activations view, one per layer output shape:

* :class:`FeatureMapPanel` - all ``C`` maps of a ``(C, H, W)`` output tiled in
  one image (click a map to inspect it; the position under the mouse is
  announced, for the arithmetic under the cursor);
* :class:`VectorPanel` - a long ``(F,)`` output as a heat strip, wrapped onto
  rows when long (click a unit to inspect it);
* :class:`BarsPanel` - a short ``(F,)`` output (the logits, the probabilities)
  as labelled bars (click a bar to inspect its unit).

Colour: signed outputs use the theme's diverging map with levels symmetric
about 0; non-negative ones a sequential map from 0 to the layer's maximum. The
map and strip panels show those levels on a colour bar (in place of the hover
read-out while nothing is hovered).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..widgets.bars import BarsItem, bar_chart, label_bar_slots
from ..widgets.colour_bar import ColourBar
from ..widgets.fit_text import FitText
from ..widgets.image_view import ImageView
from ..widgets.panel import Panel
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, normalise_each, positive_levels, symmetric_levels

STRIP_MAX_COLS = 200     # longer vectors wrap onto several rows


def shape_texts(shape: tuple[int, ...], unit: str = "units") -> tuple[str, ...]:
    """Subtitles for an output ``shape``, longest first (the panel shows the
    longest that fits): ``(32, 28, 28)`` -> ``"32 maps · 28×28"``, ``"32 maps"``,
    ``"32"``; ``(128,)`` -> ``"128 units"``, ``"128"``."""
    if len(shape) == 3:
        c, h, w = shape
        return f"{c} maps · {h}×{w}", f"{c} maps", f"{c}"
    n = int(np.prod(shape))
    return f"{n} {unit}", f"{n}"


class _ArrayPanel(Panel):
    """A panel showing one layer's array; subclasses implement ``_render``.
    ``shape_variants``: its subtitle (the output shape), longest first;
    ``note``: the remark set with :meth:`set_note` (``""``: none)."""

    array: np.ndarray | None = None
    shape_variants: tuple[str, ...] = ()
    note = ""
    _note_line: FitText | None = None

    def set_array(self, array: np.ndarray | None) -> None:
        self.array = array
        self._render()

    def set_note(self, *variants: str) -> None:
        """A remark in a line of its own under the picture (e.g. that the layer
        does nothing when predicting), longest variant first: the longest that
        fits is shown. No variant: no note."""
        self.note = variants[0] if variants else ""
        if self._note_line is None:
            if not variants:
                return
            self._note_line = FitText()
            self._note_line.setObjectName("panelNote")
            self.body.addWidget(self._note_line)
        self._note_line.set_variants(variants)
        self._note_line.setVisible(bool(variants))


class _ImagePanel(_ArrayPanel):
    """An array drawn as one image in ``self.view`` (an :class:`ImageView`):
    diverging colours for signed layers, sequential otherwise; the hover
    read-out follows a re-render; ``colour_bar`` shows the colour levels
    (each map's own with ``normalise_each``). Subclasses set ``view``,
    ``signed`` and ``_theme``, call ``_add_colour_bar()`` and implement
    ``_image()`` and ``_hovered(y, x)``."""

    _hover: tuple[float, float] | None = None
    normalise_each = False

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)
        self._render()

    def _image(self) -> tuple[np.ndarray, np.ndarray]:
        """``(image to show, values that set the colour levels)``."""
        raise NotImplementedError

    def _drawn(self) -> None:
        """Called after a new image was shown."""

    def _add_colour_bar(self, align_right: bool = False) -> None:
        self.colour_bar = ColourBar(align_right=align_right)
        self.set_footer(self.colour_bar)

    def _render(self) -> None:
        if self.array is None:
            self.view.clear_image()
            self.colour_bar.set_scale(None, None)
            self.set_readout("")
            return
        image, values = self._image()
        levels = symmetric_levels(values) if self.signed else positive_levels(values)
        lut = self._theme.diverging_lut() if self.signed else self._theme.sequential_lut()
        self.view.set_image(image, levels, lut)
        self.colour_bar.set_scale(levels, lut, each=self.normalise_each)
        self._drawn()
        if self._hover is not None:
            self._hovered(*self._hover)

    def _left(self) -> None:
        self._hover = None
        self.set_readout("")


class FeatureMapPanel(_ImagePanel):
    """All ``C`` maps of a ``(C, H, W)`` output tiled in one image."""

    sigMapClicked = Signal(str, int)
    sigUnitHovered = Signal(str, object)     # layer, (channel, row, col)
    sigUnitLeft = Signal()

    def __init__(self, name: str, shape: tuple[int, int, int], signed: bool, tooltip: str,
                 parent: QWidget | None = None):
        self.shape_variants = shape_texts(tuple(shape))
        super().__init__(name, self.shape_variants, tooltip, parent=parent)
        self.name, self.shape, self.signed = name, tuple(shape), signed
        c, h, w = self.shape
        self.gap = max(1, h // 10)
        rows, cols = best_grid(c, h, w, 200, 160, self.gap)
        self.tiles = TileLayout(c, h, w, rows, cols, self.gap)
        self.array: np.ndarray | None = None
        self.normalise_each = False
        self.selected: int | None = None
        self._theme = LIGHT
        self.view = ImageView(min_size=(80, 80))
        self.body.addWidget(self.view, 1)
        self.view.sigResized.connect(self._reflow)
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(self._left)
        self.view.sigClicked.connect(self._clicked)
        self._add_colour_bar()
        self._render()

    def set_normalise_each(self, on: bool) -> None:
        """Scale every map to its own peak (display only) or all to the layer's."""
        if on != self.normalise_each:
            self.normalise_each = bool(on)
            self._render()

    def set_selected(self, index: int | None) -> None:
        self.selected = index
        self._update_highlight()

    def _image(self) -> tuple[np.ndarray, np.ndarray]:
        maps = normalise_each(self.array, self.signed) if self.normalise_each else self.array
        return self.tiles.tile(maps), maps

    def _drawn(self) -> None:
        self._update_highlight()

    def _update_highlight(self) -> None:
        if self.selected is None or self.array is None or self.selected >= self.shape[0]:
            self.view.set_highlight(None)
            return
        y, x = self.tiles.origin(self.selected)
        self.view.set_highlight(QRectF(x - 0.5, y - 0.5, self.shape[2] + 1, self.shape[1] + 1),
                                self._theme.qcolor("accent"))

    def _reflow(self) -> None:
        c, h, w = self.shape
        rows, cols = best_grid(c, h, w, self.view.width(), self.view.height(), self.gap)
        if (rows, cols) != (self.tiles.rows, self.tiles.cols):
            self.tiles = TileLayout(c, h, w, rows, cols, self.gap)
            self._render()

    def _hovered(self, y: float, x: float) -> None:
        self._hover = (y, x)
        hit = self.tiles.locate(y, x)
        if self.array is None or hit is None:
            self.set_readout("")
            self.sigUnitLeft.emit()
            return
        i, r, c = hit
        self.set_readout(f"map {i}  [{r}, {c}] = {self.array[i, r, c]:.3g}")
        self.sigUnitHovered.emit(self.name, hit)

    def _left(self) -> None:
        super()._left()
        self.sigUnitLeft.emit()

    def _clicked(self, y: float, x: float) -> None:
        hit = self.tiles.locate(y, x)
        if hit is not None:
            self.sigMapClicked.emit(self.name, hit[0])


class VectorPanel(_ImagePanel):
    """A ``(F,)`` output as a heat strip (wrapped onto rows when long); click
    a unit to inspect it (``sigUnitClicked(layer, unit)``)."""

    sigUnitClicked = Signal(str, int)

    def __init__(self, name: str, units: int, signed: bool, tooltip: str,
                 source: tuple[str, tuple[int, ...]] | None = None,
                 parent: QWidget | None = None):
        self.shape_variants = shape_texts((int(units),))
        super().__init__(name, self.shape_variants, tooltip, readout_in_header=True,
                         parent=parent)
        self.name, self.shape, self.signed = name, (int(units),), signed
        self.source = source  # (layer name, shape) a flatten layer unrolled
        rows = math.ceil(units / STRIP_MAX_COLS)
        self.cols = math.ceil(units / rows)
        self.rows = rows
        self.array: np.ndarray | None = None
        self._theme = LIGHT
        self.view = ImageView(aspect_locked=False, min_size=(80, 10))
        self.view.setFixedHeight(int(np.clip(rows * 5, 16, 44)))
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.body.addWidget(self.view)
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(self._left)
        self.view.sigClicked.connect(self._clicked)
        self.selected: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._add_colour_bar(align_right=True)
        self._render()

    def set_selected(self, index: int | None) -> None:
        """Outline unit ``index`` (None: no outline)."""
        self.selected = index
        self._drawn()

    def unit_at(self, y: float, x: float) -> int | None:
        """The unit at image pixel ``(y, x)`` of the strip, or None."""
        r, c = int(np.floor(y)), int(np.floor(x))
        i = r * self.cols + c
        return i if 0 <= r < self.rows and 0 <= c < self.cols and i < self.shape[0] else None

    def unit_origin(self, index: int) -> tuple[int, int]:
        """``(row, col)`` of unit ``index`` in the strip."""
        return divmod(int(index), self.cols)

    def _image(self) -> tuple[np.ndarray, np.ndarray]:
        grid = np.full(self.rows * self.cols, np.nan, dtype=np.float32)
        grid[:self.shape[0]] = self.array
        return grid.reshape(self.rows, self.cols), self.array

    def _drawn(self) -> None:
        if self.selected is None or self.array is None or self.selected >= self.shape[0]:
            self.view.set_highlight(None)
            return
        r, c = self.unit_origin(self.selected)
        self.view.set_highlight(QRectF(c, r, 1, 1), self._theme.qcolor("accent"))

    def _clicked(self, y: float, x: float) -> None:
        i = self.unit_at(y, x)
        if i is not None:
            self.sigUnitClicked.emit(self.name, i)

    def _hovered(self, y: float, x: float) -> None:
        self._hover = (y, x)
        i = self.unit_at(y, x)
        if self.array is None or i is None:
            self.set_readout("")
            return
        text = f"unit {i} = {self.array[i]:.3g}"
        if self.source is not None and len(self.source[1]) > 1:
            idx = np.unravel_index(i, self.source[1])
            text += f"  ← {self.source[0]}[{', '.join(map(str, idx))}]"
        self.set_readout(text)


class BarsPanel(_ArrayPanel):
    """A short ``(F,)`` vector (logits, probabilities) as labelled bars; click
    a bar to inspect its unit (``sigUnitClicked(panel name, unit)``)."""

    sigUnitClicked = Signal(str, int)

    def __init__(self, name: str, units: int, signed: bool, tooltip: str,
                 subtitle: str | None = None, probabilities: bool = False,
                 parent: QWidget | None = None):
        self.shape_variants = (subtitle,) if subtitle else shape_texts((int(units),))
        super().__init__(name, self.shape_variants, tooltip, readout_in_header=True,
                         parent=parent)
        self.name, self.shape, self.signed = name, (int(units),), signed
        self.probabilities = probabilities
        self.array: np.ndarray | None = None
        self._theme = LIGHT
        self._hover_x: float | None = None
        self.plot = bar_chart()
        item = self.plot.getPlotItem()
        label_bar_slots(item, units)
        self.bars = BarsItem(units, 0.72)
        item.addItem(self.bars)
        self._yrange: tuple[float, float] | None = None
        self.zero_line = pg.InfiniteLine(pos=0, angle=0)
        item.addItem(self.zero_line)
        self.plot.setFixedHeight(74)
        self.body.addWidget(self.plot)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._mouse_clicked)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._render()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.plot.setBackground(theme.surface)
        axis = self.plot.getPlotItem().getAxis("bottom")
        axis.setPen(pg.mkPen(theme.border))
        axis.setTextPen(pg.mkPen(theme.text))
        font = QFont(self.font())
        font.setPixelSize(11)
        axis.setTickFont(font)
        self.zero_line.setPen(pg.mkPen(theme.border))
        self._render()

    def _render(self) -> None:
        a = self.array
        self.bars.setVisible(a is not None)
        if a is None:
            self.set_readout("")
            return
        t = self._theme
        if self.probabilities:
            top = int(np.argmax(a))
            colors = [t.qcolor("accent") if i == top else t.qcolor("bar") for i in range(len(a))]
            self._set_yrange(0.0, 1.05)
        else:
            pos, neg = t.qcolor("positive"), t.qcolor("negative")
            colors = [pos if v >= 0 else neg for v in a]
            lo, hi = float(min(a.min(), 0)), float(max(a.max(), 0))
            span = max(hi - lo, 1e-6)
            self._set_yrange(lo - 0.05 * span, hi + 0.05 * span)
        self.bars.set_bars(a, colors)
        if self._hover_x is not None:
            self._show_readout(self._hover_x)

    def _set_yrange(self, lo: float, hi: float) -> None:
        """Re-range only on a real change (re-ranging is costly, values jitter)."""
        if self._yrange is not None:
            old_lo, old_hi = self._yrange
            span = max(hi - lo, 1e-9)
            if lo >= old_lo and hi <= old_hi and (old_hi - old_lo) < 1.5 * span:
                return
        self._yrange = (lo, hi)
        self.plot.getPlotItem().setYRange(lo, hi, padding=0)

    def _mouse_moved(self, scene_pos) -> None:
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            self._hover_x = None
            self.set_readout("")
            return
        self._hover_x = vb.mapSceneToView(scene_pos).x()
        self._show_readout(self._hover_x)

    def _mouse_clicked(self, event) -> None:
        vb = self.plot.getPlotItem().vb
        if event.button() != Qt.MouseButton.LeftButton or \
                not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        i = int(round(vb.mapSceneToView(event.scenePos()).x()))
        if 0 <= i < self.shape[0]:
            self.sigUnitClicked.emit(self.name, i)

    def _show_readout(self, x: float) -> None:
        i = int(round(x))
        if self.array is None or not 0 <= i < self.shape[0]:
            self.set_readout("")
        elif self.probabilities:
            self.set_readout(f"class {i}: {self.array[i]:.1%}")
        else:
            self.set_readout(f"class {i}: score {self.array[i]:.3g}")

    def leaveEvent(self, event) -> None:
        self._hover_x = None
        self.set_readout("")
        super().leaveEvent(event)

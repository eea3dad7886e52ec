"""A small picture of one parameter-shaped array (a gradient or an update):

* a convolution kernel ``K`` ``(C_in, D_out, k1, k2)``: the ``D_out x C_in``
  kernel slices tiled, output map by output map (one row of slices per
  output map when it fits);
* a dense weight matrix ``W`` ``(F_in, F_out)``: one image, a row per output
  unit (``W.T``), stretched to the panel;
* anything else (a bias ``(F,)``): one strip.

Colours: the theme's diverging map, symmetric about 0 over the array's
largest magnitude (the colour bar gives it). Hovering reads out the value
under the mouse with its index.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..widgets.colour_bar import ColourBar
from ..widgets.image_view import ImageView
from ..widgets.panel import Panel
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, symmetric_levels

#: Nominal size (px) the kernel slices are first laid out for.
NOMINAL = (180, 130)


def _gap(tile_h: int) -> int:
    return max(1, tile_h // 5)


class ParamPanel(Panel):
    """One parameter-shaped array (see the module docstring).

    :param title: e.g. ``"conv1.K gradient"``
    :param shape: the parameter's shape
    :param tooltip: what the picture shows
    """

    def __init__(self, title: str, shape: tuple[int, ...], tooltip: str,
                 parent: QWidget | None = None):
        self.shape = tuple(int(s) for s in shape)
        super().__init__(title, self._subtitles(), tooltip, parent=parent)
        self.array: np.ndarray | None = None
        self._theme = LIGHT
        self.tiles: TileLayout | None = None
        if len(self.shape) == 4:
            c_in, d_out, k1, k2 = self.shape
            n = c_in * d_out
            rows, cols = (d_out, c_in) if c_in > 1 and c_in <= 8 else \
                best_grid(n, k1, k2, *NOMINAL, _gap(k1))
            self.tiles = TileLayout(n, k1, k2, rows, cols, _gap(k1))
        self.view = ImageView(aspect_locked=len(self.shape) == 4, min_size=(60, 40))
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.body.addWidget(self.view, 1)
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(lambda: self.set_readout(""))
        self.colour_bar = ColourBar()
        self.set_footer(self.colour_bar)

    def _subtitles(self) -> tuple[str, ...]:
        s = self.shape
        if len(s) == 4:
            return f"{s[1]}×{s[0]} kernels {s[2]}×{s[3]}", f"{s[1] * s[0]} kernels"
        if len(s) == 2:
            return f"{s[0]}→{s[1]}", ""
        return f"{int(np.prod(s))}", ""

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)
        self._render()

    def set_array(self, array: np.ndarray | None) -> None:
        """Show ``array`` (the parameter's shape), or nothing."""
        if array is not None and tuple(array.shape) != self.shape:
            raise ValueError(f"expected an array of shape {self.shape}, got {array.shape}")
        self.array = array
        self._render()

    def image(self) -> np.ndarray | None:
        """The 2-D image shown (NaN in the gaps between kernel slices)."""
        a = self.array
        if a is None:
            return None
        if self.tiles is not None:
            c_in, d_out, k1, k2 = self.shape      # output map by output map
            return self.tiles.tile(a.transpose(1, 0, 2, 3).reshape(d_out * c_in, k1, k2))
        if a.ndim == 2:
            return np.ascontiguousarray(a.T)
        return a.reshape(1, -1)

    def _render(self) -> None:
        image = self.image()
        if image is None:
            self.view.clear_image()
            self.colour_bar.set_scale(None, None)
            return
        levels = symmetric_levels(self.array)
        lut = self._theme.diverging_lut()
        self.view.set_image(image, levels, lut)
        self.colour_bar.set_scale(levels, lut)

    def _hovered(self, y: float, x: float) -> None:
        a = self.array
        if a is None:
            return
        if self.tiles is not None:
            hit = self.tiles.locate(y, x)
            if hit is None:
                self.set_readout("")
                return
            i, r, c = hit
            d, k = divmod(i, self.shape[0])
            self.set_readout(f"out {d}, in {k} [{r}, {c}] = {a[k, d, r, c]:.3g}")
            return
        image = self.image()
        r, c = int(np.floor(y)), int(np.floor(x))
        if not (0 <= r < image.shape[0] and 0 <= c < image.shape[1]):
            self.set_readout("")
        elif a.ndim == 2:
            self.set_readout(f"in {c} → out {r} = {image[r, c]:.3g}")
        else:
            self.set_readout(f"[{c}] = {image[r, c]:.3g}")


__all__ = ["ParamPanel"]

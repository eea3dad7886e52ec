"""The 28x28 picture the network actually receives (from
:func:`engine.data.framing.frame_drawing`), pixel for pixel; optionally with
a saliency overlay on the same pixels (and a key to its colours under the
picture) and an outlined rectangle (a receptive field)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from engine.explain import METHOD_INFO

from ..drawing.marks import HIGHLIGHT
from ..explain.heat_legend import HeatLegend
from ..state.prediction import PredictionResult
from ..widgets.image_view import ImageView, pixel_under
from ..widgets.panel import Panel
from ..widgets.plain_text import plain_tooltip
from ..widgets.theme import LIGHT, Theme

TIP = ("What the network receives: your drawing cropped, scaled so its longer side is 20 pixels "
       "and centred by mass in a 28×28 frame, exactly like the MNIST training digits.")
#: The tooltip and the grey subtitle for each way the input was made
#: (:attr:`PredictionResult.framing`).
FRAMING_TEXTS = {
    "mnist": (TIP, ""),
    "plain": ("What the network receives: the whole drawing square plainly shrunk to 28×28 "
              "(Plain resize is on, Ctrl+Shift+F): not cropped, scaled or centred like the "
              "MNIST digits it learned from.", ("plain resize", "plain")),
    "exact": ("What the network receives: the 28×28 image on the canvas (an MNIST test digit, "
              "or a morph you put there), pixel for pixel.", "placed"),
    "preview": ("What the network receives: a changed copy of your drawing (\"Make it a …\"), "
                "not on the canvas. Draw or put it on the canvas to go on.", ""),
}
PREVIEW_IDLE = "preview only"
IDLE = "28 × 28 pixels"


class InputView(Panel):
    """Panel showing the network input; hover shows a pixel's value."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Network input", "", parent=parent, tooltip=TIP)
        self._theme = LIGHT
        self.view = ImageView(min_size=(84, 84), hug_height=True)
        self.body.addWidget(self.view, 1)
        self.layout().addStretch(0)     # a tall panel's spare height: under the caption
        self.legend = HeatLegend()          # shown under the picture while an overlay is
        self.set_footer(self.legend)
        self.image: np.ndarray | None = None
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(self._left)
        self._hover: tuple[float, float] | None = None
        self._framing = "mnist"
        self._method: str | None = None
        self.set_readout(IDLE)
        self.set_result(None)

    def set_result(self, result: PredictionResult | None) -> None:
        self.image = None if result is None or result.image is None else result.image
        framing = "mnist" if result is None else result.framing
        if framing != self._framing and framing in FRAMING_TEXTS:
            self._framing = framing
            subtitle = FRAMING_TEXTS[framing][1]
            self.subtitle_label.set_variants((subtitle,) if isinstance(subtitle, str) else subtitle)
            self._update_tooltip()
            if self._hover is None:
                self._idle()
        if self.image is None:
            # keep the frame visible as a black square so the layout does not jump
            self.view.set_image(np.zeros((28, 28), np.float32), (0.0, 1.0), self._theme.gray_lut())
        else:
            self.view.set_image(self.image, (0.0, 1.0), self._theme.gray_lut())
        if self._hover is not None:
            self._hovered(*self._hover)

    def set_overlay(self, rgba: np.ndarray | None, method: str | None = None) -> None:
        """Draw ``rgba (28, 28, 4)`` uint8 over the input's pixels, or nothing
        (None). ``method`` (one of :data:`engine.explain.METHODS`) is named,
        with its colours, under the picture and in the tooltip."""
        self.view.set_overlay(rgba)
        method = method if rgba is not None else None
        self.legend.set_method(method)
        self._method = method
        self._update_tooltip()
        if self._hover is None:
            self._idle()

    def _update_tooltip(self) -> None:
        tip = FRAMING_TEXTS[self._framing][0]
        if self._method is not None:
            info = METHOD_INFO[self._method]
            tip = f"{tip}\n\nColoured by the Why? overlay, {info.label}: {info.summary}"
        self.setToolTip(plain_tooltip(tip))

    def set_highlight(self, rect: tuple[float, float, float, float] | None) -> None:
        """Outline ``rect`` = ``(top, left, bottom, right)`` in input pixels (pixel
        ``(i, j)`` covers ``[i, i+1) x [j, j+1)``), or hide the outline (None)."""
        if rect is None:
            self.view.set_highlight(None)
        else:
            top, left, bottom, right = (float(v) for v in rect)
            self.view.set_highlight(QRectF(left, top, right - left, bottom - top), HIGHLIGHT)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)

    def _idle(self) -> None:
        """The read-out while no pixel is hovered: the size, or "" (the key shows)."""
        self.set_readout("" if self.legend.method() is not None else
                         PREVIEW_IDLE if self._framing == "preview" else IDLE)

    def _left(self) -> None:
        self._hover = None
        self._idle()

    def _hovered(self, y: float, x: float) -> None:
        self._hover = (y, x)
        hit = None if self.image is None else pixel_under(self.image.shape, y, x)
        if hit is None:
            self._idle()
            return
        self.set_readout(f"[{hit[0]}, {hit[1]}] = {self.image[hit]:.2f}")

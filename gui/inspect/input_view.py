"""The 28x28 picture the network actually receives (from
:func:`engine.data.preprocess.to_model_input`), pixel for pixel."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from ..state.prediction import PredictionResult
from ..widgets.image_view import ImageView, pixel_under
from ..widgets.panel import Panel
from ..widgets.theme import LIGHT, Theme


class InputView(Panel):
    """Panel showing the network input; hover shows a pixel's value."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Network input", "", parent=parent,
                         tooltip="What the network receives: your drawing cropped, scaled so its "
                                 "longer side is 20 pixels and centred by mass in a 28×28 frame, "
                                 "exactly like the MNIST training digits.")
        self._theme = LIGHT
        self.view = ImageView(min_size=(84, 84))
        self.body.addWidget(self.view, 1)
        self.image: np.ndarray | None = None
        self.view.sigHovered.connect(self._hovered)
        self.view.sigLeft.connect(self._left)
        self._hover: tuple[float, float] | None = None
        self.set_readout("28 × 28 pixels")
        self.set_result(None)

    def set_result(self, result: PredictionResult | None) -> None:
        self.image = None if result is None or result.image is None else result.image
        if self.image is None:
            # keep the frame visible as a black square so the layout does not jump
            self.view.set_image(np.zeros((28, 28), np.float32), (0.0, 1.0), self._theme.gray_lut())
        else:
            self.view.set_image(self.image, (0.0, 1.0), self._theme.gray_lut())
        if self._hover is not None:
            self._hovered(*self._hover)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)

    def _left(self) -> None:
        self._hover = None
        self.set_readout("28 × 28 pixels")

    def _hovered(self, y: float, x: float) -> None:
        self._hover = (y, x)
        hit = None if self.image is None else pixel_under(self.image.shape, y, x)
        if hit is None:
            self.set_readout("28 × 28 pixels")
            return
        self.set_readout(f"[{hit[0]}, {hit[1]}] = {self.image[hit]:.2f}")

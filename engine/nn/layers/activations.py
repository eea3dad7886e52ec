"""Element-wise activations: shape kept."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .base import Layer


class ReLU(Layer):
    """``max(0, x)``; the backward pass masks with the *output* (same as input > 0)."""

    kind = "relu"
    keeps_channels = True

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self._out = None

    def output_signed(self, input_signed: bool) -> bool:
        return False

    def explain(self, input_shape, output_shape, last):
        return ("ReLU keeps positive values and sets negative ones to zero, so only the "
                "features that were found stay lit (bright = strong).")

    def forward(self, x):
        out = F.relu_forward(x)
        self._out = out if self.training else None
        return out

    def backward(self, dout):
        return np.multiply(dout, self._out > 0)

    def pure_forward(self, x):
        out = F.relu_forward(x)
        return out, out > 0

    def pure_backward(self, dout, memo):
        return np.multiply(dout, memo)

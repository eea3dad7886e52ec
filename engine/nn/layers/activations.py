"""Element-wise activations: shape kept, ``(N, ...) -> (N, ...)``.

ReLU and leaky ReLU gate on the sign of the input; tanh and sigmoid are
smooth and their backward passes use the forward *output*
(``tanh' = 1 - out**2``, ``sigmoid' = out * (1 - out)``).
"""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import functional_extra as FX
from .base import Layer
from .fields import FloatField


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


class _Squashing(Layer):
    """A smooth activation whose backward pass needs only its output:
    subclasses name the functional pair (``forward_fn(x)``,
    ``backward_fn(dout, out)``)."""

    keeps_channels = True
    forward_fn = staticmethod(FX.tanh_forward)
    backward_fn = staticmethod(FX.tanh_backward)

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self._out = None

    def forward(self, x):
        out = self.forward_fn(x)
        self._out = out if self.training else None
        return out

    def backward(self, dout):
        return self.backward_fn(dout, self._out)

    def pure_forward(self, x):
        out = self.forward_fn(x)
        return out, out

    def pure_backward(self, dout, memo):
        return self.backward_fn(dout, memo)


class Tanh(_Squashing):
    """``tanh(x)`` in (-1, 1); keeps the sign of its input."""

    kind = "tanh"

    def explain(self, input_shape, output_shape, last):
        return ("Tanh squashes every value into -1 … 1: small values pass almost unchanged, "
                "large ones saturate, and the sign is kept.")


class Sigmoid(_Squashing):
    """``1 / (1 + exp(-x))`` in (0, 1)."""

    kind = "sigmoid"
    forward_fn = staticmethod(FX.sigmoid_forward)
    backward_fn = staticmethod(FX.sigmoid_backward)

    def output_signed(self, input_signed: bool) -> bool:
        return False

    def explain(self, input_shape, output_shape, last):
        return ("Sigmoid squashes every value into 0 … 1 (0 is ½): strongly negative values "
                "go dark, strongly positive ones saturate at 1.")


class LeakyReLU(Layer):
    """``x`` for ``x > 0``, else ``negative_slope * x`` (``0 <= negative_slope <= 1``)."""

    kind = "leaky"
    keeps_channels = True
    FIELDS = (FloatField("negative_slope", 0.0, 1.0),)

    def __init__(self, negative_slope: float = 0.01, name: str | None = None):
        super().__init__(name)
        if not 0.0 <= negative_slope <= 1.0:
            raise ValueError(f"negative_slope must be in [0, 1], got {negative_slope}")
        self.negative_slope = float(negative_slope)
        self._x = None

    def settings(self) -> dict:
        return {"negative_slope": self.negative_slope}

    def output_signed(self, input_signed: bool) -> bool:
        return input_signed and self.negative_slope > 0

    def explain(self, input_shape, output_shape, last):
        return (f"Leaky ReLU keeps positive values and scales negative ones by "
                f"{self.negative_slope:g}, so a unit that is off still passes a little gradient.")

    def forward(self, x):
        self._x = x if self.training else None
        return FX.leaky_relu_forward(x, self.negative_slope)

    def backward(self, dout):
        return FX.leaky_relu_backward(dout, self._x, self.negative_slope)

    def pure_forward(self, x):
        return FX.leaky_relu_forward(x, self.negative_slope), x

    def pure_backward(self, dout, memo):
        return FX.leaky_relu_backward(dout, memo, self.negative_slope)

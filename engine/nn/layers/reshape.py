"""Flatten: ``(N, C, H, W) -> (N, C*H*W)`` in C order (as the seed's reshape)."""
from __future__ import annotations

import math

from .. import functional as F
from .base import Layer, LayerShapes


class Flatten(Layer):
    """Lays each sample's values end to end as one vector."""

    kind = "flatten"
    numbered = False

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self._shape = None

    @classmethod
    def infer(cls, settings, input_shape, where):
        return LayerShapes((math.prod(input_shape),))

    def explain(self, input_shape, output_shape, last):
        return (f"Flatten lays the {' × '.join(map(str, input_shape))} values end to end as one "
                f"vector of {output_shape[0]} numbers for the dense layers.")

    def forward(self, x):
        self._shape = x.shape
        return F.flatten_forward(x)

    def backward(self, dout):
        return dout.reshape(self._shape)

    def pure_forward(self, x):
        return F.flatten_forward(x), x.shape

    def pure_backward(self, dout, memo):
        return dout.reshape(memo)

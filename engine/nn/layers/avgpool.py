"""Average pooling: ``(N, C, H, W) -> (N, C, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``."""
from __future__ import annotations

from .. import functional_extra as FX
from ..shapes import as_pair
from .base import LayerShapes, require_maps, window_output
from .pool import PoolingLayer


class AvgPool2D(PoolingLayer):
    """Mean of each ``pool_size`` window, ``stride`` (default = pool) and zero
    ``padding`` (the zeros count in the mean: it always divides by ``k1*k2``)."""

    kind = "avgpool"

    def __init__(self, pool_size=2, stride=None, padding=0, name: str | None = None):
        super().__init__(pool_size, stride, padding, name)
        self._x_shape = None

    @classmethod
    def infer(cls, settings, input_shape, where):
        c, h, w = require_maps(input_shape, where)
        k = as_pair(settings["pool_size"])
        ho, wo = window_output((h, w), k, as_pair(settings["padding"]),
                               as_pair(settings["stride"]), where, pooling=True)
        # every window value is added once (counted like a multiply-add); nothing is kept
        # for the backward pass, which only needs the shapes
        return LayerShapes((c, ho, wo), macs=c * ho * wo * k[0] * k[1])

    def explain(self, input_shape, output_shape, last):
        p = "×".join(str(v) for v in self.pool_size)
        return (f"Average pooling replaces each {p} window by its mean: the maps shrink from "
                f"{input_shape[1]}×{input_shape[2]} to {output_shape[1]}×{output_shape[2]} and "
                f"get smoother (max pooling would keep only the strongest value).")

    def forward(self, x):
        self._x_shape = x.shape if self.training else None
        return FX.avg_pooling_forward(x, self.pool_size, self.stride, self.padding)

    def backward(self, dout):
        return self._backward(dout, self._x_shape)

    def pure_forward(self, x):
        return FX.avg_pooling_forward(x, self.pool_size, self.stride, self.padding), x.shape

    def pure_backward(self, dout, memo):
        return self._backward(dout, memo)

    def _backward(self, dout, x_shape):
        return FX.avg_pooling_input_gradient(dout, x_shape, self.pool_size, self.stride,
                                             self.padding)

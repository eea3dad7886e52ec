"""Max pooling: ``(N, C, H, W) -> (N, C, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``."""
from __future__ import annotations

from .. import functional as F
from .. import one_image
from .. import pooling as pooling_kernels
from ..im2col import pad_spatial
from ..limits import MAX_KERNEL
from ..shapes import as_pair
from .base import Layer, LayerShapes, require_maps, window_output
from .fields import PairField


class PoolingLayer(Layer):
    """What every pooling layer shares: window ``pool_size``, ``stride``
    (default = pool) and zero ``padding``, its settings and its window."""

    keeps_channels = True
    FIELDS = (PairField("pool_size", 1, MAX_KERNEL), PairField("stride", 1, MAX_KERNEL),
              PairField("padding", 0, MAX_KERNEL))

    def __init__(self, pool_size=2, stride=None, padding=0, name: str | None = None):
        super().__init__(name)
        self.pool_size = as_pair(pool_size)
        self.stride = as_pair(stride if stride is not None else pool_size)
        self.padding = as_pair(padding)

    def settings(self) -> dict:
        return {"pool_size": list(self.pool_size), "stride": list(self.stride),
                "padding": list(self.padding)}

    def spatial_window(self):
        return self.pool_size, self.padding, self.stride


class MaxPool2D(PoolingLayer):
    """Max pooling with window ``pool_size``, ``stride`` (default = pool) and zero ``padding``."""

    kind = "pool"

    def __init__(self, pool_size=2, stride=None, padding=0, name: str | None = None):
        super().__init__(pool_size, stride, padding, name)
        self._x = None
        self.took_relu = False   # the last forward pass was forward_relu
        self._one_plan: tuple | None = None     # (input shape, one_image.PoolPlan or None)

    @classmethod
    def infer(cls, settings, input_shape, where):
        c, h, w = require_maps(input_shape, where)
        (k1, k2), stride = as_pair(settings["pool_size"]), as_pair(settings["stride"])
        ho, wo = window_output((h, w), (k1, k2), as_pair(settings["padding"]), stride, where,
                               pooling=True)
        window_values = c * ho * wo * k1 * k2
        # every window value is compared once (counted like a multiply-add); windows
        # that overlap or leave gaps are copied for the backward pass (argmax)
        return LayerShapes((c, ho, wo), macs=window_values,
                           workspace=0 if (k1, k2) == stride else window_values)

    def explain(self, input_shape, output_shape, last):
        p = "×".join(str(v) for v in self.pool_size)
        return (f"Max pooling keeps the strongest value in each {p} window: the maps shrink "
                f"from {input_shape[1]}×{input_shape[2]} to {output_shape[1]}×{output_shape[2]}, "
                f"so the next layer sees larger patterns and small shifts matter less.")

    def _plan_one(self, shape: tuple[int, ...]) -> one_image.PoolPlan | None:
        """The one-image plan for an input of ``shape`` (cached per shape), or None
        when the one-image path does not apply (a batch, padding, overlapping windows)."""
        if len(shape) != 4 or shape[0] != 1:
            return None
        cached = self._one_plan
        if cached is None or cached[0] != shape:
            cached = self._one_plan = (shape, one_image.pool_plan(shape, self.pool_size,
                                                                  self.stride, self.padding))
        return cached[1]

    def forward(self, x):
        (k1, k2), (s1, s2) = self.pool_size, self.stride
        self.took_relu = False
        plan = None if self.training else self._plan_one(x.shape)
        if plan is not None:
            self._x = None
            return one_image.pool_forward_one(x, plan)
        if not self.training or (k1, k2) != (s1, s2):
            self._x = x if self.training else None
            return F.max_pooling_forward(x, self.pool_size, self.stride, self.padding)
        zp = pad_spatial(x, self.padding)
        out, first = pooling_kernels.tiled_forward(zp, k1, k2)
        self._x = (first, zp.shape, x.shape)
        return out

    def can_take_relu(self) -> bool:
        """True if :meth:`forward_relu` applies (non-overlapping windows)."""
        return self.pool_size == self.stride

    def forward_relu(self, x):
        """``forward(relu(x))`` in one pass over ``x: (N, C, H, W)``, for a ReLU
        layer right before this one: max pooling commutes with the ReLU, so
        the ReLU runs on the pooled array, and :meth:`backward` then returns
        the gradient w.r.t. the ReLU's *input* (the ReLU's backward pass is
        folded in: windows whose maximum is not positive pass no gradient).
        Exactly the values and gradients of the two layers run one by one."""
        k1, k2 = self.pool_size
        zp = pad_spatial(x, self.padding)
        self.took_relu = True
        if not self.training:                  # no bookkeeping for a backward pass
            self._x = None
            plan = self._plan_one(x.shape)
            pooled = pooling_kernels.tiled_max(zp, k1, k2) if plan is None else \
                one_image.pool_forward_one(x, plan)
            return F.relu_forward(pooled)
        out, first = pooling_kernels.tiled_forward(zp, k1, k2, relu=True)
        self._x = (first, zp.shape, x.shape)
        return out

    def backward(self, dout):
        (k1, k2), (s1, s2), (p1, p2) = self.pool_size, self.stride, self.padding
        if (k1, k2) != (s1, s2):
            return F.max_pooling_backward(dout, self._x, self.pool_size, self.stride, self.padding)
        first, padded_shape, x_shape = self._x
        dzp = pooling_kernels.tiled_backward(dout, first, padded_shape, k1, k2)
        return dzp[:, :, p1:p1 + x_shape[2], p2:p2 + x_shape[3]]

    def pure_forward(self, x):
        (k1, k2), (s1, s2) = self.pool_size, self.stride
        plan = self._plan_one(x.shape)
        if plan is not None:
            return one_image.pool_forward_one_tracked(x, plan)
        if (k1, k2) != (s1, s2):
            return F.max_pooling_forward(x, self.pool_size, self.stride, self.padding), x
        zp = pad_spatial(x, self.padding)
        out, first = pooling_kernels.tiled_forward(zp, k1, k2)
        return out, (first, zp.shape, x.shape)

    def pure_backward(self, dout, memo):
        (k1, k2), (p1, p2) = self.pool_size, self.padding
        if isinstance(memo, one_image.PoolMemo):
            return one_image.pool_backward_one(dout, memo)
        if (k1, k2) != self.stride:
            return F.max_pooling_backward(dout, memo, self.pool_size, self.stride, self.padding)
        first, padded_shape, x_shape = memo
        dzp = pooling_kernels.tiled_backward(dout, first, padded_shape, k1, k2)
        return dzp[:, :, p1:p1 + x_shape[2], p2:p2 + x_shape[3]]

"""Batch normalisation: shape kept.

* ``BatchNorm2D``: ``(N, C, H, W)``, statistics per channel over the batch
  and every position (``M = N*H*W`` values);
* ``BatchNorm1D``: ``(N, F)`` dense features, statistics per feature over
  the batch (``M = N``).

Parameters ``gamma`` (scale, starts at 1) and ``beta`` (shift, starts at 0),
both ``(C,)``, are trained (1-D, so never weight-decayed). Buffers
``running_mean`` and ``running_var`` ``(C,)`` are saved with the model but
not trained: each training forward pass moves them towards the batch's
statistics, ``running = (1 - momentum) * running + momentum * batch`` (the
variance unbiased, ``* M / (M - 1)``, as PyTorch); a batch whose statistics
are not finite leaves them unchanged (a diverging step must not poison
them). Inference (evaluation, prediction, explanations) uses them:
``out = (x - running_mean) / sqrt(running_var + eps) * gamma + beta``.

In data-parallel training only the model's own layer (the first slice of
the batch) updates the running statistics; its shared copies read them.
"""
from __future__ import annotations

import math

import numpy as np

from .. import functional_extra as FX
from ..limits import MAX_DIM
from .base import Layer, LayerShapes
from .fields import SOURCE, FloatField, IntField, ShapeError


class BatchNorm2D(Layer):
    """Batch normalisation of ``(N, C, H, W)`` maps per channel (see the module docstring)."""

    kind = "bn"
    has_params = True
    keeps_channels = True
    maps = True              # (C, H, W) input; False: (F,) features
    FIELDS = (IntField("num_features", 1, MAX_DIM), FloatField("momentum", 0.0, 1.0),
              FloatField("eps", 1e-12, 1.0))

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5,
                 name: str | None = None, rng: np.random.Generator | None = None,
                 dtype=np.float32):
        super().__init__(name)
        if not 0.0 <= momentum <= 1.0 or not eps > 0:
            raise ValueError(f"need 0 <= momentum <= 1 and eps > 0, got {momentum}, {eps}")
        self.num_features, self.momentum, self.eps = int(num_features), float(momentum), float(eps)
        c = self.num_features
        self.params = {"gamma": np.ones(c, dtype=dtype), "beta": np.zeros(c, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"running_mean": np.zeros(c, dtype=dtype),
                        "running_var": np.ones(c, dtype=dtype)}
        self._cache = None

    def settings(self) -> dict:
        return {"num_features": self.num_features, "momentum": self.momentum, "eps": self.eps}

    @classmethod
    def infer(cls, settings, input_shape, where):
        c, other = settings["num_features"], "BatchNorm1D" if cls.maps else "BatchNorm2D"
        if cls.maps and len(input_shape) != 3:
            raise ShapeError(f"architecture: {where!r} needs a (C, H, W) input, gets "
                             f"{tuple(input_shape)} {SOURCE} - use {other} for a vector of "
                             f"features, or move it before the Flatten layer")
        if not cls.maps and len(input_shape) != 1:
            raise ShapeError(f"architecture: {where!r} needs a vector of features, gets "
                             f"{tuple(input_shape)} {SOURCE} - use {other} for maps, or move it "
                             f"after the Flatten layer")
        if input_shape[0] != c:
            what = "channels" if cls.maps else "features"
            raise ShapeError(f"architecture: {where!r} expects {c} {what}, gets {input_shape[0]} "
                             f"{SOURCE} - set its num_features to {input_shape[0]}")
        values = math.prod(input_shape)
        # inference is one multiply-add per value; training keeps x_hat for the backward pass
        return LayerShapes(tuple(input_shape), {"gamma": (c,), "beta": (c,)}, macs=values,
                           workspace=values,
                           buffers={"running_mean": (c,), "running_var": (c,)})

    def output_signed(self, input_signed: bool) -> bool:
        return True

    def explain(self, input_shape, output_shape, last):
        per = "channel" if self.maps else "feature"
        return (f"Batch normalisation rescales each {per} to a steady mean and spread (learned "
                f"scale gamma and shift beta), using the statistics it averaged over the "
                f"training batches; it makes training less sensitive to the learning rate.")

    def forward(self, x):
        g, b = self.params["gamma"], self.params["beta"]
        if not self.training:
            self._cache = None
            return FX.batchnorm_inference(x, g, b, self.buffers["running_mean"],
                                          self.buffers["running_var"], self.eps)[0]
        out, cache = FX.batchnorm_forward(x, g, b, self.eps)
        self._cache = cache
        if self.owns_buffers:
            self._update_running(cache[2], cache[3], x.size // x.shape[1])
        return out

    def _update_running(self, mean: np.ndarray, var: np.ndarray, m: int) -> None:
        """Move the running statistics (in place: shared copies see them) towards
        the batch's ``mean`` and biased ``var`` over ``m`` values per channel."""
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
            return
        unbiased = var * (m / (m - 1)) if m > 1 else var
        for key, batch in (("running_mean", mean), ("running_var", unbiased)):
            buf = self.buffers[key]
            buf *= buf.dtype.type(1.0 - self.momentum)
            buf += (self.momentum * batch).astype(buf.dtype, copy=False)

    def backward(self, dout):
        dgamma, dbeta, dx = FX.batchnorm_backward(dout, self._cache, self.params["gamma"])
        np.copyto(self.grads["gamma"], dgamma)
        np.copyto(self.grads["beta"], dbeta)
        return dx

    def pure_forward(self, x):
        """Inference mode (running statistics), whatever the layer's mode."""
        return FX.batchnorm_inference(x, self.params["gamma"], self.params["beta"],
                                      self.buffers["running_mean"],
                                      self.buffers["running_var"], self.eps)

    def pure_backward(self, dout, memo):
        scale = memo.reshape((1, -1) if dout.ndim == 2 else (1, -1, 1, 1))
        return dout * scale


class BatchNorm1D(BatchNorm2D):
    """Batch normalisation of ``(N, F)`` dense features per feature (see the module docstring)."""

    kind = "bn1d"
    maps = False

"""Fully connected layer: ``(N, in) -> (N, out)``."""
from __future__ import annotations

import math

import numpy as np

from ..limits import MAX_DIM, MAX_IN_FEATURES
from .base import Layer, LayerShapes
from .fields import SOURCE, IntField, ShapeError


class Dense(Layer):
    """Fully connected ``x @ W + b`` with ``W: (in, out)``, ``b: (out,)``."""

    kind = "fc"
    has_params = True
    FIELDS = (IntField("in_features", 1, MAX_IN_FEATURES), IntField("out_features", 1, MAX_DIM))

    def __init__(self, in_features: int, out_features: int, name: str | None = None,
                 rng: np.random.Generator | None = None, dtype=np.float32):
        super().__init__(name)
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = rng if rng is not None else np.random.default_rng(0)
        self.params = {
            "W": (rng.standard_normal((self.in_features, self.out_features))
                  * np.sqrt(2.0 / self.in_features)).astype(dtype),
            "b": np.zeros(self.out_features, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._x = None

    def settings(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features}

    @classmethod
    def infer(cls, settings, input_shape, where):
        fin, fout = settings["in_features"], settings["out_features"]
        head = f"architecture: {where!r} expects ({fin},) input, gets {tuple(input_shape)} {SOURCE}"
        if len(input_shape) != 1:
            raise ShapeError(f"{head} - add a Flatten layer before it (it gives "
                             f"{math.prod(input_shape)} values)")
        if input_shape[0] != fin:
            raise ShapeError(f"{head} - set its in_features to {input_shape[0]}")
        return LayerShapes((fout,), {"W": (fin, fout), "b": (fout,)}, macs=fin * fout)

    def output_signed(self, input_signed: bool) -> bool:
        return True

    def explain(self, input_shape, output_shape, last):
        if last:
            return (f"The last dense layer gives one score (logit) per class; softmax turns "
                    f"them into the probabilities. Each score is a weighted sum of all "
                    f"{input_shape[0]} inputs plus a bias.")
        return (f"Dense (fully connected) layer: each of its {output_shape[0]} units is a "
                f"weighted sum of all {input_shape[0]} inputs plus a bias.")

    def forward(self, x):
        self._x = x if self.training else None
        out = x @ self.params["W"]
        out += self.params["b"]
        return out

    def backward(self, dout):
        x, n = self._x, self._x.shape[0]
        mean = np.multiply(dout, 1.0 / n, dtype=dout.dtype)  # scale the small (N, out), not W's grad
        np.matmul(x.T, mean, out=self.grads["W"])
        np.sum(mean, axis=0, out=self.grads["b"])
        return input_gradient(dout, self.params["W"], x) if self.need_input_grad else None

    def pure_forward(self, x):
        out = x @ self.params["W"]
        out += self.params["b"]
        return out, x

    def pure_backward(self, dout, memo):
        """Always the input gradient (``set_input_gradient`` is for training only)."""
        return input_gradient(dout, self.params["W"], memo)


def input_gradient(dout: np.ndarray, W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``dout (N, out) @ W.T`` -> ``(N, in)``, in the memory order of the input
    ``x``: a flattened batch-innermost map is column-major, and a row-major
    gradient would make every layer below it walk memory across the grain
    (the pool under the first dense layer ran ~3x slower)."""
    if x.flags.f_contiguous and not x.flags.c_contiguous:
        return (W @ dout.T).T
    return dout @ W.T

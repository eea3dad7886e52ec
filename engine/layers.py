"""Layers that own parameters and caches, built on :mod:`engine.functional`.

Every layer has ``forward(x)`` / ``backward(dout)``, ``params`` and ``grads``
dicts (same keys), a ``name`` and a JSON-able ``config()``. Gradients follow
the functional API: parameter gradients are those of the *mean* loss over the
batch, input gradients those of the *summed* loss.

Shapes (N = batch):

* ``Conv2D``:  ``(N, C, H, W) -> (N, D, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``
* ``MaxPool2D``: ``(N, C, H, W) -> (N, C, Ho, Wo)`` (same formula)
* ``ReLU``, ``Dropout``: shape kept
* ``Flatten``: ``(N, C, H, W) -> (N, C*H*W)``
* ``Dense``: ``(N, in) -> (N, out)``
"""
from __future__ import annotations

import numpy as np

from . import functional as F
from . import pooling as pooling_kernels
from .im2col import conv_output_size, pad_spatial


class Layer:
    """Base class: no parameters, identity shapes."""

    kind = "layer"
    has_params = False  # constructor takes ``rng`` and ``dtype`` to initialise weights

    def __init__(self, name: str | None = None):
        self.auto_named = not name  # the model numbers these: conv1, conv2, ...
        self.name = name or self.kind
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = False

    def config(self) -> dict:
        """JSON-able description that, with ``params``, rebuilds the layer."""
        return {"type": type(self).__name__, "name": self.name}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one sample's output for one sample's ``input_shape``."""
        return tuple(input_shape)

    def shared_copy(self) -> "Layer":
        """A twin that shares parameter arrays but has its own caches and grads.

        Used to run slices of a batch in parallel threads.
        """
        twin = type(self).from_config(self.config())
        twin.params = self.params
        twin.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        return twin

    @classmethod
    def from_config(cls, cfg: dict, rng: np.random.Generator | None = None,
                    dtype=np.float32) -> "Layer":
        kwargs = {k: v for k, v in cfg.items() if k != "type"}
        if cls.has_params:
            kwargs.update(rng=rng, dtype=dtype)
        return cls(**kwargs)

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k not in ("type",))
        return f"{type(self).__name__}({args})"


class Conv2D(Layer):
    """2-D convolution, kernel ``K: (C_in, D_out, k1, k2)``, bias ``b: (D_out,)``.

    ``need_input_grad=False`` (set by the model on its first layer) skips the
    input gradient, which nobody uses there.
    """

    kind = "conv"
    has_params = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size=3, padding=0,
                 stride=1, name: str | None = None, rng: np.random.Generator | None = None,
                 dtype=np.float32):
        super().__init__(name)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = F._pair(kernel_size)
        self.padding = F._pair(padding)
        self.stride = F._pair(stride)
        k1, k2 = self.kernel_size
        fan_in = self.in_channels * k1 * k2
        rng = rng if rng is not None else np.random.default_rng(0)
        # He initialisation for ReLU networks.
        self.params = {
            "K": (rng.standard_normal((self.in_channels, self.out_channels, k1, k2))
                  * np.sqrt(2.0 / fan_in)).astype(dtype),
            "b": np.zeros(self.out_channels, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.need_input_grad = True
        self._cols_buf: np.ndarray | None = None
        self._cache = None

    def config(self) -> dict:
        return {"type": "Conv2D", "name": self.name, "in_channels": self.in_channels,
                "out_channels": self.out_channels, "kernel_size": list(self.kernel_size),
                "padding": list(self.padding), "stride": list(self.stride)}

    def output_shape(self, input_shape):
        c, h, w = input_shape
        if c != self.in_channels:
            raise ValueError(f"{self.name}: expects {self.in_channels} channels, got {c}")
        (k1, k2), (p1, p2), (s1, s2) = self.kernel_size, self.padding, self.stride
        return (self.out_channels, conv_output_size(h, k1, p1, s1),
                conv_output_size(w, k2, p2, s2))

    def _buffer(self, x: np.ndarray) -> np.ndarray:
        (k1, k2), n = self.kernel_size, x.shape[0]
        _, ho, wo = self.output_shape(x.shape[1:])
        size = self.in_channels * k1 * k2 * n * ho * wo
        buf = self._cols_buf
        if buf is None or buf.size < size or buf.dtype != x.dtype:
            buf = self._cols_buf = np.empty(size, dtype=x.dtype)
        return buf

    def forward(self, x):
        K, b = self.params["K"], self.params["b"]
        buf = self._buffer(x) if self.training else None
        out, cols = F.conv_forward_cols(x, K, b, self.padding, self.stride, col_buf=buf)
        self._cache = (cols, x.shape) if self.training else None
        return out

    def backward(self, dout):
        cols, x_shape = self._cache
        dk, db, dx = F.conv_backward_cols(dout, self.params["K"], cols, x_shape, self.padding,
                                          self.stride, need_dz=self.need_input_grad)
        n = x_shape[0]
        np.multiply(dk, 1.0 / n, out=self.grads["K"])
        np.multiply(db, 1.0 / n, out=self.grads["b"])
        return dx


class MaxPool2D(Layer):
    """Max pooling with window ``pool``, ``stride`` (default = pool) and zero ``padding``."""

    kind = "pool"

    def __init__(self, pool_size=2, stride=None, padding=0, name: str | None = None):
        super().__init__(name)
        self.pool_size = F._pair(pool_size)
        self.stride = F._pair(stride if stride is not None else pool_size)
        self.padding = F._pair(padding)
        self._x = None

    def config(self):
        return {"type": "MaxPool2D", "name": self.name, "pool_size": list(self.pool_size),
                "stride": list(self.stride), "padding": list(self.padding)}

    def output_shape(self, input_shape):
        c, h, w = input_shape
        (k1, k2), (p1, p2), (s1, s2) = self.pool_size, self.padding, self.stride
        return (c, conv_output_size(h, k1, p1, s1), conv_output_size(w, k2, p2, s2))

    def forward(self, x):
        (k1, k2), (s1, s2) = self.pool_size, self.stride
        if not self.training or (k1, k2) != (s1, s2):
            self._x = x if self.training else None
            return F.max_pooling_forward(x, self.pool_size, self.stride, self.padding)
        zp = pad_spatial(x, self.padding)
        out, first = pooling_kernels.tiled_forward(zp, k1, k2)
        self._x = (first, zp.shape, x.shape)
        return out

    def backward(self, dout):
        (k1, k2), (s1, s2), (p1, p2) = self.pool_size, self.stride, self.padding
        if (k1, k2) != (s1, s2):
            return F.max_pooling_backward(dout, self._x, self.pool_size, self.stride, self.padding)
        first, padded_shape, x_shape = self._x
        dzp = pooling_kernels.tiled_backward(dout, first, padded_shape, k1, k2)
        return dzp[:, :, p1:p1 + x_shape[2], p2:p2 + x_shape[3]]


class ReLU(Layer):
    """``max(0, x)``; the backward pass masks with the *output* (same as input > 0)."""

    kind = "relu"

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self._out = None

    def forward(self, x):
        out = F.relu_forward(x)
        self._out = out if self.training else None
        return out

    def backward(self, dout):
        return np.multiply(dout, self._out > 0)


class Flatten(Layer):
    """``(N, C, H, W) -> (N, C*H*W)`` in C order (as the seed's reshape)."""

    kind = "flatten"

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self._shape = None

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x):
        self._shape = x.shape
        return F.flatten_forward(x)

    def backward(self, dout):
        return dout.reshape(self._shape)


class Dense(Layer):
    """Fully connected ``x @ W + b`` with ``W: (in, out)``, ``b: (out,)``."""

    kind = "fc"
    has_params = True

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
        self.need_input_grad = True
        self._x = None

    def config(self):
        return {"type": "Dense", "name": self.name, "in_features": self.in_features,
                "out_features": self.out_features}

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.in_features,):
            raise ValueError(f"{self.name}: expects ({self.in_features},), got {tuple(input_shape)}")
        return (self.out_features,)

    def forward(self, x):
        self._x = x if self.training else None
        out = x @ self.params["W"]
        out += self.params["b"]
        return out

    def backward(self, dout):
        x, n = self._x, self._x.shape[0]
        np.matmul(x.T, dout, out=self.grads["W"])
        self.grads["W"] *= 1.0 / n
        np.multiply(dout.sum(axis=0), 1.0 / n, out=self.grads["b"])
        return dout @ self.params["W"].T if self.need_input_grad else None


class Dropout(Layer):
    """Inverted dropout: in training zero each unit with probability ``rate``
    and scale the rest by ``1/(1-rate)``; identity at inference."""

    kind = "dropout"

    def __init__(self, rate: float = 0.5, name: str | None = None, seed: int = 0):
        super().__init__(name)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = int(seed)
        self.rng = np.random.default_rng(seed)
        self._mask = None

    def config(self):
        return {"type": "Dropout", "name": self.name, "rate": self.rate, "seed": self.seed}

    def shared_copy(self):
        twin = super().shared_copy()
        # a child stream: deterministic, and leaves this layer's own stream untouched
        twin.rng = np.random.default_rng(self.rng.bit_generator.seed_seq.spawn(1)[0])
        return twin

    def forward(self, x):
        if not self.training or self.rate == 0.0:
            self._mask = None
            return x
        keep = (self.rng.random(x.shape, dtype=np.float32) >= self.rate)
        self._mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.rate))
        return x * self._mask

    def backward(self, dout):
        return dout if self._mask is None else dout * self._mask


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Conv2D, MaxPool2D, ReLU, Flatten, Dense, Dropout)
}

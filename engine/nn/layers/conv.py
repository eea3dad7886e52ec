"""2-D convolution: ``(N, C, H, W) -> (N, D, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``."""
from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import one_image
from .. import spectral_choice, spectral_conv
from ..limits import MAX_DIM, MAX_KERNEL
from ..shapes import as_pair, conv_output_size
from .base import Layer, LayerShapes, require_maps, window_output
from .fields import SOURCE, IntField, PairField, ShapeError


#: Convolution algorithms for batches (see :meth:`Conv2D.set_algorithm`).
ALGORITHMS = ("auto", "im2col", "spectral")


class Conv2D(Layer):
    """2-D convolution, kernel ``K: (C_in, D_out, k1, k2)``, bias ``b: (D_out,)``.

    ``set_input_gradient(False)`` (the model does it for its first layer)
    skips the input gradient, which nobody uses there.

    The algorithm is chosen per shape (:data:`ALGORITHMS`): one image in
    inference by :mod:`engine.nn.one_image`; a batch in frequency space
    (:mod:`engine.nn.spectral_conv`) where its cost model expects it clearly
    faster (5x5 kernels on 14x14 maps with 16+ channels: the second layer of
    the bench and playground nets, 2.5-3x per training pass), else im2col.
    ``set_algorithm`` overrides the choice for batches (tests, benchmarks).
    """

    kind = "conv"
    has_params = True
    has_kernels = True
    FIELDS = (IntField("in_channels", 1, MAX_DIM), IntField("out_channels", 1, MAX_DIM),
              PairField("kernel_size", 1, MAX_KERNEL), PairField("padding", 0, MAX_KERNEL),
              PairField("stride", 1, MAX_KERNEL))

    def __init__(self, in_channels: int, out_channels: int, kernel_size=3, padding=0,
                 stride=1, name: str | None = None, rng: np.random.Generator | None = None,
                 dtype=np.float32):
        super().__init__(name)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = as_pair(kernel_size)
        self.padding = as_pair(padding)
        self.stride = as_pair(stride)
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
        self._cols_buf: np.ndarray | None = None
        self._cache = None
        self._algorithm = "auto"
        #: the algorithm of the last forward pass: "one image", "spectral" or "im2col"
        self.last_algorithm: str | None = None
        self._one_plan: tuple | None = None     # (input shape, one_image.ConvPlan or None)

    def settings(self) -> dict:
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "padding": list(self.padding),
                "stride": list(self.stride)}

    @classmethod
    def infer(cls, settings, input_shape, where):
        c, h, w = require_maps(input_shape, where)
        cin, cout = settings["in_channels"], settings["out_channels"]
        if c != cin:
            raise ShapeError(f"architecture: {where!r} expects {cin} channels, gets {c} {SOURCE} "
                             f"- set its in_channels to {c}")
        k = as_pair(settings["kernel_size"])
        ho, wo = window_output((h, w), k, as_pair(settings["padding"]),
                               as_pair(settings["stride"]), where)
        return LayerShapes((cout, ho, wo), {"K": (cin, cout) + k, "b": (cout,)},
                           macs=ho * wo * cout * cin * k[0] * k[1],
                           workspace=cin * k[0] * k[1] * ho * wo)            # im2col

    def output_signed(self, input_signed: bool) -> bool:
        return True

    def explain(self, input_shape, output_shape, last):
        k = "×".join(str(v) for v in self.kernel_size)
        return (f"Convolution: each of the {output_shape[0]} feature maps is the "
                f"{input_shape[0]}-channel input filtered by its own learned {k} kernel, "
                f"plus a bias.")

    def spatial_window(self):
        return self.kernel_size, self.padding, self.stride

    def kernel_of(self, channel: int) -> tuple[np.ndarray, float]:
        """``(kernel (C_in, k1, k2) float32 copy, bias)`` that makes output map ``channel``."""
        return (np.array(self.params["K"][:, channel], dtype=np.float32),
                float(self.params["b"][channel]))

    def _buffer(self, x: np.ndarray) -> np.ndarray:
        (k1, k2), (p1, p2), (s1, s2) = self.kernel_size, self.padding, self.stride
        n, _, h, w = x.shape
        ho, wo = conv_output_size(h, k1, p1, s1), conv_output_size(w, k2, p2, s2)
        size = self.in_channels * k1 * k2 * n * ho * wo
        buf = self._cols_buf
        if buf is None or buf.size < size or buf.dtype != x.dtype:
            buf = self._cols_buf = np.empty(size, dtype=x.dtype)
        return buf

    def _plan_one(self, shape: tuple[int, ...], dtype) -> one_image.ConvPlan | None:
        """The one-image plan for an input of ``shape`` (cached per shape), or None
        when the one-image path does not apply (a batch, a stride, another dtype)."""
        K, b = self.params["K"], self.params["b"]
        if dtype != K.dtype or b.dtype != K.dtype or len(shape) != 4 or shape[0] != 1:
            return None
        cached = self._one_plan
        if cached is None or cached[0] != shape:
            cached = self._one_plan = (shape, one_image.conv_plan(shape, K.shape, self.padding,
                                                                  self.stride))
        return cached[1]

    def shared_copy(self) -> "Conv2D":
        """As :meth:`Layer.shared_copy`, keeping the algorithm setting (replicas
        of a training run's threads convolve their slices the same way)."""
        twin = super().shared_copy()
        twin.set_algorithm(self._algorithm)
        return twin

    @property
    def algorithm(self) -> str:
        """The algorithm setting for batches (see :meth:`set_algorithm`)."""
        return self._algorithm

    def set_algorithm(self, name: str) -> None:
        """How batches are convolved: ``"auto"`` (by shape, the default),
        ``"im2col"`` or ``"spectral"`` (stride 1 only; otherwise im2col)."""
        if name not in ALGORITHMS:
            raise ValueError(f"unknown convolution algorithm {name!r}; choose from {ALGORITHMS}")
        self._algorithm = name

    def _spectral_plan(self, x: np.ndarray) -> spectral_conv.SpectralPlan | None:
        """The frequency-space plan for a batch ``x`` when that path is taken, else None."""
        if self._algorithm == "im2col" or self.stride != (1, 1):
            return None
        n, c, h, w = x.shape
        dt = np.result_type(x.dtype, self.params["K"].dtype)    # as im2col: the bias follows
        (k1, k2), (p1, p2) = self.kernel_size, self.padding
        if self._algorithm == "auto" and not spectral_choice.spectral_wins(
                n, c, self.out_channels, h, w, k1, k2, self.padding, self.stride, dt,
                backward=self.training):
            return None
        if dt not in (np.float32, np.float64) or c != self.in_channels:
            return None
        return spectral_conv.spectral_plan(h, w, k1, k2, p1, p2, dt.type)

    def forward(self, x):
        K, b = self.params["K"], self.params["b"]
        plan = None if self.training else self._plan_one(x.shape, x.dtype)
        if plan is not None:
            self._cache, self.last_algorithm = None, "one image"
            return one_image.conv_forward_one(x, K, b, plan)
        spectral = self._spectral_plan(x) if x.ndim == 4 and x.shape[0] > 1 else None
        self.last_algorithm = "im2col" if spectral is None else "spectral"
        if spectral is not None:
            out, memo = spectral_conv.spectral_forward(x, K, b, spectral)
            self._cache = (memo, spectral, x.shape) if self.training else None
            return out
        buf = self._buffer(x) if self.training else None
        out, cols = F.conv_forward_cols(x, K, b, self.padding, self.stride, col_buf=buf)
        self._cache = (cols, None, x.shape) if self.training else None
        return out

    def backward(self, dout):
        memo, spectral, x_shape = self._cache
        if spectral is not None:
            dk, db, dx = spectral_conv.spectral_backward(dout, self.params["K"], memo, spectral,
                                                         need_dz=self.need_input_grad)
        else:
            dk, db, dx = F.conv_backward_cols(dout, self.params["K"], memo, x_shape, self.padding,
                                              self.stride, need_dz=self.need_input_grad)
        n = x_shape[0]
        np.multiply(dk, 1.0 / n, out=self.grads["K"])
        np.multiply(db, 1.0 / n, out=self.grads["b"])
        return dx

    def pure_forward(self, x):
        plan = self._plan_one(x.shape, x.dtype)
        if plan is not None:
            return one_image.conv_forward_one(x, self.params["K"], self.params["b"], plan), x.shape
        out, _ = F.conv_forward_cols(x, self.params["K"], self.params["b"], self.padding,
                                     self.stride)
        return out, x.shape

    def pure_backward(self, dout, memo):
        """Always the input gradient (``set_input_gradient`` is for training only)."""
        plan = self._plan_one(memo, dout.dtype)
        if plan is not None:
            return one_image.conv_input_gradient_one(dout, self.params["K"], plan)
        return F.conv_input_gradient(F.output_gradient_matrix(dout), self.params["K"], memo,
                                     self.padding, self.stride)

"""The layer base class: parameters, caches, a JSON configuration and the
shapes a configuration implies, computed without allocating anything.

Every layer has ``forward(x)`` / ``backward(dout)``, ``params`` and ``grads``
dicts (same keys), ``buffers`` (state that is saved with the model but not
trained, e.g. batch norm's running statistics; empty for most layers), a
``name`` and a JSON-able ``config()``. Gradients follow
the functional API: parameter gradients are those of the *mean* loss over the
batch, input gradients those of the *summed* loss.

For explanations (input gradients, :mod:`engine.explain`) every layer also
has a side-effect-free pair: ``pure_forward(x) -> (out, memo)`` (inference
mode: dropout is the identity) and ``pure_backward(dout, memo) -> dx``. They
never touch the caches, ``grads``, the mode or the input-gradient switch, so
they can run while the model is in any state, and training never pays for them.

A layer class owns its schema: ``FIELDS`` (the checked constructor settings),
:meth:`Layer.infer` (output shape, parameter shapes and multiply-adds of one
sample for an input shape) and what a viewer needs to know about its output
(:attr:`Layer.keeps_channels`, :meth:`Layer.output_signed`,
:meth:`Layer.explain`). The model, the architecture check and the model-file
reader all ask the classes; none of them repeats a layer's rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from ..shapes import conv_output_size
from .fields import SOURCE, Field, ShapeError, parse_settings

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerShapes:
    """What one layer does to one sample's shape.

    :ivar output: output shape, e.g. ``(C, H, W)`` or ``(F,)``
    :ivar params: ``{parameter key: shape}``, e.g. ``{"K": (C, D, k, k), "b": (D,)}``
    :ivar macs: multiply-adds of the forward pass for one sample
    :ivar workspace: temporary values the forward pass needs for one sample
        (a convolution's im2col matrix), kept for the backward pass in training
    :ivar buffers: ``{buffer key: shape}`` of saved, untrained state, e.g.
        ``{"running_mean": (C,), "running_var": (C,)}``
    """
    output: Shape
    params: dict[str, Shape] = field(default_factory=dict)
    macs: int = 0
    workspace: int = 0
    buffers: dict[str, Shape] = field(default_factory=dict)


class Layer:
    """Base class: no parameters, shape kept."""

    kind = "layer"           # short word used to number unnamed layers: conv1, relu2, ...
    numbered = True          # False: the first unnamed one is called just ``kind`` ("flatten")
    has_params = False       # the constructor takes ``rng`` and ``dtype`` to initialise weights
    has_kernels = False      # output map c is made by a kernel of this layer (kernel_of(c))
    keeps_channels = False   # a (C, H, W) output's channel c comes from input channel c alone
    FIELDS: tuple[Field, ...] = ()

    def __init__(self, name: str | None = None):
        self.auto_named = not name  # the model numbers these: conv1, conv2, ...
        self.name = name or self.kind
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.owns_buffers = True    # False in a shared copy: it reads the buffers, never updates
        self.training = False
        self.need_input_grad = True

    # ------------------------------------------------------------ schema
    def settings(self) -> dict:
        """The constructor settings (``FIELDS`` keys) as JSON-able values."""
        return {}

    def config(self) -> dict:
        """JSON-able description that, with ``params``, rebuilds the layer."""
        return {"type": type(self).__name__, "name": self.name, **self.settings()}

    @classmethod
    def parse_config(cls, config: Mapping) -> dict:
        """Check an untrusted layer config (a JSON object) against ``FIELDS``;
        return the constructor settings. Raises :class:`ArchitectureError`."""
        where = config.get("name") or cls.__name__
        return parse_settings(cls.FIELDS, config, where)

    @classmethod
    def infer(cls, settings: dict, input_shape: Shape, where: str) -> LayerShapes:
        """Shapes for one sample of ``input_shape``, from checked ``settings``
        (allocates nothing). Raises :class:`ArchitectureError` naming ``where``."""
        return LayerShapes(tuple(input_shape))

    @classmethod
    def from_config(cls, config: Mapping, rng: np.random.Generator | None = None,
                    dtype=np.float32) -> "Layer":
        """A freshly initialised layer from :meth:`config` output (checked)."""
        kwargs = cls.parse_config(config)
        if cls.has_params:
            kwargs.update(rng=rng, dtype=dtype)
        return cls(name=config.get("name"), **kwargs)

    def output_shape(self, input_shape: Shape) -> Shape:
        """Shape of one sample's output for one sample's ``input_shape``."""
        return self.infer(self.settings(), tuple(input_shape), self.name).output

    # ----------------------------------------------------- for a viewer
    def output_signed(self, input_signed: bool) -> bool:
        """Whether the output can be negative, given whether the input can."""
        return input_signed

    def spatial_window(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None:
        """``((k1, k2), (p1, p2), (s1, s2))`` of a layer that slides a window over
        its input's rows and columns (kernel, zero padding, stride, in input
        pixels); None for layers that keep every position (element-wise) or
        have no maps."""
        return None

    def kernel_of(self, channel: int) -> tuple[np.ndarray, float]:
        """``(kernel (C_in, k1, k2), bias)`` that makes output map ``channel``
        (layers with ``has_kernels`` only)."""
        raise TypeError(f"{type(self).__name__} has no kernels")

    def explain(self, input_shape: Shape, output_shape: Shape, last: bool) -> str:
        """One or two sentences on what this layer computes (for learners)."""
        return f"{type(self).__name__} layer with output {output_shape}."

    # --------------------------------------------------------- managing
    def assign_name(self, name: str) -> None:
        """Name an unnamed layer (the model numbers them by kind)."""
        self.name = name

    def set_training(self, mode: bool) -> None:
        """Training mode caches what backward needs (and enables dropout)."""
        self.training = bool(mode)

    def set_input_gradient(self, needed: bool) -> None:
        """Whether :meth:`backward` must return the input gradient (the first
        layer of a model skips it where the layer can)."""
        self.need_input_grad = bool(needed)

    def load_params(self, params: Mapping[str, np.ndarray]) -> None:
        """Use copies of ``params`` (same keys and shapes) as the parameters;
        gradients are reset to zero."""
        if set(params) != set(self.params):
            raise ValueError(f"{self.name}: parameters {sorted(params)} != {sorted(self.params)}")
        for key, value in params.items():
            if value.shape != self.params[key].shape:
                raise ValueError(f"{self.name}.{key}: shape {value.shape} != {self.params[key].shape}")
        self.params = {k: np.array(v, copy=True) for k, v in params.items()}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def load_buffers(self, buffers: Mapping[str, np.ndarray]) -> None:
        """Use copies of ``buffers`` (same keys and shapes) as the buffers."""
        if set(buffers) != set(self.buffers):
            raise ValueError(f"{self.name}: buffers {sorted(buffers)} != {sorted(self.buffers)}")
        for key, value in buffers.items():
            if value.shape != self.buffers[key].shape:
                raise ValueError(f"{self.name}.{key}: shape {value.shape} != "
                                 f"{self.buffers[key].shape}")
        self.buffers = {k: np.array(v, copy=True) for k, v in buffers.items()}

    def shared_copy(self) -> "Layer":
        """A twin that shares parameter arrays but has its own caches and grads.
        It shares the buffers too, read-only (only the original updates them).

        Used to run slices of a batch in parallel threads.
        """
        twin = type(self).from_config(self.config())
        twin.read_shared_arrays(self.params, self.buffers)
        twin.need_input_grad = self.need_input_grad
        return twin

    def read_shared_arrays(self, params: Mapping[str, np.ndarray],
                           buffers: Mapping[str, np.ndarray], update_buffers: bool = False) -> None:
        """Compute with ``params`` and ``buffers`` (this layer's keys and
        shapes; arrays owned elsewhere, e.g. another layer's or views of
        shared memory) without copying them. Training passes update the
        buffers in place only with ``update_buffers``. The gradients become
        fresh zeros of the same shapes."""
        if set(params) != set(self.params) or set(buffers) != set(self.buffers):
            raise ValueError(f"{self.name}: arrays {sorted(params)} / {sorted(buffers)} do not "
                             f"match {sorted(self.params)} / {sorted(self.buffers)}")
        for key, value in {**params, **buffers}.items():
            mine = self.params.get(key, self.buffers.get(key))
            if value.shape != mine.shape:
                raise ValueError(f"{self.name}.{key}: shape {value.shape} != {mine.shape}")
        self.params, self.buffers = dict(params), dict(buffers)
        self.owns_buffers = update_buffers
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    # ---------------------------------------------------------- running
    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def pure_forward(self, x: np.ndarray) -> tuple[np.ndarray, object]:
        """Inference-mode output for ``x: (N, ...)`` and a memo for
        :meth:`pure_backward`; changes nothing in the layer."""
        raise NotImplementedError(f"{type(self).__name__} has no side-effect-free forward pass")

    def pure_backward(self, dout: np.ndarray, memo: object) -> np.ndarray:
        """Gradient w.r.t. the input ``(N, ...)`` of a summed objective, from its
        gradient w.r.t. the output (shaped like the output) and the memo of
        :meth:`pure_forward`; changes nothing in the layer."""
        raise NotImplementedError(f"{type(self).__name__} has no side-effect-free backward pass")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"


def size_text(rows: int, cols: int) -> str:
    """``3×3``."""
    return f"{rows}\u00d7{cols}"


def require_maps(input_shape: Shape, where: str) -> tuple[int, int, int]:
    """``(C, H, W)`` of ``input_shape``, or a :class:`ShapeError` for a vector."""
    if len(input_shape) != 3:
        raise ShapeError(f"architecture: {where!r} needs a (C, H, W) input, gets "
                         f"{tuple(input_shape)} {SOURCE} - move it before the Flatten layer, "
                         f"where the maps still have rows and columns")
    return input_shape[0], input_shape[1], input_shape[2]


def window_output(size: tuple[int, int], kernel: tuple[int, int], padding: tuple[int, int],
                  stride: tuple[int, int], where: str, pooling: bool = False) -> tuple[int, int]:
    """``(Ho, Wo)`` of a sliding window over ``size``, or a :class:`ShapeError`
    that says how to make it fit: for a convolution the padding that fits it
    (half the kernel, which keeps the map's size at stride 1, when that is
    enough) or the largest kernel that fits; for pooling the largest window."""
    try:
        return (conv_output_size(size[0], kernel[0], padding[0], stride[0]),
                conv_output_size(size[1], kernel[1], padding[1], stride[1]))
    except ValueError as exc:
        problem = str(exc)
    fits = tuple(max(1, n + 2 * p) for n, p in zip(size, padding))       # largest window
    head = (f"architecture: layer {where!r}: {problem}: the map is {size_text(*size)} {SOURCE}; "
            f"a {size_text(*kernel)} ")
    if pooling:
        raise ShapeError(head + f"pooling window no longer fits - use a window of at most "
                                f"{size_text(*fits)} or remove this pooling layer")
    need = tuple(max(-(-(k - n) // 2), k // 2, p) for n, k, p in zip(size, kernel, padding))
    raise ShapeError(head + f"convolution no longer fits - use padding {_pair_text(need)} or a "
                            f"{size_text(*fits)} kernel")


def _pair_text(pair: tuple[int, int]) -> str:
    """``2`` for ``(2, 2)``, ``[2, 1]`` otherwise (as written in a description)."""
    return str(pair[0]) if pair[0] == pair[1] else f"[{pair[0]}, {pair[1]}]"

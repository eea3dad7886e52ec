"""Input gradients: how a class score or a unit's activation changes with
every input pixel, through the network's own backward functions.

A :class:`ForwardTrace` runs one inference-mode forward pass with each
layer's side-effect-free ``pure_forward`` and keeps what ``pure_backward``
needs; nothing in the model changes (not its caches, parameter gradients,
training mode or the first layer's input-gradient switch), so it is safe
while the model trains in another thread and costs training nothing.

Objectives (summed over the batch; each sample's gradient is its own):

* a class score (:func:`input_gradient`): the ``"logit"`` of class ``c``,
  its ``"log_prob"`` (log-softmax) or its ``"prob"`` (softmax);
* a unit (:func:`unit_gradient`): for a layer with maps ``(C, H, W)`` an int
  ``index`` is channel ``index``'s mean over the map and ``(c, i, j)`` one
  unit; for a vector layer ``(F,)`` an int is one unit.

Shapes: ``x`` is one input ``(C, H, W)`` (e.g. ``(1, 28, 28)`` as
:func:`engine.data.preprocess.to_model_input` returns it) or a batch
``(N, C, H, W)``; gradients come back shaped like the batch ``(N, C, H, W)``
in the parameters' dtype (float32 for the bundled model), in units of
score per unit of pixel intensity (pixels are in [0, 1]).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn import functional as F
from ..nn.model import Model, param_dtype

SCORES = ("logit", "log_prob", "prob")


def as_batch(model: Model, x: np.ndarray) -> np.ndarray:
    """``x: (C, H, W)`` or ``(N, C, H, W)`` -> ``(N, C, H, W)`` in the
    parameters' dtype (float32 unless the model is float64)."""
    x = np.asarray(x)
    if x.ndim == len(model.input_shape):
        x = x[None]
    if x.ndim != 4 or tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(f"input shape {x.shape} does not match the model's {model.input_shape}")
    return x.astype(param_dtype(model.layers), copy=False)


def layer_index(model: Model, layer: str | int) -> int:
    """Index of layer ``layer`` (a name, or an index; negative counts from the end)."""
    names = [lay.name for lay in model.layers]
    if isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"no layer named {layer!r}; the model has {names}")
        return names.index(layer)
    i = int(layer)
    if not -len(names) <= i < len(names):
        raise ValueError(f"layer index {i} out of range for {len(names)} layers")
    return i % len(names)


class ForwardTrace:
    """One side-effect-free forward pass of ``x`` that can be differentiated.

    :ivar x: the input batch ``(N, C, H, W)``
    :ivar outputs: each layer's output, in layer order (``outputs[-1]`` are the logits)
    """

    def __init__(self, model: Model, x: np.ndarray, upto: int | None = None):
        """Run layers ``0..upto`` (default: all) on ``x`` (see :func:`as_batch`)."""
        self.model = model
        self.x = as_batch(model, x)
        last = len(model.layers) - 1 if upto is None else upto
        self.outputs: list[np.ndarray] = []
        self._memos: list[object] = []
        h = self.x
        for layer in model.layers[:last + 1]:
            h, memo = layer.pure_forward(h)
            self.outputs.append(h)
            self._memos.append(memo)

    @property
    def logits(self) -> np.ndarray:
        """``(N, classes)`` (only when the trace ran to the last layer)."""
        if len(self.outputs) != len(self.model.layers):
            raise ValueError("the trace stopped before the last layer")
        return self.outputs[-1]

    def backward(self, layer: int, grad: np.ndarray, stop: int = -1) -> np.ndarray:
        """Back-propagate ``grad`` (the objective's gradient w.r.t. the output
        of layer ``layer``, shaped like it) down to the output of layer
        ``stop`` (``-1``: the input) and return that gradient."""
        g = np.asarray(grad, dtype=self.outputs[layer].dtype)
        for i in range(layer, stop, -1):
            g = self.model.layers[i].pure_backward(g, self._memos[i])
        return g


def pure_logits(model: Model, x: np.ndarray, batch: int = 64) -> np.ndarray:
    """``(N, classes)`` logits of ``x`` (see :func:`as_batch`) by side-effect-free
    forward passes of at most ``batch`` samples each (bounds the memory)."""
    xb = as_batch(model, x)
    out = []
    for start in range(0, len(xb), max(1, int(batch))):
        h = xb[start:start + batch]
        for layer in model.layers:
            h = layer.pure_forward(h)[0]
        out.append(h)
    return np.concatenate(out) if out else np.zeros((0, model.num_classes), xb.dtype)


def class_objective(logits: np.ndarray, target: np.ndarray, score: str = "logit"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(value (N,) float64, d value / d logits (N, K))`` of each sample's
    ``score`` of class ``target[n]`` (``score`` in :data:`SCORES`)."""
    n, k = logits.shape
    rows = np.arange(n)
    onehot = np.zeros_like(logits)
    onehot[rows, target] = 1
    if score == "logit":
        return logits[rows, target].astype(np.float64), onehot
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}")
    logp = F.log_softmax(logits)
    p = np.exp(logp)
    if score == "log_prob":
        return logp[rows, target].astype(np.float64), onehot - p
    pt = p[rows, target][:, None]
    return pt[:, 0].astype(np.float64), pt * (onehot - p)


def unit_objective(output: np.ndarray, index: int | tuple[int, int, int]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``(value (N,) float64, d value / d output)`` of unit ``index`` of a layer
    output ``(N, C, H, W)`` (int: channel mean; ``(c, i, j)``: one unit) or
    ``(N, F)`` (int: one unit)."""
    grad = np.zeros_like(output)
    shape = output.shape[1:]
    if isinstance(index, (tuple, list)):
        if len(index) != len(shape) or any(not 0 <= int(v) < s for v, s in zip(index, shape)):
            raise ValueError(f"unit {tuple(index)} is outside the layer's output {shape}")
        where = (slice(None),) + tuple(int(v) for v in index)
        grad[where] = 1
        return output[where].astype(np.float64), grad
    c = int(index)
    if not 0 <= c < shape[0]:
        raise ValueError(f"unit {c} is outside the layer's {shape[0]} channels/units")
    if len(shape) == 1:
        grad[:, c] = 1
        return output[:, c].astype(np.float64), grad
    plane = int(np.prod(shape[1:]))
    grad[:, c] = 1.0 / plane
    return output[:, c].reshape(len(output), -1).mean(axis=1, dtype=np.float64), grad


@dataclass(frozen=True)
class InputGradient:
    """The gradient of an objective w.r.t. the input.

    :ivar grad: ``(N, C, H, W)``, d objective / d pixel (the parameters' dtype)
    :ivar value: ``(N,)`` float64, the objective at ``x``
    :ivar logits: ``(N, classes)`` at ``x`` (None if the pass stopped early)
    :ivar target: ``(N,)`` int64, the class each sample's objective scored
        (the predicted one where none was given), or None for a unit
    """
    grad: np.ndarray
    value: np.ndarray
    logits: np.ndarray | None
    target: np.ndarray | None = None


def targets_for(logits: np.ndarray, target: int | np.ndarray | None) -> np.ndarray:
    """``(N,)`` int64 class indices: ``target`` broadcast, or the predicted
    classes for None; raises ``ValueError`` outside ``[0, classes)``."""
    n, k = logits.shape
    if target is None:
        return logits.argmax(axis=1)
    t = np.broadcast_to(np.asarray(target, dtype=np.int64), (n,)).copy()
    if np.any((t < 0) | (t >= k)):
        raise ValueError(f"target class must be in [0, {k}), got {target!r}")
    return t


def input_gradient(model: Model, x: np.ndarray, target: int | np.ndarray | None = None,
                   score: str = "logit") -> InputGradient:
    """Gradient of class ``target``'s ``score`` (``"logit"``, ``"log_prob"``
    or ``"prob"``) w.r.t. the input; ``target=None``: each sample's predicted
    class; an array: one class per sample."""
    trace = ForwardTrace(model, x)
    t = targets_for(trace.logits, target)
    value, dlogits = class_objective(trace.logits, t, score)
    grad = trace.backward(len(model.layers) - 1, dlogits)
    return InputGradient(grad, value, trace.logits, t)


def unit_gradient(model: Model, x: np.ndarray, layer: str | int,
                  index: int | tuple[int, int, int]) -> InputGradient:
    """Gradient of unit ``index`` of layer ``layer``'s output (see
    :func:`unit_objective`) w.r.t. the input; runs the layers up to ``layer`` only."""
    i = layer_index(model, layer)
    trace = ForwardTrace(model, x, upto=i)
    value, dout = unit_objective(trace.outputs[i], index)
    logits = trace.outputs[-1] if i == len(model.layers) - 1 else None
    return InputGradient(trace.backward(i, dout), value, logits)


def unit_value(model: Model, x: np.ndarray, layer: str | int,
               index: int | tuple[int, int, int]) -> np.ndarray:
    """``(N,)`` float64 values of unit ``index`` of layer ``layer`` (as
    :func:`unit_objective`) for the inputs ``x``."""
    i = layer_index(model, layer)
    return unit_objective(ForwardTrace(model, x, upto=i).outputs[i], index)[0]

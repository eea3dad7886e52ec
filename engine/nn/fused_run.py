"""Running a model's layers with a ReLU fused into the max pool after it.

``relu`` then ``max pool`` with non-overlapping windows is run as the pool's
:meth:`~engine.nn.layers.MaxPool2D.forward_relu`: max pooling commutes with
the ReLU, so the ReLU runs on the 4x smaller pooled array, and the pool's
backward pass then also does the ReLU's (windows whose maximum is not
positive pass no gradient). Values and gradients are exactly those of the
two layers run one by one; what is lost is only the ReLU's full-size output,
which is why :meth:`engine.nn.model.Model.forward` runs the layers one by one
when it keeps the activations.
"""
from __future__ import annotations

import numpy as np

from .layers import Layer, MaxPool2D, ReLU


def fuses_with_next(layers: list[Layer], i: int) -> bool:
    """True if ``layers[i]`` is a ReLU that the max pool after it can take."""
    nxt = layers[i + 1] if i + 1 < len(layers) else None
    return isinstance(layers[i], ReLU) and isinstance(nxt, MaxPool2D) and nxt.can_take_relu()


def forward_fused(layers: list[Layer], x: np.ndarray) -> np.ndarray:
    """The output of ``layers`` applied in order to ``x``, ReLU+pool pairs fused."""
    i = 0
    while i < len(layers):
        if fuses_with_next(layers, i):
            x = layers[i + 1].forward_relu(x)
            i += 2
        else:
            x = layers[i].forward(x)
            i += 1
    return x


def backward_after(layers: list[Layer], grad: np.ndarray) -> np.ndarray:
    """Back-propagate ``grad`` through ``layers`` after a forward pass, fused or
    not: a pool whose last forward pass took the ReLU before it also did that
    ReLU's backward pass, so the ReLU is skipped. Returns the input gradient
    (None if the first layer skips it)."""
    skip = False
    for layer in reversed(layers):
        if not skip:
            grad = layer.backward(grad)
        skip = not skip and isinstance(layer, MaxPool2D) and layer.took_relu
    return grad

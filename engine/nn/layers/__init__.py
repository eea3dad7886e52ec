"""Layers that own parameters and caches, built on :mod:`engine.nn.functional`.

Shapes (N = batch):

* ``Conv2D``:  ``(N, C, H, W) -> (N, D, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``
* ``MaxPool2D``: ``(N, C, H, W) -> (N, C, Ho, Wo)`` (same formula)
* ``ReLU``, ``Dropout``: shape kept
* ``Flatten``: ``(N, C, H, W) -> (N, C*H*W)``
* ``Dense``: ``(N, in) -> (N, out)``

:data:`LAYER_TYPES` is the registry the model, the architecture check and the
model-file reader look layer types up in: a new layer class is added here and
nowhere else.
"""
from __future__ import annotations

from .activations import ReLU
from .base import Layer, LayerShapes
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .fields import ArchitectureError
from .pool import MaxPool2D
from .reshape import Flatten

LAYER_TYPES: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Conv2D, MaxPool2D, ReLU, Flatten, Dense, Dropout)
}

__all__ = ["LAYER_TYPES", "ArchitectureError", "Conv2D", "Dense", "Dropout", "Flatten", "Layer",
           "LayerShapes", "MaxPool2D", "ReLU"]

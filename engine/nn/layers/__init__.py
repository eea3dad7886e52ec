"""Layers that own parameters and caches, built on :mod:`engine.nn.functional`
(and :mod:`engine.nn.functional_extra` for the newer ones).

Shapes (N = batch):

* ``Conv2D``:  ``(N, C, H, W) -> (N, D, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``
* ``MaxPool2D``, ``AvgPool2D``: ``(N, C, H, W) -> (N, C, Ho, Wo)`` (same formula)
* ``ReLU``, ``LeakyReLU``, ``Tanh``, ``Sigmoid``, ``Dropout``: shape kept
* ``BatchNorm2D`` (maps), ``BatchNorm1D`` (features): shape kept
* ``Flatten``: ``(N, C, H, W) -> (N, C*H*W)``
* ``Dense``: ``(N, in) -> (N, out)``

:data:`LAYER_TYPES` is the registry the model, the architecture check and the
model-file reader look layer types up in: a new layer class is added here and
nowhere else.
"""
from __future__ import annotations

from .activations import LeakyReLU, ReLU, Sigmoid, Tanh
from .avgpool import AvgPool2D
from .base import Layer, LayerShapes
from .batchnorm import BatchNorm1D, BatchNorm2D
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .fields import ArchitectureError, ShapeError
from .pool import MaxPool2D
from .reshape import Flatten

LAYER_TYPES: dict[str, type[Layer]] = {
    cls.__name__: cls for cls in (Conv2D, MaxPool2D, ReLU, Flatten, Dense, Dropout, AvgPool2D,
                                  BatchNorm2D, BatchNorm1D, Tanh, Sigmoid, LeakyReLU)
}

__all__ = ["LAYER_TYPES", "ArchitectureError", "AvgPool2D", "BatchNorm1D", "BatchNorm2D", "Conv2D",
           "Dense", "Dropout", "Flatten", "Layer", "LayerShapes", "LeakyReLU", "MaxPool2D", "ReLU",
           "ShapeError", "Sigmoid", "Tanh"]

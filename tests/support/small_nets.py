"""A small float64 network and random batches for model-level tests
(the model, data parallelism, evaluation)::

    model = small_net()            # (2, 8, 8) -> 5 classes, 306 parameters
    x, labels = batch(6)           # (6, 2, 8, 8) float64, (6,) int
"""
from __future__ import annotations

import numpy as np

from engine.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from engine.nn.model import Model

SMALL_NAMES = ["conv1", "relu1", "pool1", "conv2", "relu2", "flatten", "fc1", "relu3", "fc2"]
SMALL_SHAPES = [(3, 8, 8), (3, 8, 8), (3, 4, 4), (4, 2, 2), (4, 2, 2), (16,), (6,), (6,), (5,)]


def small_net(dtype=np.float64, seed=0) -> Model:
    """conv(2->3, 3x3, pad 1)-relu-pool 2x2-conv(3->4, 3x3)-relu-flatten-
    dense(16->6)-relu-dense(6->5) on (2, 8, 8) inputs, with random biases."""
    rng = np.random.default_rng(seed)
    model = Model([
        Conv2D(2, 3, 3, padding=1, rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
        Conv2D(3, 4, 3, rng=rng, dtype=dtype), ReLU(), Flatten(),
        Dense(16, 6, rng=rng, dtype=dtype), ReLU(), Dense(6, 5, rng=rng, dtype=dtype),
    ], input_shape=(2, 8, 8))
    for name, p in model.named_params().items():
        if name.endswith(".b"):
            p[...] = 0.3 * rng.standard_normal(p.shape)
    return model


def batch(n, shape=(2, 8, 8), classes=5, seed=1, dtype=np.float64):
    """``(x (n, *shape) standard normal, labels (n,) in [0, classes))``."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n,) + shape).astype(dtype), rng.integers(0, classes, n)


def mnist_like(n, seed=2):
    """``(x (n, 1, 28, 28) float32 uniform in [0, 1), labels (n,) in [0, 10))``."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def grads_copy(model: Model) -> dict[str, np.ndarray]:
    """A copy of every gradient array by name."""
    return {k: v.copy() for k, v in model.named_grads().items()}

"""engine.nn.layers.base.Layer behaviour shared by every layer class: eval mode
keeps no cache (training mode does, until switched back), ``shared_copy``
shares parameters but not caches or gradients, and ``config()`` round-trips
through JSON and the :data:`LAYER_TYPES` registry.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine.nn.layers import (LAYER_TYPES, AvgPool2D, BatchNorm1D, BatchNorm2D, Dropout, Flatten,
                              LeakyReLU, MaxPool2D, ReLU, Sigmoid, Tanh)
from tests.support.layer_checks import held_arrays, make_conv, make_dense, train_step

LAYER_FACTORIES = {
    "conv": (lambda: make_conv(2, 3, (3, 3), (1, 1), (1, 1), seed=2), (2, 2, 5, 5)),
    "conv_s2": (lambda: make_conv(2, 3, (3, 3), (1, 1), (2, 2), seed=4), (2, 2, 8, 7)),
    "pool_tiled": (lambda: MaxPool2D(2, padding=1), (2, 2, 5, 5)),
    "pool_overlap": (lambda: MaxPool2D(3, stride=2), (2, 2, 7, 7)),
    "relu": (lambda: ReLU(), (2, 2, 3, 3)),
    "flatten": (lambda: Flatten(), (2, 2, 3, 3)),
    "dense": (lambda: make_dense(6, 4, 61), (3, 6)),
    "dropout": (lambda: Dropout(0.5, seed=1), (3, 6)),
    "avgpool": (lambda: AvgPool2D(3, stride=2, padding=1), (2, 2, 6, 5)),
    "bn2d": (lambda: BatchNorm2D(2), (3, 2, 3, 3)),
    "bn1d": (lambda: BatchNorm1D(6), (3, 6)),
    "tanh": (lambda: Tanh(), (2, 2, 3, 3)),
    "sigmoid": (lambda: Sigmoid(), (3, 6)),
    "leaky": (lambda: LeakyReLU(0.2), (2, 2, 3, 3)),
}
# batch norm normalises with the batch's statistics in training, the running ones in eval
TRAINING_DIFFERS = ("dropout", "bn2d", "bn1d")
# average pooling's backward pass needs only the input's shape: no array is cached
CACHES_NO_ARRAY = ("flatten", "avgpool")
# what each layer keeps for its backward pass (Conv2D's ``_cols_buf`` is a
# reusable im2col workspace, not a per-batch cache)
CACHE_ATTRS = ("_cache", "_x", "_out", "_mask")


def test_every_registered_layer_type_is_covered():
    """Guard: a class added to ``LAYER_TYPES`` needs a factory here (and so
    goes through every shared check below)."""
    covered = {type(factory()) for factory, _ in LAYER_FACTORIES.values()}
    missing = set(LAYER_TYPES.values()) - covered
    assert not missing, f"layer types without shared checks: {sorted(c.__name__ for c in missing)}"


@pytest.mark.parametrize("kind", list(LAYER_FACTORIES))
def test_eval_mode_keeps_no_cache_training_mode_does(kind):
    factory, shape = LAYER_FACTORIES[kind]
    x = np.random.default_rng(62).standard_normal(shape)

    fresh = factory()
    assert fresh.training is False  # layers start in eval mode
    out_eval = fresh.forward(x)
    assert held_arrays(fresh) == [], f"{kind}: eval forward kept {held_arrays(fresh)}"

    layer = factory()
    layer.set_training(True)
    out = layer.forward(x)
    if kind not in TRAINING_DIFFERS:
        np.testing.assert_array_equal(out, out_eval)
    if kind not in CACHES_NO_ARRAY:
        assert held_arrays(layer), f"{kind}: training forward cached nothing for backward"
    dx = layer.backward(np.ones_like(out))
    assert dx.shape == x.shape

    layer.set_training(False)       # switching to eval releases the cache
    layer.forward(x)
    assert held_arrays(layer, exclude=("_cols_buf",)) == []
    for attr in CACHE_ATTRS:
        assert getattr(layer, attr, None) is None


# ============================================================== shared_copy / config
@pytest.mark.parametrize("kind", list(LAYER_FACTORIES))
def test_shared_copy_shares_params_but_not_grads(kind):
    factory, shape = LAYER_FACTORIES[kind]
    layer = factory()
    twin = layer.shared_copy()
    assert type(twin) is type(layer) and twin.name == layer.name
    assert twin.config() == layer.config()
    assert set(twin.params) == set(layer.params) == set(twin.grads)
    for k in layer.params:
        assert twin.params[k] is layer.params[k]
        assert twin.grads[k] is not layer.grads[k]
        assert twin.grads[k].dtype == layer.params[k].dtype
        assert not np.shares_memory(twin.grads[k], layer.grads[k])
    if kind == "dropout":
        return
    rng = np.random.default_rng(63)
    x1, x2 = rng.standard_normal(shape), rng.standard_normal(shape)
    # interleave: both cache, then both backward -- caches and grads stay separate
    layer.set_training(True)
    twin.set_training(True)
    out1, out2 = layer.forward(x1), twin.forward(x2)
    g1, g2 = rng.standard_normal(out1.shape), rng.standard_normal(out2.shape)
    dx2 = twin.backward(g2)
    grads2 = {k: v.copy() for k, v in twin.grads.items()}
    dx1 = layer.backward(g1)
    ref = factory()   # an independent layer with the same weights
    _, rdx1, rgrads1 = train_step(ref, x1, g1)
    _, rdx2, rgrads2 = train_step(ref, x2, g2)
    np.testing.assert_array_equal(dx1, rdx1)
    np.testing.assert_array_equal(dx2, rdx2)
    for k in layer.params:
        np.testing.assert_array_equal(layer.grads[k], rgrads1[k])
        np.testing.assert_array_equal(twin.grads[k], grads2[k])   # untouched by layer.backward
        np.testing.assert_array_equal(grads2[k], rgrads2[k])
    # a change to the shared weights is seen by both
    for k, v in layer.params.items():
        v += 1.0
        np.testing.assert_array_equal(twin.params[k], v)


@pytest.mark.parametrize("kind", list(LAYER_FACTORIES))
def test_config_round_trip(kind):
    layer = LAYER_FACTORIES[kind][0]()
    cfg = layer.config()
    assert json.loads(json.dumps(cfg)) == cfg
    assert LAYER_TYPES[cfg["type"]] is type(layer)
    rebuilt = type(layer).from_config(cfg)
    assert rebuilt.config() == cfg
    assert {k: v.shape for k, v in rebuilt.params.items()} == {k: v.shape for k, v in layer.params.items()}
    assert repr(layer).startswith(type(layer).__name__ + "(")

"""Named architectures. Each builds a freshly initialised :class:`Model`."""
from __future__ import annotations

import numpy as np

from .layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from .metadata import mark_preset
from .model import Model


def bench_net(rng: np.random.Generator) -> Model:
    """The benchmark network: conv(1->16, 5x5, pad 2)-ReLU-pool 2x2 - conv(16->32, 5x5)-
    ReLU-pool 2x2 - flatten - Dense(800->128)-ReLU-Dense(128->10). 117k parameters."""
    return Model([
        Conv2D(1, 16, 5, padding=2, rng=rng), ReLU(), MaxPool2D(2),   # (16, 14, 14)
        Conv2D(16, 32, 5, rng=rng), ReLU(), MaxPool2D(2),             # (32, 5, 5)
        Flatten(), Dense(800, 128, rng=rng), ReLU(), Dense(128, 10, rng=rng),
    ])


def playground_net(rng: np.random.Generator) -> Model:
    """The bundled model's stack: the benchmark net twice as wide, with dropout.
    conv(1->32, 5x5, pad 2)-ReLU-pool - conv(32->64, 5x5)-ReLU-pool - flatten -
    Dense(1600->128)-ReLU-Dropout(0.3)-Dense(128->10). 258k parameters."""
    return Model([
        Conv2D(1, 32, 5, padding=2, rng=rng), ReLU(), MaxPool2D(2),   # (32, 14, 14)
        Conv2D(32, 64, 5, rng=rng), ReLU(), MaxPool2D(2),             # (64, 5, 5)
        Flatten(), Dense(1600, 128, rng=rng), ReLU(), Dropout(0.3, seed=int(rng.integers(2**31))),
        Dense(128, 10, rng=rng),
    ])


def tiny_net(rng: np.random.Generator) -> Model:
    """A small, quick net for demos and tests: conv(1->8, 3x3, pad 1)-ReLU-pool -
    conv(8->16, 3x3, pad 1)-ReLU-pool - flatten - Dense(784->10)."""
    return Model([
        Conv2D(1, 8, 3, padding=1, rng=rng), ReLU(), MaxPool2D(2),    # (8, 14, 14)
        Conv2D(8, 16, 3, padding=1, rng=rng), ReLU(), MaxPool2D(2),   # (16, 7, 7)
        Flatten(), Dense(784, 10, rng=rng),
    ])


PRESETS = {"bench": bench_net, "playground": playground_net, "tiny": tiny_net}
#: One line each, for menus and help texts.
PRESET_NOTES = {
    "tiny": "2 small conv layers; trains in seconds",
    "bench": "the benchmark net: 2 conv + 2 dense, 117k parameters",
    "playground": "the bundled model's architecture (with dropout), 258k parameters",
}


def build(name: str, rng: np.random.Generator) -> Model:
    """Build preset ``name`` (one of :data:`PRESETS`) with weights drawn from ``rng``."""
    try:
        factory = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown architecture preset {name!r}; choose from {sorted(PRESETS)}") from None
    model = factory(rng)
    mark_preset(model.metadata, name)
    return model


def preset_of(config: dict) -> str | None:
    """The preset whose layers ``config`` (a :meth:`Model.config`) has exactly
    (names, types and settings; a dropout's seed aside), e.g. a preset
    rebuilt in the architecture editor; None for any other network."""
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list):
        return None
    for name, factory in PRESETS.items():
        if _settings(factory(np.random.default_rng(0)).config()["layers"]) == _settings(layers):
            return name
    return None


def _settings(layers: list) -> list:
    """The layers without what only seeds them (dropout's random stream)."""
    return [{k: v for k, v in layer.items() if k != "seed"} if isinstance(layer, dict) else layer
            for layer in layers]

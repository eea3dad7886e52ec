"""Inverted dropout: shape kept; identity at inference."""
from __future__ import annotations

import numpy as np

from ..limits import MAX_SEED
from .base import Layer
from .fields import FractionField, IntField


class Dropout(Layer):
    """In training zero each unit with probability ``rate`` and scale the rest
    by ``1/(1-rate)``; identity at inference. ``seed`` starts its own stream."""

    kind = "dropout"
    keeps_channels = True
    FIELDS = (FractionField("rate"), IntField("seed", 0, MAX_SEED))

    def __init__(self, rate: float = 0.5, name: str | None = None, seed: int = 0):
        super().__init__(name)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = int(seed)
        self.rng = np.random.default_rng(seed)
        self._mask = None

    def settings(self) -> dict:
        return {"rate": self.rate, "seed": self.seed}

    def explain(self, input_shape, output_shape, last):
        return ("Dropout is switched off while predicting, so this equals its input; during "
                "training it silences random units so the network cannot rely on any one.")

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

    def pure_forward(self, x):
        """The identity: explanations see the network as it predicts."""
        return x, None

    def pure_backward(self, dout, memo):
        return dout

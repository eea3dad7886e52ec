"""What defines a training run (besides the data and the initial weights)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..data.augment import AugmentConfig
from .optim import DEFAULT_LR, OptimizerConfig
from .schedules import make_schedule


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (besides the data and initial weights)."""
    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "sgd"          # "sgd" or "adam"
    lr: float = DEFAULT_LR["sgd"]
    momentum: float = 0.9           # SGD only
    weight_decay: float = 5e-4      # L2 on weights (not biases)
    schedule: str = "cosine"        # "constant", "step" or "cosine"
    warmup_steps: int = 100         # linear warm-up (cosine only)
    augment: bool = True            # random shifts/rotations/scale/shear/thickness
    augment_config: AugmentConfig = field(default_factory=AugmentConfig)
    seed: int = 0
    subset: int | None = None       # train on this many random training images (None = all)
    eval_subset: int | None = None  # evaluate on this many test images (None = all)
    workers: int | None = None      # threads (None = cores, at most 4)
    max_loss: float = 100.0         # a batch loss above this (or non-finite) means divergence;
                                    # chance level is ln(10) = 2.3

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first setting that cannot work."""
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch size must be at least 1")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a positive number, got {self.lr}")
        OptimizerConfig(self.optimizer, self.lr, self.momentum, self.weight_decay).build()
        make_schedule(self.schedule, self.lr, 1)

    def optimizer_config(self) -> OptimizerConfig:
        return OptimizerConfig(self.optimizer, self.lr, self.momentum, self.weight_decay)

    def as_record(self) -> dict:
        """JSON-able record of the settings (for a model's metadata)."""
        record = asdict(self)
        record["augment_config"] = asdict(self.augment_config)
        return record

"""What defines a training run (besides the data and the initial weights),
and the ranges each setting may take (:data:`LIMITS`, shared with the
command line's argument checks)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..data.augment import AugmentConfig
from .optim import DEFAULT_LR, OPTIMIZERS, OptimizerConfig
from .schedules import SCHEDULES, make_schedule

#: ``{setting: (lowest, highest)}``; numbers are finite, counts whole. (The
#: command line is stricter on the learning rate: at most ``MAX_CLI_LR``.)
LIMITS = {
    "epochs": (1, 10_000), "batch_size": (1, 65_536), "lr": (0.0, 1e300),
    "momentum": (0.0, 0.999), "weight_decay": (0.0, 0.999), "warmup_steps": (0, 10_000_000),
    "seed": (0, 2**32 - 1), "subset": (1, 10_000_000), "eval_subset": (1, 10_000_000),
    "workers": (1, 64), "max_loss": (0.0, 1e6),
}
MAX_CLI_LR = 100.0
_COUNTS = ("epochs", "batch_size", "warmup_steps", "seed", "subset", "eval_subset", "workers")
_OPTIONAL = ("subset", "eval_subset", "workers")


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
        for name, (lo, hi) in LIMITS.items():
            value = getattr(self, name)
            if value is None and name in _OPTIONAL:
                continue
            whole = isinstance(value, int) and not isinstance(value, bool)
            number = whole or isinstance(value, float)
            if name in _COUNTS and not whole or not number or not math.isfinite(value) \
                    or not lo <= value <= hi or name == "lr" and value == 0:
                label = {"lr": "learning rate", "max_loss": "divergence threshold"}.get(
                    name, name.replace("_", " "))
                span = f"from {lo:,} to {hi:,}" if name in _COUNTS else \
                    f"{'above' if name == 'lr' else 'from'} {lo:g} {'up ' if name == 'lr' else ''}to {hi:g}"
                kind = "a whole number" if name in _COUNTS else "a number"
                raise ValueError(f"{label} must be {kind} {span}, got {value!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r} (choose {', '.join(OPTIMIZERS)})")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r} (choose {', '.join(SCHEDULES)})")
        OptimizerConfig(self.optimizer, self.lr, self.momentum, self.weight_decay).build()
        make_schedule(self.schedule, self.lr, 1)

    def optimizer_config(self) -> OptimizerConfig:
        return OptimizerConfig(self.optimizer, self.lr, self.momentum, self.weight_decay)

    def as_record(self) -> dict:
        """JSON-able record of the settings (for a model's metadata)."""
        record = asdict(self)
        record["augment_config"] = asdict(self.augment_config)
        return record

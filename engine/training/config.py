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

_LABELS = {"lr": "learning rate", "max_loss": "divergence threshold"}


def _allowed(name: str, value, lo, hi) -> bool:
    """``value`` is a setting ``name`` may take: a whole number for a count, a
    finite number otherwise, within ``[lo, hi]`` (the learning rate above 0)."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if name in _COUNTS:
        return whole and lo <= value <= hi
    if not whole and not (isinstance(value, float) and math.isfinite(value)):
        return False
    return lo < value <= hi if name == "lr" else lo <= value <= hi


def _range_error(name: str, value, lo, hi) -> ValueError:
    label = _LABELS.get(name, name.replace("_", " "))
    if name in _COUNTS:
        wanted = f"a whole number from {lo:,} to {hi:,}"
    elif name == "lr":
        wanted = f"a number above {lo:g} up to {hi:g}"
    else:
        wanted = f"a number from {lo:g} to {hi:g}"
    return ValueError(f"{label} must be {wanted}, got {value!r}")


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
            if not (value is None and name in _OPTIONAL) and not _allowed(name, value, lo, hi):
                raise _range_error(name, value, lo, hi)
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

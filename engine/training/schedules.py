"""Learning-rate schedules: ``schedule(step) -> lr`` for step = 0, 1, ..., total-1."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    lr: float

    def __call__(self, step: int) -> float:
        return self.lr


@dataclass(frozen=True)
class StepDecay:
    """``lr * gamma ** (step // step_size)``."""
    lr: float
    step_size: int
    gamma: float = 0.1

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // max(1, self.step_size))


@dataclass(frozen=True)
class Cosine:
    """Linear warm-up over ``warmup`` steps, then cosine decay to ``lr * final_fraction``."""
    lr: float
    total_steps: int
    warmup: int = 0
    final_fraction: float = 0.0

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        span = max(1, self.total_steps - self.warmup)
        t = min(1.0, (step - self.warmup) / span)
        low = self.lr * self.final_fraction
        return low + (self.lr - low) * 0.5 * (1.0 + math.cos(math.pi * t))


SCHEDULES = ("cosine", "step", "constant")


def make_schedule(name: str, lr: float, total_steps: int, steps_per_epoch: int = 1,
                  warmup: int = 0):
    """``"constant"``, ``"step"`` (x0.1 every third of the run) or ``"cosine"``."""
    if name == "constant":
        return Constant(lr)
    if name == "step":
        return StepDecay(lr, step_size=max(1, total_steps // 3), gamma=0.1)
    if name == "cosine":
        return Cosine(lr, total_steps, warmup=warmup)
    raise ValueError(f"unknown schedule {name!r} (choose constant, step or cosine)")

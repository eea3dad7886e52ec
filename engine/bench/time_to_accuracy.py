"""Wall time to reach a test accuracy on MNIST, training from scratch.

:class:`TtaRecipe` fixes the run (network, batch, SGD settings, schedule,
how often the test set is checked) so that our engine and the PyTorch twin
(:mod:`engine.bench.torch_time_to_accuracy`) train the same recipe;
:class:`AccuracyProbe` is the stopwatch both use: it evaluates the full test
set every ``eval_every`` steps once half an epoch is done and keeps the
evaluation time out of the training time.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from ..data.dataset import Dataset
from ..data.mnist import load_mnist
from ..nn import presets
from ..training.config import TrainConfig
from ..training.evaluate import evaluate
from ..training.reports import StepReport
from ..training.schedules import make_schedule
from ..training.trainer import Trainer


@dataclass(frozen=True)
class TtaRecipe:
    """The time-to-accuracy run: ``preset`` from seeded fresh weights, SGD with
    ``momentum`` and L2 ``weight_decay`` on weights (not biases), batch
    ``batch_size``, linear warm-up over ``warmup_steps`` steps then cosine decay
    from ``lr`` to 0 over ``epochs`` epochs, no augmentation; the full test set
    (10,000 images) every ``eval_every`` steps after the first half epoch."""
    preset: str = "bench"
    batch_size: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_steps: int = 100
    epochs: int = 3
    seed: int = 0
    eval_every: int = 100

    def train_config(self) -> TrainConfig:
        """Our trainer's settings for this recipe."""
        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                           momentum=self.momentum, weight_decay=self.weight_decay,
                           schedule="cosine", warmup_steps=self.warmup_steps, augment=False,
                           seed=self.seed)

    def steps_per_epoch(self, n_train: int) -> int:
        return max(1, math.ceil(n_train / self.batch_size))

    def schedule(self, n_train: int):
        """``schedule(step) -> lr``, exactly as :class:`~engine.training.trainer.Trainer` makes it."""
        total = self.steps_per_epoch(n_train) * self.epochs
        return make_schedule("cosine", self.lr, total, warmup=min(self.warmup_steps, total // 10))

    def record(self) -> dict:
        """JSON-able settings, with the schedule in words (``epochs`` named
        ``schedule_epochs``: a run's ``epochs`` are those it took)."""
        out = asdict(self)
        out["schedule_epochs"] = out.pop("epochs")
        out["schedule"] = (f"{self.warmup_steps} warm-up steps, then cosine over "
                           f"{self.epochs} epochs")
        return out


class AccuracyProbe:
    """The stopwatch of a time-to-accuracy run: call :meth:`after_step` after
    every optimiser step; it returns True once ``evaluate()`` (test accuracy,
    0..1) reached ``target``. Evaluations run at steps that are multiples of
    ``eval_every`` once half an epoch (``steps_per_epoch / 2`` steps) is done;
    their time is kept out of :attr:`train_seconds`."""

    def __init__(self, target: float, eval_every: int, steps_per_epoch: int,
                 evaluate_fn: Callable[[], float]):
        self.target, self.eval_every, self.steps_per_epoch = target, eval_every, steps_per_epoch
        self._evaluate = evaluate_fn
        self.eval_seconds, self.train_seconds = 0.0, None
        self.accuracy: float | None = None
        self.steps = 0
        self.t0 = time.perf_counter()

    def after_step(self, step: int) -> bool:
        """``step``: optimiser steps done so far (1, 2, ...)."""
        self.steps = step
        if step % self.eval_every or step < self.steps_per_epoch / 2:
            return False
        te = time.perf_counter()
        self.accuracy = float(self._evaluate())
        now = time.perf_counter()
        self.eval_seconds += now - te
        if self.accuracy >= self.target:
            self.train_seconds = now - self.t0 - self.eval_seconds
            return True
        return False

    def result(self) -> dict:
        """What the run measured (``train_seconds`` None if the target was not reached)."""
        return {"target": self.target, "reached": self.train_seconds is not None,
                "train_seconds": self.train_seconds,
                "wall_seconds_with_evaluation": time.perf_counter() - self.t0,
                "test_accuracy": self.accuracy, "steps": self.steps,
                "epochs": self.steps / self.steps_per_epoch}


def load_data(data_dir=None) -> Dataset:
    """MNIST from ``data_dir`` (default: ``$CNN_PLAYGROUND_DATA`` or the cache; downloads if needed)."""
    return Dataset.from_mnist(load_mnist(data_dir, download=True, progress=True))


def time_to_accuracy(target: float, data_dir=None, preset: str = "bench", *,
                     recipe: TtaRecipe | None = None, data: Dataset | None = None) -> dict:
    """Train ``recipe`` (default: :class:`TtaRecipe` of ``preset``) from scratch
    with our engine until the test accuracy reaches ``target``.

    Reports the training wall time in seconds (evaluation pauses excluded),
    the total, the steps and epochs it took, and the recipe's settings.
    """
    recipe = recipe or TtaRecipe(preset=preset)
    data = data if data is not None else load_data(data_dir)
    model = presets.build(recipe.preset, np.random.default_rng(recipe.seed))
    trainer = Trainer(model, data, recipe.train_config())
    probe = AccuracyProbe(target, recipe.eval_every, trainer.steps_per_epoch,
                          lambda: evaluate(model, data.test_images, data.test_labels).accuracy)
    for report in trainer.run():
        if isinstance(report, StepReport) and probe.after_step(report.step):
            trainer.request_stop()
            break
    return probe.result() | recipe.record()

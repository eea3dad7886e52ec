"""The trainer: a plain Python generator of progress reports.

The command line prints the reports; the GUI's worker thread relays them as
Qt signals. Between steps the trainer honours :meth:`Trainer.request_stop`
and :meth:`Trainer.pause` / :meth:`Trainer.resume` (thread-safe). It is
seeded and reproducible: the same config, data and seed give the same
weights. A non-finite or exploding loss (or gradient) stops the run with a
``FinishedReport(reason="diverged")`` and restores the weights that gave the
last sane loss. (Our log-softmax loss stays finite even when training blows
up, so "exploding" is a loss above ``TrainConfig.max_loss``.)
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Iterator, Union

import numpy as np

from .augment import AugmentConfig, augment_batch
from .evaluate import EvalResult, evaluate, images_to_input
from .model import Model
from .optim import OptimizerConfig
from .parallel import DataParallel
from .runtime import blas_threads, keep_freed_memory
from .schedules import make_schedule


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run (besides the data and initial weights)."""
    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "sgd"          # "sgd" or "adam"
    lr: float = 0.05
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
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch size must be at least 1")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a positive number, got {self.lr}")
        OptimizerConfig(self.optimizer, self.lr, self.momentum, self.weight_decay).build()
        make_schedule(self.schedule, self.lr, 1)


@dataclass(frozen=True)
class StepReport:
    """After every optimisation step. ``images_per_s`` is over the last second or so."""
    step: int                 # 1-based, over the whole run
    total_steps: int
    epoch: int                # 1-based
    epoch_fraction: float     # position in the run in epochs, e.g. 2.5
    loss: float               # batch mean loss (before the update)
    accuracy: float           # batch accuracy (before the update)
    lr: float
    images_per_s: float
    elapsed_s: float


@dataclass(frozen=True)
class EpochReport:
    """At the end of each epoch: running means over the epoch's batches, and the test set."""
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    elapsed_s: float


@dataclass(frozen=True)
class FinishedReport:
    """Last report of a run. ``reason``: "completed", "stopped" or "diverged"."""
    reason: str
    message: str
    steps: int
    epochs_completed: int
    test_accuracy: float | None
    elapsed_s: float


Report = Union[StepReport, EpochReport, FinishedReport]


@dataclass
class Dataset:
    """Training and test images ``(N, 28, 28)`` uint8 with labels ``(N,)``."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    @classmethod
    def from_mnist(cls, data) -> "Dataset":
        return cls(data.train_images, data.train_labels, data.test_images, data.test_labels)


class Trainer:
    """Trains ``model`` in place on ``data`` according to ``config``.

    Use ``for report in trainer.run(): ...``. ``request_stop``, ``pause`` and
    ``resume`` may be called from another thread.
    """

    def __init__(self, model: Model, data: Dataset, config: TrainConfig = TrainConfig()):
        config.validate()
        self.model, self.data, self.config = model, data, config
        self.rng = np.random.default_rng(config.seed)
        self.optimizer = OptimizerConfig(config.optimizer, config.lr, config.momentum,
                                         config.weight_decay).build()
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.step = 0
        self.test_accuracy: float | None = None
        n_train = len(data.train_labels) if config.subset is None else min(config.subset, len(data.train_labels))
        self._train_idx = np.sort(self.rng.permutation(len(data.train_labels))[:n_train]) \
            if n_train < len(data.train_labels) else np.arange(n_train)
        self.steps_per_epoch = max(1, math.ceil(n_train / config.batch_size))
        self.total_steps = self.steps_per_epoch * config.epochs
        self.schedule = make_schedule(config.schedule, config.lr, self.total_steps,
                                      warmup=min(config.warmup_steps, self.total_steps // 10))

    # ----------------------------------------------------------- thread-safe control
    def request_stop(self) -> None:
        """Stop after the current step (also wakes a paused run)."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def wait_while_paused(self) -> None:
        """Block the calling (training) thread while paused; returns on resume or stop."""
        while not self._running.wait(0.05):
            pass

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------- running
    def run(self) -> Iterator[Report]:
        """Train, yielding a :class:`StepReport` per step, an :class:`EpochReport`
        per epoch and a final :class:`FinishedReport`."""
        keep_freed_memory()
        cfg = self.config
        images = self.data.train_images       # uint8, converted per batch (no 188 MB float copy)
        y_all = np.asarray(self.data.train_labels)[self._train_idx].astype(np.int64)
        params, grads = self.model.named_params(), self.model.named_grads()
        backup = {k: v.copy() for k, v in params.items()}
        t0 = time.perf_counter()
        rate_t, rate_n, rate = t0, 0, 0.0
        epochs_done = 0
        augment = (lambda xs, rng: augment_batch(xs, rng, cfg.augment_config)) if cfg.augment else None
        with blas_threads(1), DataParallel(self.model, cfg.workers) as parallel:
            for epoch in range(1, cfg.epochs + 1):
                order = self.rng.permutation(len(y_all))
                sum_loss = sum_correct = seen = 0.0
                for b in range(self.steps_per_epoch):
                    if not self._running.is_set():
                        paused_at = time.perf_counter()
                        self.wait_while_paused()
                        t0 += time.perf_counter() - paused_at
                        rate_t, rate_n = time.perf_counter(), 0
                    if self._stop.is_set():
                        yield self._finish("stopped", "stopped on request", epochs_done, t0)
                        return
                    idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
                    x, y = images_to_input(images[self._train_idx[idx]]), y_all[idx]
                    lr = self.schedule(self.step)
                    self.optimizer.lr = lr
                    loss, correct = parallel.loss_and_grads(x, y, augment, self.rng)
                    if not (math.isfinite(loss) and loss <= cfg.max_loss
                            and all(np.isfinite(g).all() for g in grads.values())):
                        if self.step:  # the weights that gave the last good loss
                            self.model.set_weights(backup)
                        msg = (f"training diverged at step {self.step + 1} (batch loss {loss:.4g}); "
                               f"restored the weights of step {max(self.step - 1, 0)}, the last with a "
                               f"sane loss - try a lower learning rate (it was {lr:g})")
                        yield self._finish("diverged", msg, epochs_done, t0)
                        return
                    for k, v in params.items():
                        np.copyto(backup[k], v)
                    self.optimizer.step(params, grads)
                    if not all(np.isfinite(v).all() for v in params.values()):
                        self.model.set_weights(backup)
                        yield self._finish("diverged", f"weights overflowed at step {self.step + 1}; "
                                           f"restored the previous weights - lower the learning rate "
                                           f"(it was {lr:g})", epochs_done, t0)
                        return
                    self.step += 1
                    sum_loss += loss * len(y)
                    sum_correct += correct
                    seen += len(y)
                    now = time.perf_counter()
                    rate_n += len(y)
                    if now - rate_t >= 1.0 or rate == 0.0:
                        rate, rate_t, rate_n = rate_n / max(now - rate_t, 1e-9), now, 0
                    yield StepReport(self.step, self.total_steps, epoch,
                                     epoch - 1 + (b + 1) / self.steps_per_epoch, loss,
                                     correct / len(y), lr, rate, now - t0)
                result = self.evaluate_test_set()
                self.test_accuracy = result.accuracy
                epochs_done = epoch
                yield EpochReport(epoch, cfg.epochs, sum_loss / seen, sum_correct / seen,
                                  result.loss, result.accuracy, time.perf_counter() - t0)
        yield self._finish("completed", f"trained {cfg.epochs} epochs", epochs_done, t0)

    def evaluate_test_set(self) -> EvalResult:
        """The end-of-epoch evaluation (on ``config.eval_subset`` test images).

        A hook: subclasses may evaluate differently (the GUI does it in
        interruptible chunks, calling :meth:`wait_while_paused` and checking
        :attr:`stop_requested` between them).
        """
        n = self.config.eval_subset
        images, labels = self.data.test_images, self.data.test_labels
        if n is not None:
            images, labels = images[:n], labels[:n]
        return evaluate(self.model, images, labels)

    def _finish(self, reason: str, message: str, epochs_done: int, t0: float) -> FinishedReport:
        self.model.eval()
        return FinishedReport(reason, message, self.step, epochs_done, self.test_accuracy,
                              time.perf_counter() - t0)

    def describe(self) -> dict:
        """JSON-able record of the run's settings (for the model's metadata)."""
        d = asdict(self.config)
        d["augment_config"] = asdict(self.config.augment_config)
        return d

"""The trainer: a plain Python generator of progress reports.

The command line prints the reports; the GUI's worker thread relays them as
Qt signals. Between steps (and between the chunks of the end-of-epoch
evaluation) the trainer honours :meth:`Trainer.request_stop` and
:meth:`Trainer.pause` / :meth:`Trainer.resume` (thread-safe), so a stop ends
a run within one step or one evaluation chunk. It is seeded and
reproducible: the same config, data and seed give the same weights. A
non-finite or exploding loss (or gradient) stops the run with a
``FinishedReport(reason="diverged")`` and restores the weights that gave the
last sane loss. (Our log-softmax loss stays finite even when training blows
up, so "exploding" is a loss above ``TrainConfig.max_loss``.)
"""
from __future__ import annotations

import math
import threading
import time
from typing import Iterator

import numpy as np

from ..data.dataset import Dataset, images_to_input
from ..nn.architecture import describe_architecture
from ..nn.costs import check_training_step
from ..nn.model import Model
from ..system.runtime import blas_threads, keep_freed_memory
from .config import TrainConfig
from .evaluate import EvalResult, EvaluationStopped, Evaluator
from .process_parallel import PROCESS_MIN_IMAGES, ProcessParallel
from .slice_processes import StepAbandoned
from .reports import EpochReport, FinishedReport, Report, RunPlan, StepReport
from .schedules import make_schedule
from .watchers import RunWatcher


#: where a step's slices may run (see :class:`Trainer`)
SLICES_ON = ("auto", "processes", "threads")


def keep(copies: dict[str, np.ndarray], arrays: dict[str, np.ndarray]) -> None:
    """Copy each of ``arrays`` into the same-named array of ``copies``."""
    for name, array in arrays.items():
        np.copyto(copies[name], array)


def all_finite(arrays) -> bool:
    """True when no array holds a NaN or an infinity: each array's sum of
    squares (its dot product with itself) is finite. One read-only pass per
    array without a temporary, run on every training step: the dot product
    runs at memory speed, 2-4x faster than ``np.add.reduce`` or
    ``isfinite(a).all()`` (which allocates). A finite array whose sum of
    squares overflows (values near 1e19 in float32) counts as not finite
    too, which for weights or gradients means a diverged run all the same."""
    with np.errstate(over="ignore", invalid="ignore"):
        for array in arrays:
            flat = array.reshape(-1)
            if not math.isfinite(float(np.dot(flat, flat))):
                return False
    return True


class Trainer:
    """Trains ``model`` in place on ``data`` according to ``config``.

    Use ``for report in trainer.run(): ...``. ``request_stop``, ``pause`` and
    ``resume`` may be called from another thread.

    :param evaluator: evaluates the test set at each epoch's end (default: an
        :class:`Evaluator` of ``model`` on as many threads as the training
        slices, made and closed by :meth:`run`)
    :param watchers: :class:`~engine.training.watchers.RunWatcher` objects
        called between steps; the reports they return are yielded too
    :param slices_on: where the batch's slices run (:data:`SLICES_ON`):
        ``"auto"`` (processes for runs of at least
        :data:`~engine.training.process_parallel.PROCESS_MIN_IMAGES` images,
        else threads), ``"processes"`` or ``"threads"``; every choice gives
        the same weights for a model without dropout
    """

    @staticmethod
    def check_batch(model: Model, batch_size: int) -> None:
        """Raise ``ValueError`` if one training step of ``batch_size`` images
        would need more memory than :func:`engine.nn.costs.check_training_step` allows."""
        first = next(iter(model.named_params().values()), None)
        check_training_step(describe_architecture(model.config(), serviceable=False),
                            batch_size, 4 if first is None else first.itemsize)

    def __init__(self, model: Model, data: Dataset, config: TrainConfig = TrainConfig(),
                 evaluator: Evaluator | None = None, watchers: tuple[RunWatcher, ...] = (),
                 slices_on: str = "auto"):
        config.validate()
        if slices_on not in SLICES_ON:
            raise ValueError(f"slices_on must be one of {SLICES_ON}, got {slices_on!r}")
        self.slices_on = slices_on
        #: where the slices of the last step ran: "processes" or "threads" (None before a run)
        self.slices_ran_on: str | None = None
        data.check_model(model)
        self.check_batch(model, config.batch_size)
        self.model, self.data, self.config = model, data, config
        self.rng = np.random.default_rng(config.seed)
        self.optimizer = config.optimizer_config().build()
        self._evaluator = evaluator
        self.watchers = tuple(watchers)
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.step = 0
        self.test_accuracy: float | None = None
        n_train = data.train_count(config.subset)
        self._train_idx = np.sort(self.rng.permutation(len(data.train_labels))[:n_train]) \
            if n_train < len(data.train_labels) else np.arange(n_train)
        self.steps_per_epoch = max(1, math.ceil(n_train / config.batch_size))
        self.total_steps = self.steps_per_epoch * config.epochs
        n_test = data.test_count(config.eval_subset)
        self.plan = RunPlan(self.total_steps, self.steps_per_epoch, config.epochs, n_train,
                            n_test, config.batch_size, n_test == data.test_count())
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
        per epoch and a final :class:`FinishedReport` (and, after each, what
        the watchers return)."""
        keep_freed_memory()
        cfg = self.config
        processes = self.slices_on == "processes" or (
            self.slices_on == "auto" and self.total_steps * cfg.batch_size >= PROCESS_MIN_IMAGES)
        with blas_threads(1), ProcessParallel(
                self.model, cfg.workers, batch_size=cfg.batch_size,
                augment=cfg.augment_config if cfg.augment else None,
                use_processes=processes, stop=self._stop) as parallel:
            evaluator = self._evaluator or Evaluator(self.model, parallel.workers)
            try:
                yield from self._epochs(parallel, evaluator)
            finally:
                if evaluator is not self._evaluator:
                    evaluator.close()

    def _epochs(self, parallel: ProcessParallel, evaluator: Evaluator) -> Iterator[Report]:
        cfg = self.config
        images = np.asarray(self.data.train_images)
        pixels = images.dtype == np.uint8     # handed on as they are: the slices convert them
        y_all = np.asarray(self.data.train_labels)[self._train_idx].astype(np.int64)
        params, grads = self.model.named_params(), self.model.named_grads()
        # the weights the running step started from (kept[now]) and those the
        # step before it started from (kept[1 - now]): what a divergence restores
        kept, now = [{k: v.copy() for k, v in params.items()} for _ in range(2)], 0
        clock = _RunClock()
        epochs_done = 0
        for watcher in self.watchers:
            yield from watcher.at_start(self.model, self.plan)
        for epoch in range(1, cfg.epochs + 1):
            order = self.rng.permutation(len(y_all))
            sum_loss = sum_correct = seen = 0.0

            def batch(b: int) -> tuple[np.ndarray, np.ndarray]:
                idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
                chosen = images[self._train_idx[idx]]
                return (chosen if pixels else images_to_input(chosen)), y_all[idx]

            upcoming, started = batch(0), False     # started: a step on ``upcoming`` runs
            for b in range(self.steps_per_epoch):
                if not self._running.is_set():
                    clock.pause(self.wait_while_paused)
                if self._stop.is_set():
                    parallel.discard()
                    yield self._finish("stopped", "stopped on request", epochs_done, clock)
                    return
                x, y = upcoming
                if not started:
                    parallel.submit(x, y, self.rng)
                    now = 1 - now
                    keep(kept[now], params)
                # while the slice processes work: the next batch
                upcoming = batch(b + 1) if b + 1 < self.steps_per_epoch else None
                lr = self.schedule(self.step)
                try:
                    loss, correct = parallel.collect()
                except StepAbandoned:      # a stop during a long step on processes
                    yield self._finish("stopped", "stopped on request", epochs_done, clock)
                    return
                self.slices_ran_on = parallel.mode
                sane = math.isfinite(loss) and loss <= cfg.max_loss
                if sane:   # (a non-finite update is reported below, not warned about)
                    with np.errstate(over="ignore", invalid="ignore"):
                        self.optimizer.step(params, grads, lr)
                # the next step runs while this one is checked, kept, reported and
                # watched (the gradients too: while both cores wait, only the update)
                started = (sane and upcoming is not None and self._running.is_set()
                           and not self._stop.is_set())
                if started:
                    parallel.submit(*upcoming, self.rng)
                # non-finite gradients make non-finite weights through every
                # optimiser, so the gradients are only looked at when the weights are
                updated_finite = sane and all_finite(params.values())
                if not sane or not (updated_finite or all_finite(grads.values())):
                    if started:
                        parallel.discard()
                    if self.step:  # the weights that gave the last good loss
                        self.model.set_weights(kept[1 - now])
                    else:          # (those of the update just made, if any)
                        self.model.set_weights(kept[now])
                    msg = (f"training diverged at step {self.step + 1} (batch loss {loss:.4g}); "
                           f"restored the weights of step {max(self.step - 1, 0)}, the last with a "
                           f"sane loss - try a lower learning rate (it was {lr:g})")
                    yield self._finish("diverged", msg, epochs_done, clock, max(self.step - 1, 0))
                    return
                if not updated_finite:
                    parallel.discard()        # (it ran on these weights)
                    self.model.set_weights(kept[now])
                    yield self._finish("diverged", f"weights overflowed at step {self.step + 1}; "
                                       f"restored the previous weights - lower the learning rate "
                                       f"(it was {lr:g})", epochs_done, clock)
                    return
                if started:
                    now = 1 - now
                    keep(kept[now], params)
                self.step += 1
                sum_loss += loss * len(y)
                sum_correct += correct
                seen += len(y)
                elapsed, rate = clock.count(len(y))
                eta = elapsed / self.step * (self.total_steps - self.step)
                report = StepReport(self.step, self.total_steps, epoch,
                                    epoch - 1 + (b + 1) / self.steps_per_epoch, loss,
                                    correct / len(y), lr, rate, elapsed, eta)
                yield report
                for watcher in self.watchers:
                    yield from watcher.after_step(self.model, report)
            try:
                result = self._evaluate(evaluator)
            except EvaluationStopped:
                yield self._finish("stopped", "stopped on request (during the test-set evaluation)",
                                   epochs_done, clock)
                return
            self.test_accuracy = result.accuracy
            epochs_done = epoch
            report = EpochReport(epoch, cfg.epochs, sum_loss / seen, sum_correct / seen,
                                 result.loss, result.accuracy, clock.elapsed(), result)
            yield report
            for watcher in self.watchers:
                yield from watcher.after_epoch(self.model, report)
        yield self._finish("completed", f"trained {cfg.epochs} epoch{'s' * (cfg.epochs != 1)}", epochs_done, clock)

    def _evaluate(self, evaluator: Evaluator) -> EvalResult:
        """The end-of-epoch evaluation on ``config.eval_subset`` test images,
        interruptible between chunks by pause and stop."""
        images, labels = self.data.test_split(self.config.eval_subset)
        return evaluator.run(images, labels, self._checkpoint)

    def _checkpoint(self) -> None:
        self.wait_while_paused()
        if self._stop.is_set():
            raise EvaluationStopped

    def _finish(self, reason: str, message: str, epochs_done: int, clock: "_RunClock",
                weights_step: int | None = None) -> FinishedReport:
        """``weights_step``: the step whose weights the model holds now (default:
        the last one done; a divergence may have restored an earlier one)."""
        self.model.eval()
        return FinishedReport(reason, message, self.step, epochs_done, self.test_accuracy,
                              clock.elapsed(), self.step if weights_step is None else weights_step)


class _RunClock:
    """Training time (pauses excluded) and the recent image rate."""

    def __init__(self):
        self.t0 = self.rate_t = time.perf_counter()
        self.rate_n, self.rate = 0, 0.0

    def pause(self, wait) -> None:
        """Call ``wait()`` (blocks while paused) without counting its time."""
        paused_at = time.perf_counter()
        wait()
        now = time.perf_counter()
        self.t0 += now - paused_at
        self.rate_t, self.rate_n = now, 0

    def count(self, images: int) -> tuple[float, float]:
        """``(elapsed s, images/s over the last second or so)`` after ``images`` more."""
        now = time.perf_counter()
        self.rate_n += images
        if now - self.rate_t >= 1.0 or self.rate == 0.0:
            self.rate, self.rate_t, self.rate_n = self.rate_n / max(now - self.rate_t, 1e-9), now, 0
        return now - self.t0, self.rate

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

"""Measuring personalisation honestly: no model is ever scored on a sample it
was fine-tuned on.

:func:`measure_personalisation` splits a person's samples into ``folds``
stratified folds (each digit's samples spread evenly, seeded). For each of the
first ``rounds`` folds it fine-tunes the model on the other folds and scores
the held-out fold; "before" is the untouched model on the same held-out
samples. With ``rounds == folds`` every sample is held out exactly once
(cross-validation: ``folds`` fine-tunes); the default (``rounds=1``) holds
out one fifth once, which costs one fine-tune. MNIST test accuracy before and
after (the "after" of the model fine-tuned on *all* samples, the one the user
keeps) is measured on a fixed random subset of ``mnist_count`` test images
(default 2000: one image is 0.05 points; the order is that of
``numpy.random.default_rng(0).permutation(10000)``).

:func:`measure_on_writer` does the same for a synthetic writer
(:mod:`engine.data.writer_styles`): fine-tune on ``train_per_digit`` samples of
each digit, score ``test_per_digit`` *other* samples of the same writer.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..data.dataset import images_to_input
from ..nn.model import Model
from .fine_tune import FineTuneConfig, check_samples, fine_tune

__all__ = ["PersonalReport", "measure_personalisation", "measure_on_writer", "stratified_folds",
           "load_mnist_test", "MNIST_COUNT"]

MNIST_COUNT = 2000
Progress = Callable[[int, int], object]


@dataclass(frozen=True)
class PersonalReport:
    """Before/after numbers of a personalisation, for the GUI.

    :ivar held_out_before: accuracy (0-1) of the original model on the held-out samples
    :ivar held_out_after: accuracy of models fine-tuned without those samples
    :ivar held_out_count: held-out samples scored
    :ivar mnist_before: original model's accuracy on the MNIST test subset (None: no MNIST)
    :ivar mnist_after: the final model's accuracy on it (None: no MNIST, or no final model)
    :ivar mnist_count: MNIST test images scored (0: none)
    :ivar samples: personal samples in all; ``counts``: per digit ``(10,)``
    :ivar fine_tunes: fine-tuning runs made (held-out rounds + the final one)
    :ivar seconds: wall time of the whole measurement
    :ivar model: the model fine-tuned on all the samples (None unless asked for)
    """
    held_out_before: float
    held_out_after: float
    held_out_count: int
    mnist_before: float | None
    mnist_after: float | None
    mnist_count: int
    samples: int
    counts: tuple[int, ...]
    fine_tunes: int
    seconds: float
    model: Model | None = None

    def summary(self) -> dict:
        """The numbers as a JSON-able dict (percentages rounded to 0.01)."""
        def pct(v):
            return None if v is None else round(100 * v, 2)
        return {"held_out_before_pct": pct(self.held_out_before),
                "held_out_after_pct": pct(self.held_out_after),
                "held_out_count": self.held_out_count, "mnist_before_pct": pct(self.mnist_before),
                "mnist_after_pct": pct(self.mnist_after), "mnist_count": self.mnist_count,
                "samples": self.samples, "counts": list(self.counts),
                "fine_tunes": self.fine_tunes, "seconds": round(self.seconds, 2)}


def stratified_folds(labels: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """``(N,)`` fold number 0..folds-1 of each sample: per label, a random
    order dealt round-robin from a random starting fold (sizes differ by at most one)."""
    labels = np.asarray(labels)
    rng = np.random.default_rng([int(seed), 7])
    out = np.zeros(len(labels), np.int64)
    start = 0
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        out[idx] = (start + np.arange(len(idx))) % folds
        start = (start + len(idx)) % folds
    return out


def load_mnist_test(count: int = MNIST_COUNT, data_dir=None) -> tuple[np.ndarray, np.ndarray] | None:
    """``(images (count, 1, 28, 28) float32, labels (count,))``: the fixed random
    subset of the MNIST test set (see the module docstring), or None when the
    files are not in the usual place."""
    from ..data.idx import load_split
    from ..data.mnist import MnistNotFoundError, resolve_data_dir
    try:
        images, labels = load_split(resolve_data_dir(data_dir), "test")
    except MnistNotFoundError:
        return None
    pick = np.random.default_rng(0).permutation(len(labels))[:int(count)]
    return images_to_input(images[pick]), labels[pick].astype(np.int64)


def _accuracy(model: Model, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(model.predict(x) == y)) if len(y) else float("nan")


class _StepCounter:
    """Turns each fine-tune's ``progress(done, total)`` into the overall count."""

    def __init__(self, progress: Progress | None, per_run: int, runs: int):
        self.progress, self.per_run, self.total, self.offset = progress, per_run, per_run * runs, 0

    def run_progress(self) -> Progress | None:
        if self.progress is None:
            return None
        offset = self.offset
        self.offset += self.per_run
        return lambda done, _total: self.progress(offset + done, self.total)


def measure_personalisation(model: Model, images, labels, *, folds: int = 5, rounds: int = 1,
                            replay=None, mnist_test="default", seed: int = 0,
                            config: FineTuneConfig | None = None, keep_model: bool = True,
                            progress: Progress | None = None) -> PersonalReport:
    """Held-out and MNIST accuracy before and after fine-tuning (see the module docstring).

    :param images: ``(N, 1, 28, 28)`` float32 in [0, 1]; ``labels``: ``(N,)``, N >= 2
    :param folds: folds of the held-out split (at most N); ``rounds``: how many
        of them are held out in turn (1 to ``folds``)
    :param replay: as for :func:`~engine.personal.fine_tune.fine_tune`
    :param mnist_test: ``(images (M, 1, 28, 28) float32, labels (M,))``,
        ``"default"`` (:func:`load_mnist_test`) or None (no MNIST numbers)
    :param keep_model: also fine-tune on all samples (the model the user
        keeps, in ``report.model``; MNIST "after" is measured on it)
    :param progress: ``progress(done, total)`` over all fine-tuning steps;
        raise from it to stop
    """
    t0 = time.perf_counter()
    config = config or FineTuneConfig()
    x, y = check_samples(model, images, labels)
    if len(y) < 2:
        raise ValueError("measuring needs at least 2 samples (one to hold out)")
    folds = int(min(max(2, folds), len(y)))
    rounds = int(min(max(1, rounds), folds))
    fold_of = stratified_folds(y, folds, seed)
    counter = _StepCounter(progress, config.steps, rounds + int(keep_model))
    before = after = scored = 0
    for k in range(rounds):
        test, train = fold_of == k, fold_of != k
        tuned = fine_tune(model, x[train], y[train], replay=replay, seed=seed + k, config=config,
                          progress=counter.run_progress())
        before += int(np.sum(model.predict(x[test]) == y[test]))
        after += int(np.sum(tuned.predict(x[test]) == y[test]))
        scored += int(test.sum())
    final = fine_tune(model, x, y, replay=replay, seed=seed, config=config,
                      progress=counter.run_progress()) if keep_model else None
    if isinstance(mnist_test, str):
        mnist_test = load_mnist_test()
    mnist_before = mnist_after = None
    if mnist_test is not None:
        mx, my = mnist_test
        mnist_before = _accuracy(model, mx, my)
        mnist_after = _accuracy(final, mx, my) if final is not None else None
    return PersonalReport(before / scored, after / scored, scored, mnist_before, mnist_after,
                          0 if mnist_test is None else len(mnist_test[1]), len(y),
                          tuple(np.bincount(y, minlength=10)[:10].tolist()),
                          rounds + int(keep_model), time.perf_counter() - t0, final)


def measure_on_writer(model: Model, writer, *, train_per_digit: int = 5, test_per_digit: int = 10,
                      replay=None, mnist_test="default", seed: int = 0,
                      config: FineTuneConfig | None = None,
                      progress: Progress | None = None) -> PersonalReport:
    """Fine-tune on ``train_per_digit`` samples of each digit by ``writer`` (a
    :class:`engine.data.writer_styles.Writer`) and score ``test_per_digit``
    other samples of each digit by the same writer; MNIST as
    :func:`measure_personalisation`. ``report.model`` is the fine-tuned model."""
    t0 = time.perf_counter()
    own = writer.samples(train_per_digit, seed=2 * seed)
    held = writer.samples(test_per_digit, seed=2 * seed + 1)
    tuned = fine_tune(model, own.images, own.labels, replay=replay, seed=seed, config=config,
                      progress=progress)
    if isinstance(mnist_test, str):
        mnist_test = load_mnist_test()
    mnist = (None, None) if mnist_test is None else \
        (_accuracy(model, *mnist_test), _accuracy(tuned, *mnist_test))
    return PersonalReport(_accuracy(model, held.images, held.labels),
                          _accuracy(tuned, held.images, held.labels), len(held.labels), *mnist,
                          0 if mnist_test is None else len(mnist_test[1]), len(own.labels),
                          tuple(np.bincount(own.labels, minlength=10)[:10].tolist()), 1,
                          time.perf_counter() - t0, tuned)

"""Evaluation of a model on a labelled set: accuracy, loss, per-class
accuracy, confusion matrix and the per-image probabilities behind them.

:class:`Evaluator` runs the model over the images in chunks, on one or more
threads (replicas sharing the weights), and calls an optional ``checkpoint()``
between chunks. The checkpoint may block (a paused run) or raise
:class:`EvaluationStopped` to abandon the evaluation, so a stop request ends
a 10,000-image evaluation within one chunk (~25 ms) instead of seconds::

    with Evaluator(model, threads=2) as evaluator:
        result = evaluator.run(images, labels, checkpoint=check_stop)
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..data.dataset import images_to_input
from ..nn.model import Model

#: Target duration of one round of chunks when a checkpoint is given (s).
CHUNK_SECONDS = 0.025
#: Chunk size without a checkpoint (images per thread and round).
BATCH = 500


class EvaluationStopped(Exception):
    """Raised by a checkpoint to abandon an evaluation."""


class NonFiniteOutputError(ValueError):
    """The model's outputs are NaN or infinite for some images (weights that
    overflow): no accuracy, loss or confusion matrix can be given."""


@dataclass(frozen=True)
class EvalResult:
    """:ivar probabilities: ``(N, classes)`` float32; :ivar confusion:
    ``(classes, classes)`` int64, rows = true label, columns = prediction;
    :ivar per_class_accuracy: ``(classes,)`` fractions, NaN for a class with no
    image (a model with more classes than the labels use)."""
    accuracy: float
    loss: float
    per_class_accuracy: np.ndarray
    confusion: np.ndarray
    probabilities: np.ndarray
    labels: np.ndarray

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def indices(self, true_label: int, predicted: int) -> np.ndarray:
        """Indices of the images with this true label and this prediction,
        most confident (in the prediction) first."""
        idx = np.flatnonzero((self.labels == true_label) & (self.predictions == predicted))
        return idx[np.argsort(-self.probabilities[idx, predicted], kind="stable")]

    def worst_mistakes(self, count: int = 32) -> np.ndarray:
        """Indices of the wrong predictions with the highest confidence."""
        wrong = np.flatnonzero(self.predictions != self.labels)
        conf = self.probabilities[wrong].max(axis=1)
        return wrong[np.argsort(-conf, kind="stable")[:count]]

    def summary(self) -> dict:
        """JSON-able summary."""
        return {"accuracy": self.accuracy, "loss": self.loss, "count": int(len(self.labels)),
                "per_class_accuracy": [round(float(a), 6) if np.isfinite(a) else None
                                       for a in self.per_class_accuracy],
                "confusion": self.confusion.tolist()}


class Evaluator:
    """Evaluates ``model`` on ``(N, 28, 28)`` uint8 (or ``(N, 1, 28, 28)`` float)
    images in chunks on ``threads`` threads, calling ``checkpoint()`` between
    chunks. With a checkpoint, chunk sizes adapt so one round takes about
    :data:`CHUNK_SECONDS`. The helper threads and the weight-sharing replicas
    are made once and reused by every :meth:`run` until :meth:`close`.
    Hold BLAS to one thread around it when ``threads > 1``
    (:func:`engine.system.runtime.blas_threads`).
    """

    def __init__(self, model: Model, threads: int = 1):
        self.model = model
        self.threads = max(1, int(threads))
        self._models = [model] + [model.shared_replica() for _ in range(self.threads - 1)]
        self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="engine-eval") \
            if self.threads > 1 else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> "Evaluator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, images: np.ndarray, labels: np.ndarray,
            checkpoint: Callable[[], None] | None = None) -> "EvalResult":
        """Evaluate; ``checkpoint`` may raise :class:`EvaluationStopped`."""
        labels = np.asarray(labels).astype(np.int64)
        n = len(labels)
        k = self.model.num_classes
        if n and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(f"the model has {k} classes, but the labels go from "
                             f"{labels.min()} to {labels.max()}")
        probs = np.zeros((n, k), np.float32)
        models = self._models if self._pool is not None else self._models[:1]
        chunk, i = (32 if checkpoint is not None else BATCH), 0
        while i < n:
            if checkpoint is not None:
                checkpoint()
            t = time.perf_counter()
            spans = []
            for _ in models:
                if i >= n:
                    break
                spans.append((i, min(n, i + chunk)))
                i = spans[-1][1]
            futures = [self._pool.submit(_predict, m, images, s)
                       for m, s in zip(models[1:], spans[1:])]
            try:
                probs[spans[0][0]:spans[0][1]] = _predict(models[0], images, spans[0])
            finally:  # never leave a chunk running on the shared weights
                for f, s in zip(futures, spans[1:]):
                    probs[s[0]:s[1]] = f.result()
            if checkpoint is not None:  # aim at CHUNK_SECONDS a round; grow at most 2x a round
                dt = time.perf_counter() - t
                chunk = int(min(1000, 2 * chunk, max(16, chunk * CHUNK_SECONDS / max(dt, 1e-4))))
        return result_from_probabilities(probs, labels)


def _predict(model: Model, images: np.ndarray, span: tuple[int, int]) -> np.ndarray:
    return model.predict_proba(images_to_input(images[span[0]:span[1]]))


def evaluate(model: Model, images: np.ndarray, labels: np.ndarray, *, threads: int = 1,
             checkpoint: Callable[[], None] | None = None) -> "EvalResult":
    """Run ``model`` over ``images`` ((N, 28, 28) uint8 or (N, 1, 28, 28) float);
    see :class:`Evaluator`."""
    if not len(labels):
        return result_from_probabilities(np.zeros((0, model.num_classes), np.float32), labels)
    with Evaluator(model, threads) as evaluator:
        return evaluator.run(images, labels, checkpoint)


def result_from_probabilities(probs: np.ndarray, labels: np.ndarray) -> EvalResult:
    """An :class:`EvalResult` from precomputed ``probs (N, K)`` and ``labels (N,)``
    (for callers that run the model themselves, e.g. in interruptible chunks)."""
    bad = int(np.count_nonzero(~np.isfinite(probs).all(axis=1))) if probs.size else 0
    if bad:
        raise NonFiniteOutputError(f"the model's outputs are not finite numbers for {bad:,} of "
                                   f"{len(probs):,} images (its weights overflow): an accuracy "
                                   f"would mean nothing")
    labels = np.asarray(labels).astype(np.int64)
    k = probs.shape[1]
    pred = probs.argmax(axis=1)
    confusion = np.bincount(labels * k + pred, minlength=k * k).reshape(k, k)
    counts = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):    # no image of a class: NaN
        per_class = np.where(counts > 0, np.diag(confusion) / np.maximum(counts, 1), np.nan)
    picked = probs[np.arange(len(labels)), labels]
    loss = float(-np.log(np.maximum(picked, 1e-12)).mean()) if len(labels) else float("nan")
    acc = float((pred == labels).mean()) if len(labels) else float("nan")
    return EvalResult(acc, loss, per_class, confusion, probs.astype(np.float32), labels)

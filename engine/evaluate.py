"""Evaluation of a model on a labelled set: accuracy, loss, per-class
accuracy, confusion matrix and the per-image probabilities behind them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Model


def images_to_input(images: np.ndarray) -> np.ndarray:
    """``(N, 28, 28)`` uint8 0..255 -> ``(N, 1, 28, 28)`` float32 in [0, 1]."""
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[:, None]
    if x.dtype == np.uint8:
        return x.astype(np.float32) * np.float32(1 / 255)
    return x.astype(np.float32, copy=False)


@dataclass(frozen=True)
class EvalResult:
    """:ivar probabilities: ``(N, classes)`` float32; :ivar confusion:
    ``(classes, classes)`` int64, rows = true label, columns = prediction."""
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
                "per_class_accuracy": [round(float(a), 6) for a in self.per_class_accuracy],
                "confusion": self.confusion.tolist()}


def evaluate(model: Model, images: np.ndarray, labels: np.ndarray, batch_size: int = 500) -> EvalResult:
    """Run ``model`` over ``images`` ((N, 28, 28) uint8 or (N, 1, 28, 28) float) in batches."""
    labels = np.asarray(labels).astype(np.int64)
    probs = np.concatenate([model.predict_proba(images_to_input(images[i:i + batch_size]))
                            for i in range(0, len(labels), batch_size)]) \
        if len(labels) else np.zeros((0, model.num_classes), np.float32)
    return result_from_probabilities(probs, labels)


def result_from_probabilities(probs: np.ndarray, labels: np.ndarray) -> EvalResult:
    """An :class:`EvalResult` from precomputed ``probs (N, K)`` and ``labels (N,)``
    (for callers that run the model themselves, e.g. in interruptible chunks)."""
    labels = np.asarray(labels).astype(np.int64)
    k = probs.shape[1]
    pred = probs.argmax(axis=1)
    confusion = np.bincount(labels * k + pred, minlength=k * k).reshape(k, k)
    per_class = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
    picked = probs[np.arange(len(labels)), labels]
    loss = float(-np.log(np.maximum(picked, 1e-12)).mean()) if len(labels) else float("nan")
    acc = float((pred == labels).mean()) if len(labels) else float("nan")
    return EvalResult(acc, loss, per_class, confusion, probs.astype(np.float32), labels)

"""Fine-tuning on the person's samples off the GUI thread.

:class:`FineTuner` runs :func:`engine.personal.measure_personalisation` (one
held-out round plus the final fine-tune on every sample, so the before/after
numbers never score a model on samples it was trained on) in a
:class:`~gui.workers.call_job.CallJob`. The engine's progress callback
emits ``sigProgress`` (queued to the GUI thread) and calls the job's
checkpoint, so Stop (:meth:`FineTuner.stop`) ends it at the next step. BLAS
is held to one thread by the engine while it trains
(:func:`engine.system.runtime.blas_threads`), so the GUI thread keeps a core.

MNIST training images are replayed so the model does not forget them: the
window's loaded dataset when there is one, else the engine reads them from
the usual data location; when there are none the job ends with
``sigMissing(message)`` (:class:`engine.personal.ReplayMissingError`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import Model
from engine.personal import FineTuneConfig, PersonalReport, ReplayMissingError, measure_personalisation

from ..workers.call_job import CallJob


@dataclass(frozen=True, eq=False)
class FineTuneRequest:
    """What to fine-tune: ``model`` on ``images (N, 1, 28, 28)`` float32 with
    ``labels (N,)``; ``replay`` (MNIST ``(images, labels)``) or None (the
    engine loads it); ``config`` None: the engine's defaults; ``folds``: one
    in ``folds`` samples is held out for the before/after numbers."""

    model: Model
    images: np.ndarray
    labels: np.ndarray
    replay: tuple[np.ndarray, np.ndarray] | None = None
    config: FineTuneConfig | None = None
    folds: int = 5
    mnist_test: object = "default"


@dataclass(frozen=True)
class Missing:
    """The job's result when there is no MNIST to replay."""
    message: str


def run_request(request: FineTuneRequest, checkpoint, report) -> PersonalReport | Missing:
    """Worker thread: the measurement (see the module docstring); the tuned
    model's recorded test accuracy is dropped (it was the base model's)."""
    def progress(done: int, total: int) -> None:
        checkpoint()                  # raises once stopped
        report(done, total)
    try:
        result = measure_personalisation(request.model, request.images, request.labels,
                                         folds=request.folds, replay=request.replay,
                                         mnist_test=request.mnist_test, config=request.config,
                                         progress=progress)
    except ReplayMissingError as exc:
        return Missing(str(exc))
    return result


class FineTuner(QObject):
    """One fine-tune at a time (see the module docstring).

    Signals (GUI thread): ``sigProgress(done, total)`` steps;
    ``sigFinished(PersonalReport)``; ``sigMissing(message)`` (no MNIST);
    ``sigFailed(message)``; ``sigEnded(stopped)`` once the thread is done
    (``stopped``: Stop was pressed, no result)."""

    sigProgress = Signal(int, int)
    sigFinished = Signal(object)
    sigMissing = Signal(str)
    sigFailed = Signal(str)
    sigEnded = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._job: CallJob | None = None

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self, request: FineTuneRequest) -> bool:
        """Start fine-tuning; False if one is running already."""
        if self._job is not None:
            return False
        job = CallJob(lambda checkpoint: run_request(request, checkpoint, self._report),
                      "fine-tune")
        job.sigFinished.connect(self._finished)
        job.sigFailed.connect(self.sigFailed)
        job.sigDone.connect(self._done)
        self._job = job
        job.start()
        return True

    def stop(self) -> None:
        """Stop at the next training step (no result)."""
        if self._job is not None:
            self._job.cancel()

    def wait(self, timeout_ms: int = 5000) -> bool:
        return True if self._job is None else self._job.wait(timeout_ms)

    def _report(self, done: int, total: int) -> None:     # worker thread: queued signal
        self.sigProgress.emit(done, total)

    def _finished(self, result) -> None:
        if isinstance(result, Missing):
            self.sigMissing.emit(result.message)
        else:
            self.sigFinished.emit(result)

    def _done(self) -> None:
        job, self._job = self._job, None
        self.sigEnded.emit(job is not None and job.cancelled)

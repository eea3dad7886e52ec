"""One call off the GUI thread, cancellable between its steps::

    job = CallJob(lambda checkpoint: evaluate(model, images, labels, checkpoint=checkpoint),
                  name="evaluation")
    job.sigFinished.connect(view.show_result)     # a method of a GUI-thread QObject
    job.start()
    ...
    job.cancel()        # the function's next checkpoint() raises; no sigFinished

``fn(checkpoint)`` runs in a :class:`~gui.workers.worker_thread.WorkerThread`;
it calls ``checkpoint()`` between steps, which raises
:class:`engine.training.evaluate.EvaluationStopped` once :meth:`CallJob.cancel`
was called (a function without steps simply ignores it; its result is then
dropped). A job keeps itself alive until its thread has ended, so dropping
the last reference to a running job never destroys a running ``QThread``.
"""
from __future__ import annotations

import threading
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot

from engine.training.evaluate import EvaluationStopped

from .worker_thread import WorkerThread


class _CallWorker(QObject):
    sigFinished = Signal(object)
    sigFailed = Signal(str)
    sigDone = Signal()

    def __init__(self, fn: Callable[[Callable[[], None]], object], cancelled: threading.Event):
        super().__init__()
        self.fn, self.cancelled = fn, cancelled

    def checkpoint(self) -> None:
        if self.cancelled.is_set():
            raise EvaluationStopped

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(self.checkpoint)
            if not self.cancelled.is_set():
                self.sigFinished.emit(result)
        except EvaluationStopped:
            pass
        except Exception as exc:  # reported, never raised in the thread
            if not self.cancelled.is_set():
                self.sigFailed.emit(str(exc) or type(exc).__name__)
        finally:
            self.sigDone.emit()


class CallJob(QObject):
    """Runs ``fn(checkpoint)`` on its own thread.

    Signals (GUI thread): ``sigFinished(result)`` or ``sigFailed(message)``
    (neither after :meth:`cancel`), then ``sigDone()`` once the thread ended.
    """

    sigFinished = Signal(object)
    sigFailed = Signal(str)
    sigDone = Signal()

    _alive: set["CallJob"] = set()   # running jobs keep themselves referenced

    def __init__(self, fn: Callable[[Callable[[], None]], object], name: str = "job"):
        super().__init__()
        self._cancelled = threading.Event()
        self._worker = _CallWorker(fn, self._cancelled)
        self._thread = WorkerThread(self._worker, name)
        self._worker.sigFinished.connect(self._finished)
        self._worker.sigFailed.connect(self._failed)
        self._thread.sigDone.connect(self._done)

    def start(self) -> None:
        CallJob._alive.add(self)
        self._thread.start()

    def cancel(self) -> None:
        """Abandon the call at its next checkpoint; its result is dropped."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def running(self) -> bool:
        return self._thread.running

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread ended; ``timeout_ms < 0`` waits forever."""
        return self._thread.wait(timeout_ms)

    def _finished(self, result) -> None:
        if not self._cancelled.is_set():
            self.sigFinished.emit(result)

    def _failed(self, message: str) -> None:
        if not self._cancelled.is_set():
            self.sigFailed.emit(message)

    def _done(self) -> None:
        CallJob._alive.discard(self)
        self.sigDone.emit()

    @classmethod
    def wait_all(cls, timeout_ms: int = 3000) -> bool:
        """Cancel every running job and wait for their threads (before quitting)."""
        ok = True
        for job in list(cls._alive):
            job.cancel()
            ok &= job.wait(timeout_ms)
        return ok

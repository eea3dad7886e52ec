"""Morphs off the GUI thread, latest wins: at most one
:class:`~gui.workers.call_job.CallJob` runs; a newer request cancels it and
waits in a single slot (replacing an older waiting one), starting once the
running job's thread has ended. Results of requests that were superseded or
cancelled are dropped, so nothing ever queues up and nothing stale is shown::

    jobs = LatestJob("morph")
    jobs.sigFinished.connect(owner.morph_done)        # (tag, result)
    jobs.request(lambda checkpoint, report: morph(model, x, 7, progress=...), tag=7)
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal

from ..workers.call_job import CallJob

#: ``fn(checkpoint, report)``: ``checkpoint()`` raises once cancelled,
#: ``report(step, steps)`` emits ``sigProgress``; both are called in the worker thread.
JobFunction = Callable[[Callable[[], None], Callable[[int, int], None]], object]


class LatestJob(QObject):
    """Runs the newest requested function on a worker thread, one at a time.

    Signals (``sigFinished``/``sigFailed`` in the GUI thread; ``sigProgress``
    is emitted from the worker thread, so connect it only to methods of
    GUI-thread QObjects, which Qt then calls in the GUI thread):

    * ``sigStarted(tag)`` - a job started;
    * ``sigProgress(tag, step, steps)`` - reported by the running job;
    * ``sigFinished(tag, result)`` - the newest request's result;
    * ``sigFailed(tag, message)`` - the newest request raised.

    ``started``: how many jobs were started so far; ``most_at_once``: the most
    threads of this object that ever ran at the same time (for tests).
    """

    sigStarted = Signal(object)
    sigProgress = Signal(object, int, int)
    sigFinished = Signal(object, object)
    sigFailed = Signal(object, str)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self._name = name
        self._job: CallJob | None = None
        self._job_tag: tuple[int, object] = (-1, None)   # (serial, tag) of the running job
        self._waiting: tuple[int, JobFunction, object] | None = None
        self._serial = 0              # of the newest request
        self._running = 0             # threads started and not yet ended
        self.started = 0
        self.most_at_once = 0

    @property
    def busy(self) -> bool:
        """True while a job runs or a request waits."""
        return self._job is not None or self._waiting is not None

    def request(self, fn: JobFunction, tag: object = None) -> None:
        """Run ``fn`` as soon as no job runs; a running job is cancelled (its
        result dropped), a request still waiting is replaced."""
        self._serial += 1
        self._waiting = (self._serial, fn, tag)
        if self._job is not None:
            self._job.cancel()
        else:
            self._start_waiting()

    def cancel(self) -> None:
        """Drop the waiting request and cancel the running job (no result)."""
        self._serial += 1
        self._waiting = None
        if self._job is not None:
            self._job.cancel()

    def wait(self, timeout_ms: int = 3000) -> bool:
        """Block until the running job's thread has ended (tests, shutdown)."""
        return True if self._job is None else self._job.wait(timeout_ms)

    # -------------------------------------------------------------- private
    def _start_waiting(self) -> None:
        if self._waiting is None:
            return
        serial, fn, tag = self._waiting
        self._waiting = None

        emit = self.sigProgress.emit

        def report(step: int, steps: int) -> None:   # worker thread: a queued signal
            try:
                emit(tag, int(step), int(steps))
            except RuntimeError:                      # the owner is gone (window closed)
                pass

        job = CallJob(lambda checkpoint: fn(checkpoint, report), name=self._name)
        # slots of this object: Qt disconnects them when it is destroyed
        job.sigFinished.connect(self._job_finished)
        job.sigFailed.connect(self._job_failed)
        job.sigDone.connect(self._done)
        self.destroyed.connect(job.cancel)
        self._job, self._job_tag = job, (serial, tag)
        self.started += 1
        self._running += 1
        self.most_at_once = max(self.most_at_once, self._running)
        self.sigStarted.emit(tag)
        job.start()

    def _job_finished(self, result: object) -> None:
        serial, tag = self._job_tag
        if serial == self._serial:
            self.sigFinished.emit(tag, result)

    def _job_failed(self, message: str) -> None:
        serial, tag = self._job_tag
        if serial == self._serial:
            self.sigFailed.emit(tag, message)

    def _done(self) -> None:
        self._running -= 1
        self._job = None
        self._start_waiting()

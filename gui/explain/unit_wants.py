"""What a unit "wants" (:func:`engine.explain.visualize_unit`), computed off
the GUI thread and cached per model.

* One :class:`~gui.workers.call_job.CallJob` at a time, and the latest request
  wins: a new request cancels the running job (at its next step) and waits in
  a single slot, replacing an older waiting one; it starts when the running
  job is done. Results of requests that are no longer the latest are cached
  but not announced.
* Cached per model object (weakly: a closed model's pictures go with it) and
  per weights version: :meth:`UnitWants.invalidate` (the weights changed in
  place, e.g. a training step) drops the model's pictures, and a job that was
  running on the old weights is not cached.
* Progress: the engine's ``progress(step, steps)`` callback, relayed to the
  GUI thread by a queued signal every few steps.

A few layers have no meaningful picture (:func:`no_wants_reason`): a flatten
only re-arranges the previous layer's values, a dropout passes them on
unchanged while predicting.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from engine import Model
from engine.explain import visualize_unit
from engine.nn.layers import Dropout, Flatten

from ..workers.call_job import CallJob

STEPS = 128            # ascent steps (~0.1-0.2 s for the bundled model on one core)
PROGRESS_EVERY = 8     # relay the progress every this many steps


def no_wants_reason(model: Model, layer: str) -> str | None:
    """Why layer ``layer`` of ``model`` has no picture of its own (plain text),
    or None when it has one."""
    names = [lay.name for lay in model.layers]
    if layer not in names:
        return "This layer is not in the model."
    i = names.index(layer)
    before = names[i - 1] if i > 0 else "the input"
    if isinstance(model.layers[i], Flatten):
        return (f"{layer} only lists {before}'s values in a row. Click a {before} map "
                f"instead.")
    if isinstance(model.layers[i], Dropout):
        return (f"{layer} passes {before}'s values on unchanged when predicting. Click "
                f"{before} instead.")
    return None


@dataclass(frozen=True)
class _Request:
    model: Model
    version: int
    layer: str
    index: int

    def key(self) -> tuple[str, int]:
        return self.layer, self.index


class UnitWants(QObject):
    """Cached, latest-wins computation of :func:`engine.explain.visualize_unit`.

    Signals (GUI thread): ``sigStarted(layer, index)`` when a job starts;
    ``sigProgress(layer, index, step, steps)``; ``sigReady(layer, index,
    image)`` with ``image`` ``(H, W)`` float32 in [0, 1] for the latest request
    (at once when cached); ``sigFailed(layer, index, message)``.
    ``jobs_started`` counts the jobs run (a cached answer runs none).
    """

    sigStarted = Signal(str, int)
    sigProgress = Signal(str, int, int, int)
    sigReady = Signal(str, int, object)
    sigFailed = Signal(str, int, str)
    _sigStep = Signal(int, int, int)      # serial, step, steps (from the worker thread)

    def __init__(self, steps: int = STEPS, parent: QObject | None = None):
        super().__init__(parent)
        self.steps = int(steps)
        self.jobs_started = 0
        self._cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._versions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._latest: _Request | None = None
        self._running: tuple[CallJob, _Request, int] | None = None
        self._waiting: _Request | None = None
        self._requests: dict[CallJob, _Request] = {}
        self._serial = 0
        self._sigStep.connect(self._step)

    # ------------------------------------------------------------------ API
    @property
    def busy(self) -> bool:
        """True while a job runs."""
        return self._running is not None

    def cached(self, model: Model, layer: str, index: int) -> np.ndarray | None:
        """The cached picture of unit ``index`` of ``layer`` for ``model``'s current weights."""
        return self._cache.get(model, {}).get((layer, int(index)))

    def request(self, model: Model, layer: str, index: int) -> bool:
        """Ask for unit ``index`` of ``layer`` of ``model`` (the latest request
        wins). True if it was served from the cache (``sigReady`` emitted now)."""
        req = _Request(model, self._versions.get(model, 0), str(layer), int(index))
        self._latest = req
        image = self.cached(model, req.layer, req.index)
        if image is not None:
            self._waiting = None
            self._cancel_running(unless=req)
            self.sigReady.emit(req.layer, req.index, image)
            return True
        if self._running is not None:
            if self._running[1] == req and not self._running[0].cancelled:
                self._waiting = None      # already on its way
                return False
            self._cancel_running()
            self._waiting = req
            return False
        self._start(req)
        return False

    def invalidate(self, model: Model) -> None:
        """``model``'s weights changed in place: its pictures are out of date."""
        self._versions[model] = self._versions.get(model, 0) + 1
        self._cache.pop(model, None)

    def forget(self, keep: Model | None = None) -> None:
        """Another model is shown: drop the waiting request and abandon the
        running job unless they are for model ``keep`` (the one shown now)."""
        if self._latest is not None and self._latest.model is not keep:
            self._latest = None
        if self._waiting is not None and self._waiting.model is not keep:
            self._waiting = None
        if self._running is not None and self._running[1].model is not keep:
            self._running[0].cancel()

    # ------------------------------------------------------------- internals
    def _cancel_running(self, unless: _Request | None = None) -> None:
        if self._running is not None and self._running[1] != unless:
            self._running[0].cancel()

    def _start(self, req: _Request) -> None:
        self._serial += 1
        serial, steps, emit = self._serial, self.steps, self._sigStep.emit

        def run(checkpoint):
            def progress(step: int, total: int) -> None:
                checkpoint()                 # raises once cancelled: the ascent stops
                if step % PROGRESS_EVERY == 0 or step == total:
                    try:
                        emit(serial, step, total)
                    except RuntimeError:     # the owner is gone (its window closed)
                        pass
            # overflowing weights give inf/NaN (said plainly below), not warnings
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                picture = visualize_unit(req.model, req.layer, req.index, steps=steps,
                                         progress=progress)
            if not np.isfinite(picture).all():
                raise ValueError("the model's values stop being finite numbers on the way "
                                 "to this unit, so it has no picture")
            return picture

        job = CallJob(run, name="unit wants")
        # slots of this object: Qt disconnects them when it is destroyed
        job.sigFinished.connect(self._finished)
        job.sigFailed.connect(self._failed)
        job.sigDone.connect(self._done)
        self.destroyed.connect(job.cancel)
        self._running = (job, req, serial)
        self._requests[job] = req
        self.jobs_started += 1
        job.start()
        self.sigStarted.emit(req.layer, req.index)

    def _step(self, serial: int, step: int, steps: int) -> None:
        if self._running is not None and self._running[2] == serial \
                and self._running[1] == self._latest:
            req = self._running[1]
            self.sigProgress.emit(req.layer, req.index, step, steps)

    @Slot(object)
    def _finished(self, image) -> None:
        req = self._requests.get(self.sender())
        if req is not None and self._versions.get(req.model, 0) == req.version:
            self._cache.setdefault(req.model, {})[req.key()] = image
            if req == self._latest:
                self.sigReady.emit(req.layer, req.index, image)

    @Slot(str)
    def _failed(self, message: str) -> None:
        req = self._requests.get(self.sender())
        if req is not None and req == self._latest:
            self.sigFailed.emit(req.layer, req.index, message)

    @Slot()
    def _done(self) -> None:
        job = self.sender()
        self._requests.pop(job, None)
        if self._running is not None and self._running[0] is job:
            self._running = None
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting == self._latest:
            self.request(waiting.model, waiting.layer, waiting.index)

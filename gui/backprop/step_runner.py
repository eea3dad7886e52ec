"""Runs :func:`engine.one_step` for the window and keeps the steps for undo.

The step is computed off the GUI thread on a copy of the shown model (the
drawing keeps being predicted with the shown model meanwhile, so its weights
must not change under it); back on the GUI thread the copy's new weights are
written into the shown model's arrays, so every view that shows them sees the
step. Each step is kept on a stack: :meth:`StepRunner.undo` puts the weights
back one step at a time, bit for bit (:meth:`engine.StepTrace.undo`).

Momentum continues from one step to the next: every step starts from a copy
of the previous step's optimizer (its velocity), so undoing a step also
undoes what it did to the velocity. A step with another momentum starts
without velocity.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

import engine
from engine import Model, StepTrace

from ..workers.call_job import CallJob

#: Steps kept for undo (each holds ~4 copies of the weights: ~4 MB for the
#: playground model); older steps can no longer be undone.
MAX_UNDO = 20


@dataclass(frozen=True)
class StepRequest:
    """One step to take.

    :ivar image: the network input, ``(28, 28)`` float32 in [0, 1]
    :ivar label: the class to train the drawing as
    :ivar lr: learning rate (> 0)
    :ivar momentum: heavy-ball momentum in [0, 1)
    """

    image: np.ndarray
    label: int
    lr: float
    momentum: float


def _weights_equal(params: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> bool:
    """True when both ``{name: array}`` hold bit-identical arrays."""
    return params.keys() == other.keys() and all(
        np.array_equal(params[k], other[k]) for k in params)


def _take_step(twin: Model, request: StepRequest, optimizer) -> StepTrace:
    """Worker thread: one SGD step of ``twin`` (a copy of the shown model)."""
    return engine.one_step(twin, request.image[None], request.label, request.lr,
                           momentum=request.momentum, optimizer=optimizer)


class StepRunner(QObject):
    """One-step training of ``model_of()`` with an undo stack.

    ``steps`` (the :class:`~engine.training.one_step.StepTrace` objects, the
    newest last) and ``busy`` are public for tests.

    Signals: ``sigStepped(StepTrace)`` after a step was applied,
    ``sigUndone(StepTrace | None)`` after an undo (with the step now on top,
    None when none is left), ``sigProblem(str)`` when a step or an undo could
    not be done, ``sigBusy(bool)`` while a step is computed.
    """

    sigStepped = Signal(object)
    sigUndone = Signal(object)
    sigProblem = Signal(str)
    sigBusy = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.steps: list[StepTrace] = []
        self._after: list[dict[str, np.ndarray]] = []   # the weights each step left
        self._model: Model | None = None       # the model the stack belongs to
        self._job: CallJob | None = None

    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def model(self) -> Model | None:
        """The model the steps were taken on (None before the first step)."""
        return self._model

    def forget(self) -> None:
        """Drop the stack (another model is shown, or its weights were replaced)."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
            self.sigBusy.emit(False)
        self._clear()
        self._model = None

    def step(self, model: Model, request: StepRequest) -> bool:
        """Start one step of ``model`` (False while another step runs)."""
        if self._job is not None:
            return False
        if model is not self._model:
            self._clear()
            self._model = model
        previous = self.steps[-1].optimizer if self.steps else None
        optimizer = None
        if previous is not None and previous.momentum == request.momentum:
            optimizer = copy.deepcopy(previous)     # the previous step keeps its velocity
        twin = model.clone()
        job = CallJob(lambda _checkpoint: _take_step(twin, request, optimizer), name="one-step")
        self.destroyed.connect(job.cancel)   # no result for an owner that is gone
        job.sigFinished.connect(lambda trace: self._finished(job, model, twin, trace))
        job.sigFailed.connect(lambda message: self._failed(job, message))
        self._job = job
        self.sigBusy.emit(True)
        job.start()
        return True

    def undo(self, model: Model) -> bool:
        """Put ``model``'s weights back as they were before the newest step."""
        if not self.steps or model is not self._model:
            self.sigProblem.emit("There is no step of this model to undo.")
            return False
        if not _weights_equal(model.named_params(), self._after[-1]):
            self._clear()
            self.sigProblem.emit("The weights changed since the step (training or another "
                                 "model), so it cannot be undone.")
            return False
        self.steps.pop().undo(model)
        self._after.pop()
        self.sigUndone.emit(self.steps[-1] if self.steps else None)
        return True

    # ------------------------------------------------------------- internals
    def _clear(self) -> None:
        self.steps.clear()
        self._after.clear()

    def _finished(self, job: CallJob, model: Model, twin: Model, trace: StepTrace) -> None:
        if job is not self._job:
            return
        self._job = None
        self.sigBusy.emit(False)
        params = model.named_params()
        if model is not self._model or not _weights_equal(params, trace.before):
            self.sigProblem.emit("The weights changed while the step was computed; "
                                 "it was not applied.")
            return
        after = twin.named_params()            # the copy is not used again: keep its arrays
        for name, new in after.items():
            params[name][...] = new
        self.steps.append(trace)
        self._after.append(after)
        if len(self.steps) > MAX_UNDO:
            del self.steps[0], self._after[0]
        self.sigStepped.emit(trace)

    def _failed(self, job: CallJob, message: str) -> None:
        if job is not self._job:
            return
        self._job = None
        self.sigBusy.emit(False)
        self.sigProblem.emit(f"The step failed: {message}")


__all__ = ["MAX_UNDO", "StepRequest", "StepRunner"]

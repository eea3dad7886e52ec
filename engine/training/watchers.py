"""Watchers: code that looks at a run between its steps.

A :class:`RunWatcher` is handed to :class:`~engine.training.trainer.Trainer`
(``Trainer(model, data, config, watchers=[...])``). The trainer calls it in
its own thread, between two optimisation steps, when the model's weights are
those after the step and its gradients (``model.named_grads()``) those the
step used (the mini-batch's mean gradient, before weight decay). Whatever a
watcher returns is yielded by ``Trainer.run()`` right after the report that
triggered it, so it reaches the command line or the GUI's worker like every
other report. Watchers never change the weights or the gradients.

Checkpoints (:mod:`engine.training.checkpoints`) and training dynamics
(:mod:`engine.training.dynamics`) are watchers.
"""
from __future__ import annotations

from typing import Iterable

from ..nn.model import Model
from .reports import EpochReport, RunPlan, StepReport


class RunWatcher:
    """Base class: every hook does nothing and returns no report."""

    def at_start(self, model: Model, plan: RunPlan) -> Iterable[object]:
        """Before the first step (the weights the run starts from, step 0)."""
        return ()

    def after_step(self, model: Model, report: StepReport) -> Iterable[object]:
        """After the step ``report.step`` (1-based) was applied."""
        return ()

    def after_epoch(self, model: Model, report: EpochReport) -> Iterable[object]:
        """After an epoch's test-set evaluation."""
        return ()

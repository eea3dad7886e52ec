"""Recording the app's training runs: what watches each run (checkpoints for
the time machine, training dynamics) and the record of it that the Runs
view compares and saves.

:class:`RunRecording` gives the training panel's
:class:`~gui.training.run_controller.RunController` a watcher factory (the
watchers are made in the training thread once MNIST is loaded: a
:class:`~engine.training.checkpoints.CheckpointWatcher` and a
:class:`~engine.training.dynamics.DynamicsWatcher` on a seeded probe batch of
training images), follows the run's reports in the GUI thread with an
:class:`~engine.training.run_record.RunRecorder` and, once the run's thread
has ended, adds the checkpoint of the final weights and emits the finished
:class:`~engine.training.run_record.TrainingRun`.

Dynamics sampling: :meth:`engine.training.dynamics.DynamicsConfig.budgeted`
(2.5 % of the training time whatever the network and the machine; the first
three steps and the last always; a probe of 128 training images).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import Model
from engine.data.dataset import Dataset
from engine.nn.metadata import ModelCard
from engine.nn.presets import preset_of
from engine.training.checkpoints import CheckpointReport, CheckpointWatcher
from engine.training.config import TrainConfig
from engine.training.dynamics import DynamicsConfig, DynamicsWatcher
from engine.training.dynamics_report import DynamicsReport
from engine.training.reports import RunPlan
from engine.training.run_record import RunRecorder

def dynamics_config(total_steps: int) -> DynamicsConfig:
    """How a run of ``total_steps`` steps is sampled (see the module docstring)."""
    return DynamicsConfig.budgeted(total_steps)


def run_label(number: int, model: Model, config: TrainConfig) -> str:
    """``"2. bench · sgd lr 0.05 · batch 64 · 2 epochs"``."""
    preset = ModelCard.read(model.metadata).preset or preset_of(model.config()) or "custom"
    epochs = f"{config.epochs} epoch{'s' * (config.epochs != 1)}"
    return f"{number}. {preset} · {config.optimizer} lr {config.lr:g} · batch {config.batch_size} · {epochs}"


class RunRecording(QObject):
    """Watches and records the runs of ``run`` (a ``RunController``), each
    labelled with the run's number (``run.number``).

    Signals: ``sigStarted(RunPlan)``, ``sigCheckpoint(Checkpoint)`` (also the
    final weights' after the run), ``sigDynamics(DynamicsReport)``,
    ``sigRecorded(TrainingRun)`` (the run's thread has ended).
    """

    sigStarted = Signal(object)
    sigCheckpoint = Signal(object)
    sigDynamics = Signal(object)
    sigRecorded = Signal(object)

    def __init__(self, run, parent: QObject | None = None):
        super().__init__(parent)
        self._run = run
        self._recorder: RunRecorder | None = None
        self._made: list[CheckpointWatcher] = []     # set in the training thread, read after it ended
        self.losses: list[float] = []                # the batch losses of the current run
        self.dynamics: list[DynamicsReport] = []     # and its dynamics so far
        run.set_watchers(self._make_watchers)
        run.sigStarted.connect(self._started)
        run.sigProgress.connect(self._progress)
        run.sigEpochFinished.connect(self._observe)
        run.sigFinished.connect(self._observe)
        run.sigWatched.connect(self._watched)
        run.sigEnded.connect(self._ended)

    def _make_watchers(self, model: Model, data: Dataset) -> tuple:
        """Called in the training thread, before the first step."""
        config = self._run.config
        steps = config.epochs * math.ceil(data.train_count(config.subset) / config.batch_size)
        checkpoints = CheckpointWatcher()
        self._made[:] = [checkpoints]
        dynamics = DynamicsWatcher.from_dataset(data, np.random.default_rng(config.seed),
                                                dynamics_config(steps))
        return checkpoints, dynamics

    def _started(self, plan: RunPlan) -> None:
        run = self._run
        self._recorder = RunRecorder(run.model, run.config,
                                     run_label(run.number, run.model, run.config))
        self.losses, self.dynamics = [], []
        self.sigStarted.emit(plan)

    def _progress(self, reports) -> None:
        for report in reports:
            self._observe(report)
            self.losses.append(report.loss)

    def _observe(self, report) -> None:
        if self._recorder is not None:
            self._recorder.observe(report)

    def _watched(self, report) -> None:
        if isinstance(report, CheckpointReport):
            self.sigCheckpoint.emit(report.checkpoint)
        elif isinstance(report, DynamicsReport):
            self.dynamics.append(report)
            self.sigDynamics.emit(report)

    def _ended(self) -> None:
        recorder, self._recorder = self._recorder, None
        finished = self._run.finished_report
        if recorder is None or finished is None or not self._made:
            return                      # a failed run: nothing worth comparing
        watcher = self._made[0]
        if self._run.model is not None:
            final = watcher.after_finish(self._run.model, finished)
            if final is not None:
                self.sigCheckpoint.emit(final.checkpoint)
        record = dataclasses.replace(recorder.result(), checkpoints=tuple(watcher.checkpoints))
        self.sigRecorded.emit(record)

"""The time machine in the window: the bar under the tabs
(:class:`~gui.timeline.time_machine.TimeMachine`) scrubs through the
checkpoints the training run keeps (step 0, 10, 20, 50, ... and every
epoch's end; :mod:`engine.training.checkpoints`). At a checkpoint the
window shows that moment of the run (:meth:`gui.state.app_state.AppState.visit`):
the prediction for the drawing, the activation panels and the kernels follow,
and a cursor marks the moment on the training curves; "now" returns to the
present. The checkpoints arrive from the training thread through the run's
recording (:class:`~gui.window.run_recording.RunRecording`); one model per
run is reused for every moment (its weights are replaced), so scrubbing
only refreshes the views. A saved run's checkpoints can be loaded too.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from engine import Model
from engine.training.checkpoints import Checkpoint
from engine.training.reports import RunPlan

from ..timeline.run_cursor import RunCursor
from ..timeline.time_machine import TimeMachine, moment_text


def visit_note(checkpoint: Checkpoint, total_steps: int | None) -> str:
    """What the status bar says at a checkpoint, e.g. "time machine: step 200 of 1,876 · epoch 0.21"."""
    return "time machine: " + moment_text(checkpoint.step, total_steps, checkpoint.epoch_fraction)


class TimeMachineLab(QObject):
    """Owns the time machine of one window (``bar`` and ``cursor`` are public
    for tests; ``checkpoints`` is the run's list, oldest first)."""

    def __init__(self, window, recording) -> None:
        super().__init__(window)
        self._state = window.state
        panel = window.training_panel
        self.bar = TimeMachine()
        window.add_bottom_bar(self.bar)
        plots = panel.plots
        self.cursor = RunCursor([plots.loss_plot, plots.accuracy_plot, plots.lr_plot])
        self.checkpoints: list[Checkpoint] = []
        self._total_steps: int | None = None
        self._moment: Model | None = None
        self._listeners: list = []
        panel.sigTrainingStarted.connect(self._run_starting)
        recording.sigStarted.connect(self._run_started)
        recording.sigCheckpoint.connect(self.add_checkpoint)
        self.bar.sigMoment.connect(self.show_moment)
        self.bar.sigPresent.connect(self.show_present)
        self._state.sigModelChanged.connect(self._shown_model_changed)

    def on_moment(self, listener) -> None:
        """Call ``listener(step | None)`` whenever the shown moment changes
        (None: the present), e.g. the dynamics view's cursor."""
        self._listeners.append(listener)

    def load(self, checkpoints: list[Checkpoint], total_steps: int | None) -> None:
        """Scrub through ``checkpoints`` (e.g. a saved run's) instead of the last run's."""
        self._forget(total_steps)
        for checkpoint in checkpoints:
            self.add_checkpoint(checkpoint)

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """One more moment of the run (in step order)."""
        self.checkpoints.append(checkpoint)
        self.bar.add_moment(checkpoint.step, checkpoint.epoch_fraction)

    def show_moment(self, index: int) -> None:
        """Show checkpoint ``index`` in every view."""
        checkpoint = self.checkpoints[index]
        moment = self._moment
        if moment is None or moment.config()["layers"] != checkpoint.architecture["layers"]:
            moment = self._moment = checkpoint.model
        else:
            moment.set_weights(checkpoint.weights)
        self._state.visit(moment, visit_note(checkpoint, self._total_steps))
        self.cursor.show_at(checkpoint.epoch_fraction)
        for listener in self._listeners:
            listener(checkpoint.step)

    def show_present(self) -> None:
        """Back to the model in use (or the live weights of a run)."""
        self._state.leave_visit()
        self.cursor.show_at(None)
        for listener in self._listeners:
            listener(None)

    # ------------------------------------------------------------ internals
    def _shown_model_changed(self, _model=None) -> None:
        """A model was opened, adopted or a run started: the visit is over, so
        the bar returns to now too."""
        if self._state.visited_model is None and not self.bar.at_now:
            self.bar.go_to_now()
    def _forget(self, total_steps: int | None) -> None:
        self.checkpoints, self._moment, self._total_steps = [], None, total_steps
        self.bar.clear(total_steps)
        self.show_present()

    def _run_starting(self) -> None:
        self._forget(None)

    def _run_started(self, plan: RunPlan) -> None:
        self._forget(plan.total_steps)



def connect_time_machine(window, recording) -> TimeMachineLab:
    """Add the time machine bar to ``window`` (a :class:`~gui.window.main_window.MainWindow`),
    fed by ``recording`` (a :class:`~gui.window.run_recording.RunRecording`)."""
    return TimeMachineLab(window, recording)

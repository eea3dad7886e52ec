"""Runs in the window: every training run is watched and recorded
(:class:`~gui.window.run_recording.RunRecording`); the Training area gains
a "Dynamics" tab (how each layer learns, with a teacher's warnings) and a
"Runs" tab (two runs compared: curves overlaid, settings side by side); the
time machine bar scrubs through the last run's checkpoints (or a saved
run's). Runs are saved and opened as ``.run.npz`` files
(:mod:`engine.training.run_file`), off the GUI thread.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QObject

from engine.training.dynamics_warnings import diagnose
from engine.training.run_file import load_run, save_run
from engine.training.run_record import TrainingRun

from ..dynamics.dynamics_view import DynamicsView
from ..runs.runs_view import RunsView
from ..state.model_info import file_label
from ..state.run_history import RunHistory
from ..widgets.file_dialogs import ask_open_path, ask_save_path
from ..workers.call_job import CallJob
from .run_recording import RunRecording
from .time_machine_wiring import connect_time_machine

RUN_FILTER = "Training runs (*.run.npz);;All files (*)"
DYNAMICS_TIP = "How each layer learns during a run: weights, gradients, update sizes, dead units."
RUNS_TIP = "Compare two training runs: curves overlaid, settings side by side."
MESSAGE_MS = 8000


def suggested_run_name(run: TrainingRun) -> str:
    """``"run-bench-98.91.run.npz"``."""
    preset = run.settings().get("architecture", "custom")
    preset = "".join(c if c.isalnum() or c in "-_" else "-" for c in preset)[:32] or "run"
    acc = run.final_test_accuracy
    return f"run-{preset}" + (f"-{acc * 100:.2f}" if acc is not None else "") + ".run.npz"


class RunsLab(QObject):
    """Owns the run recording, the time machine, and the Dynamics and Runs
    tabs of one window (public for tests: ``history``, ``recording``,
    ``time_machine``, ``dynamics_view``, ``runs_view``)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._settings = window.settings
        self._status = window.statusBar()
        panel = window.training_panel
        self.history = RunHistory(self)
        self.recording = RunRecording(panel.run, self)   # runs named by the panel's number
        self.time_machine = connect_time_machine(window, self.recording)
        self.dynamics_view = DynamicsView()
        self.runs_view = RunsView()
        tabs = panel.view_tabs
        tabs.setTabToolTip(tabs.addTab(self.dynamics_view, "Dynamics"), DYNAMICS_TIP)
        tabs.setTabToolTip(tabs.addTab(self.runs_view, "Runs"), RUNS_TIP)
        self.jobs: list[CallJob] = []
        rec = self.recording
        rec.sigStarted.connect(self._run_started)
        rec.sigDynamics.connect(self._dynamics)
        rec.sigRecorded.connect(self.history.add)
        self.history.sigChanged.connect(lambda: self.runs_view.set_runs(self.history.runs))
        self.time_machine.on_moment(self.dynamics_view.set_cursor_step)
        self.runs_view.sigOpen.connect(lambda: self.open_run())
        self.runs_view.sigSave.connect(lambda run: self.save_run(run))
        self.runs_view.sigReplay.connect(self.replay)
        window.sigThemeChanged.connect(self.apply_theme)

    def apply_theme(self, theme) -> None:
        self.dynamics_view.apply_theme(theme)
        self.runs_view.apply_theme(theme)

    # ------------------------------------------------------------ runs
    def open_run(self, path: str | None = None) -> bool:
        """Load a run file (a dialog asks when ``path`` is None) off the GUI
        thread; it joins the runs to compare. False if nothing was chosen."""
        path = path or ask_open_path(self._window, "Open run", self._settings.last_folder(),
                                     RUN_FILTER)
        if not path:
            return False
        name = file_label(path)
        self._status.showMessage(f"Opening {name}…", MESSAGE_MS)
        self._start(lambda _checkpoint: load_run(path), "run loader",
                    lambda run: self._opened(run, name),
                    lambda message: self._failed("Could not open the run", name, message))
        return True

    def save_run(self, run: TrainingRun, path: str | None = None) -> bool:
        """Save ``run`` with its checkpoints (a dialog proposes a name when
        ``path`` is None), off the GUI thread."""
        path = path or ask_save_path(self._window, "Save run", self._settings.last_folder(),
                                     suggested_run_name(run), RUN_FILTER)
        if not path:
            return False
        name = file_label(path)
        self._status.showMessage(f"Saving {name}…", MESSAGE_MS)
        self._start(lambda _checkpoint: save_run(run, path), "run saver",
                    lambda _result: self._saved(path, name),
                    lambda message: self._failed("Could not save the run", name, message))
        return True

    def replay(self, run: TrainingRun) -> None:
        """Scrub through ``run``'s checkpoints with the time machine."""
        self.time_machine.load(list(run.checkpoints), run.total_steps or None)
        self.time_machine.bar.go_to(0)
        self._status.showMessage(f"Time machine: {run.label} - drag the slider under the tabs, "
                                 "or press Play.", MESSAGE_MS)

    # ------------------------------------------------------------ internals
    def _run_started(self, plan) -> None:
        self.dynamics_view.clear()
        self.dynamics_view.set_total_steps(plan.total_steps)

    def _dynamics(self, report) -> None:
        self.dynamics_view.add_reports([report])
        self.dynamics_view.set_warnings(diagnose(self.recording.dynamics, self.recording.losses))

    def _start(self, fn, name: str, done, failed) -> None:
        job = CallJob(fn, name)
        job.sigFinished.connect(done)
        job.sigFailed.connect(failed)
        job.sigDone.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        self.destroyed.connect(job.cancel)
        self.jobs.append(job)
        job.start()

    def _opened(self, run: TrainingRun, name: str) -> None:
        run = dataclasses.replace(run, label=f"{name}: {run.label}" if run.label else name)
        self.history.add(run)
        n = len(self.history.runs)
        self.runs_view.choose(n - 1, max(0, n - 2))
        self._status.showMessage(f"Opened the run {name}: it is run A in the Runs tab.", MESSAGE_MS)

    def _saved(self, path: str, name: str) -> None:
        self._settings.set_last_folder(str(Path(path).resolve().parent))
        self._status.showMessage(f"Saved the run as {name}", MESSAGE_MS)

    def _failed(self, title: str, name: str, message: str) -> None:
        self._status.clearMessage()
        self._window.show_error(title, f"{name}:\n\n{message}")


def connect_runs(window) -> RunsLab:
    """Add run recording, the time machine, and the Dynamics and Runs tabs to
    ``window`` (a :class:`~gui.window.main_window.MainWindow`)."""
    return RunsLab(window)

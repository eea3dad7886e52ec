"""The "Run" box of the training panel: Start / Pause / Stop, the progress bar,
a two-line status, the result line, and "Use this model" / "Save model…".

It only displays: :meth:`RunBox.show_state` enables the buttons for a
:class:`~gui.training.run_controller.RunState`, :meth:`RunBox.show_progress`
shows a step report. The panel connects the buttons.
"""
from __future__ import annotations

import time

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout

from engine.training.reports import StepReport

from ..widgets.focus_handoff import FocusHandOff
from ..widgets.plain_text import plain_label, plain_tooltip
from ..widgets.text_line import TextLine
from .run_controller import RunState
from .run_messages import format_duration

#: The progress text is refreshed at most this often (s); the curves at 2-10 Hz.
PROGRESS_TEXT_INTERVAL_S = 0.25


class RunBox(QGroupBox):
    """Run controls and status. Object names (public handles):
    ``startTrainingButton``, ``pauseTrainingButton``, ``stopTrainingButton``,
    ``trainingProgress``, ``trainingStatus``, ``useTrainedModelButton``,
    ``previousModelButton``, ``saveTrainedModelButton``."""

    def __init__(self, parent=None):
        super().__init__("Run", parent)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startTrainingButton")
        self.start_button.setToolTip("Train with these settings")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseTrainingButton")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Hold the run after the current step; click again to go on")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopTrainingButton")
        self.stop_button.setToolTip("Stop after the current step; the weights so far are kept")
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setFormat("%p %")
        # a TextLine, not a QLabel: its text changes 4 times a second, and a QLabel's
        # setText re-lays out (and repaints) the whole panel each time
        self.status = TextLine("Not started.", muted=False, lines=2)
        self.status.setObjectName("trainingStatus")
        self.result_label = plain_label("")
        self.result_label.setWordWrap(True)
        self.use_button = QPushButton("Use this model")
        self.use_button.setObjectName("useTrainedModelButton")
        self.use_button.setToolTip("Make the trained network the one the canvas uses")
        self.back_button = QPushButton("Back to previous model")
        self.back_button.setObjectName("previousModelButton")
        self.back_button.setToolTip("Use the model that was open before this run again "
                                    "(the trained model stays here: Use this model)")
        self.save_button = QPushButton("Save model\u2026")
        self.save_button.setToolTip("Save trained model\u2026 (a .npz model file)")
        self.save_button.setObjectName("saveTrainedModelButton")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            row.addWidget(b)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.result_label)
        row = QHBoxLayout()
        row.addWidget(self.use_button)
        row.addWidget(self.back_button)
        layout.addLayout(row)
        layout.addWidget(self.save_button)
        self._progress_shown_at = 0.0
        self._result = self._note = ""
        start, pause, stop = self.start_button, self.pause_button, self.stop_button
        use, back, save = self.use_button, self.back_button, self.save_button
        self._focus = FocusHandOff({start: (stop, pause), pause: (start, use, save),
                                    stop: (start, use, save), use: (save, start),
                                    back: (start, save), save: (start, use)})
        self.show_state(RunState.IDLE, can_start=False, has_result=False)

    def show_state(self, state: RunState, can_start: bool, has_result: bool,
                   result_in_use: bool = False, can_go_back: bool = False) -> None:
        """Enable what makes sense in ``state``; ``can_start``: data and settings
        are ready; ``has_result``: a trained model exists (``result_in_use``: it
        is the current model); ``can_go_back``: the model open before it can return.
        A button disabled while it has the keyboard focus hands it to the button
        that does the next thing (Start to Stop, Stop to Start…), not to
        whatever follows in the window."""
        with self._focus.kept():
            self.start_button.setEnabled(not state.active and can_start)
            self.pause_button.setEnabled(state in (RunState.LOADING, RunState.RUNNING,
                                                   RunState.PAUSED))
            self.stop_button.setEnabled(state.active and state is not RunState.STOPPING)
            self.use_button.setEnabled(has_result and not result_in_use and not state.active)
            self.back_button.setEnabled(can_go_back and not state.active)
            self.save_button.setEnabled(has_result and not state.active)
        paused = state is RunState.PAUSED
        if self.pause_button.isChecked() != paused:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(paused)
            self.pause_button.blockSignals(False)
        self.pause_button.setText("Resume" if paused else "Pause")

    def set_status(self, text: str, detail: str | None = None) -> None:
        """Short status under the progress bar (2 lines); ``detail`` goes below it."""
        self.status.setText(text)
        self.status.setToolTip(plain_tooltip(text if detail is None else f"{text}\n{detail}"))
        if detail is not None:
            self.set_result(detail)

    def set_result(self, text: str) -> None:
        """The line under the status (e.g. an epoch's test accuracy)."""
        self._result = text
        self._show_result()

    def set_note(self, text: str) -> None:
        """A note below the result about the trained model (e.g. that it is
        in use); ``""`` removes it (it no longer holds)."""
        self._note = text
        self._show_result()

    def _show_result(self) -> None:
        self.result_label.setText("\n".join(t for t in (self._result, self._note) if t))

    def begin(self) -> None:
        """A run was started: a busy bar until the first step, no old result."""
        self.progress.setRange(0, 0)
        self.progress.setValue(0)
        self._result = self._note = ""
        self._show_result()

    def set_total_steps(self, total: int) -> None:
        self.progress.setRange(0, total)

    def end(self, completed: bool) -> None:
        """The run's thread ended; a completed run fills the bar."""
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if completed:
            self.progress.setValue(self.progress.maximum())

    def due_for_progress(self, last: StepReport) -> bool:
        """True if the progress text may be refreshed for ``last`` (at most every
        ``PROGRESS_TEXT_INTERVAL_S``, and always for the run's last step)."""
        return (time.perf_counter() - self._progress_shown_at >= PROGRESS_TEXT_INTERVAL_S
                or last.step == last.total_steps)

    def show_progress(self, last: StepReport, epochs: int, paused: bool) -> None:
        self._progress_shown_at = time.perf_counter()
        self.progress.setValue(last.step)
        self.status.setText(
            f"Epoch {last.epoch}/{epochs} · step {last.step:,}/{last.total_steps:,} · "
            f"loss {last.loss:.3f}{' (paused)' if paused else ''}\n"
            f"{last.images_per_s:,.0f} images/s · {format_duration(last.eta_s)} left")

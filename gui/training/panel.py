"""The Training tab: it composes the parts and connects them to the
application state; each part does one thing.

* :class:`~gui.training.settings_form.TrainingSettingsForm` - settings <-> ``TrainConfig``;
* :class:`~gui.training.data_box.DataBox` - MNIST status, download, the loaded dataset;
* :class:`~gui.training.run_controller.RunController` - the run's state machine and thread;
* :class:`~gui.training.run_box.RunBox` - Start / Pause / Stop, progress, status;
* :class:`~gui.training.plots.TrainingPlots` - the live curves;
* :class:`~gui.training.evaluation_view.EvaluationView` - confusion matrix and galleries.

With an :class:`~gui.state.app_state.AppState`, a run starts from its current
model (or a fresh preset), the views follow the live weights while it runs
(``begin_training`` / ``update_live_weights`` / ``end_training``), and "Use this
model" opens the trained model in it. Public handles: the buttons'
object names (``startTrainingButton``, ``stopTrainingButton``, ...), the
``lossPlot`` plot, :meth:`TrainingPanel.is_training`, :meth:`TrainingPanel.shutdown`.
"""
from __future__ import annotations


import numpy as np
from PySide6.QtCore import QEventLoop, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QTabWidget, QWidget

from engine import Model
from engine.data.dataset import Dataset
from engine.data.mnist import check_mnist_model
from engine.nn import presets
from engine.nn.metadata import ModelCard, clear_training_record
from engine.training.reports import EpochReport, FinishedReport, RunPlan

from ..state.app_state import AppState
from ..state.model_info import file_label, model_label, suggested_file_name
from ..widgets.file_dialogs import ask_save_path, show_warning
from .controls_column import controls_column
from .data_box import DataBox
from .evaluation_view import EvaluationView
from .plots import TrainingPlots
from .run_box import RunBox
from .run_controller import RunController, RunState
from .run_messages import (ending_detail, finished_text, judge_run, may_replace_a_model,
                           plan_text)
from .settings_form import TrainingSettingsForm
from .trained_model import TrainedModel


def starting_model(current: Model | None, preset: str, seed: int,
                   architecture: dict | None = None) -> tuple[Model, str]:
    """``(the model a run trains, where its weights come from)``: a copy of
    ``current`` (a new model, not the file it came from), or fresh ``preset``
    weights drawn with ``seed`` when ``current`` is None, or fresh weights of
    ``architecture`` (a checked ``Model.config()``, e.g. from the architecture
    editor) when given. Raises ``ValueError`` if the model cannot be trained on MNIST."""
    if architecture is not None:
        model = Model.from_config(architecture, np.random.default_rng(seed))
        check_mnist_model(model, "the edited network")
        return model, f"fresh weights of an edited network (seed {seed})"
    if current is None:
        return presets.build(preset, np.random.default_rng(seed)), \
            f"fresh {preset} weights (seed {seed})"
    check_mnist_model(current, "the current model")
    return current.clone(keep_source=False), f"the weights of {model_label(current)}"


class TrainingPanel(QWidget):
    """Train a network on MNIST inside the app.

    :param state: the application state (current and live model); None for a
        panel on its own (then "current weights" is unavailable and nothing is shown live)
    :param data_dir: MNIST folder; None = ``CNN_PLAYGROUND_DATA``, else the cache
    :param data: an already loaded :class:`Dataset` (skips loading MNIST)

    Signals: ``sigTrainingStarted()``, ``sigTrainingFinished(FinishedReport)`` (the
    run's thread has ended; :attr:`trained_model` is its result),
    ``sigTrainingFailed(str)``, ``sigTrainedModelUpdated(Model)`` (measured)."""

    sigTrainingStarted = Signal()
    sigTrainingFinished = Signal(object)
    sigTrainingFailed = Signal(str)
    sigTrainedModelUpdated = Signal(object)

    def __init__(self, state: AppState | None = None, data_dir: str | None = None,
                 data: Dataset | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.state = state
        self.run = RunController(self)
        self.settings = TrainingSettingsForm()
        self.data = DataBox(data_dir, data)
        self.run_box = RunBox()
        self.plots = TrainingPlots()
        self.evaluation_view = EvaluationView()
        self.result = TrainedModel(self.evaluation_view, state, self)
        self._started_from = ""
        self._closing = False
        self._learned = True       # the last run's verdict: it learned (so it may replace a model)
        self._layout()
        self._connect()
        self._current_model_changed()
        self._update_enabled()

    # ================================================================ building
    def _layout(self) -> None:
        self.settings.add_data_widget(self.data)
        left = controls_column(self.settings, self.run_box)
        self.loss_plot = self.plots.loss_plot
        if self.state is not None:
            self.evaluation_view.offer_evaluate("Evaluate current model",
                                                "Evaluate the model the canvas uses on the test set")
        self.view_tabs = QTabWidget()
        self.view_tabs.addTab(self.plots, "Curves")
        self.view_tabs.addTab(self.evaluation_view, "Evaluation")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(left)
        layout.addWidget(self.view_tabs, 1)

    def _connect(self) -> None:
        box = self.run_box
        box.start_button.clicked.connect(lambda: self.start_training())
        box.pause_button.toggled.connect(self._pause_toggled)
        box.stop_button.clicked.connect(self.stop_training)
        box.use_button.clicked.connect(self.use_trained_model)
        box.back_button.clicked.connect(self.use_previous_model)
        box.save_button.clicked.connect(self._save_clicked)
        self.settings.sigChanged.connect(self._update_enabled)
        self.data.sigChanged.connect(self._update_enabled)
        self.data.sigStatus.connect(lambda text, detail: box.set_status(text, detail or None))
        self.evaluation_view.evaluate_button.clicked.connect(self.evaluate_current_model)
        self.evaluation_view.sigBusyChanged.connect(self._update_enabled)
        self.result.sigMeasured.connect(self._measured)
        run = self.run
        run.sigStateChanged.connect(self._state_changed)
        run.sigDataLoaded.connect(self.data.set_dataset)
        run.sigStarted.connect(self._run_started)
        run.sigProgress.connect(self._progress)
        run.sigEpochFinished.connect(self._epoch_finished)
        run.sigFinished.connect(self._finished)
        run.sigFailed.connect(self._failed)
        run.sigEnded.connect(self._ended)
        if self.state is not None:
            run.sigWeights.connect(self.state.update_live_weights)
            self.state.sigModelChanged.connect(self._current_model_changed)

    # ================================================================ public API
    def is_training(self) -> bool:
        """True from Start until the training thread has ended."""
        return self.run.active

    @property
    def paused(self) -> bool:
        return self.run.state is RunState.PAUSED

    @property
    def finished_report(self) -> FinishedReport | None:
        return self.run.finished_report

    def set_data(self, data: Dataset) -> None:
        """Use an already loaded dataset (skips reading MNIST)."""
        self.data.set_dataset(data)

    def start_training(self, architecture: dict | None = None) -> bool:
        """Start a run with the current settings (fresh ``architecture`` weights if given).
        False if it could not start (a run is on, the settings or the data are not ready,
        or the window is closing)."""
        if self.is_training() or self._closing:
            return False
        try:
            config = self.settings.config()
            config.validate()
        except ValueError as exc:
            self.run_box.set_status("Cannot start with these settings.", str(exc))
            return False
        if not self.data.ready():
            self.run_box.set_status("MNIST is missing: download it first.")
            self.data.refresh()
            return False
        current = self.state.current_model if self.state is not None else None
        try:
            model, self._started_from = starting_model(None if self.settings.start_fresh() else
                                                       current, self.settings.preset(), config.seed,
                                                       architecture)
        except ValueError as exc:
            self.run_box.set_status("The current model cannot be trained on MNIST.", str(exc))
            return False
        clear_training_record(model.metadata)
        self.evaluation_view.cancel()
        self.result.clear()
        self.plots.start_run(config.epochs)
        self.run_box.begin()
        self.run_box.set_status("Loading MNIST\u2026" if self.data.dataset is None else "Starting\u2026")
        live = model.clone().eval()
        self.run.start(model, config, self.data.source())
        if self.state is not None:
            self.state.begin_training(live)
        self.sigTrainingStarted.emit()
        return True

    def pause_training(self) -> None:
        self.run_box.pause_button.setChecked(True)    # as a click: the button says Resume

    def resume_training(self) -> None:
        self.run_box.pause_button.setChecked(False)

    def stop_training(self) -> None:
        """Ask the run to stop after the current step (returns at once)."""
        if self.run.active and self.run.state is not RunState.STOPPING:
            self.run.stop()
            self.run_box.set_status("Stopping\u2026")

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop training, evaluation, loading and downloads and wait for their
        threads (call before the window closes). Returns True if all ended in time."""
        self._closing = True  # no new work (a run, the final evaluation) from here on
        ok = self.data.shutdown(timeout_ms)
        ok &= self.run.shutdown(timeout_ms)
        # deliver the run's last signals (not the user's clicks: nothing new may start)
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        ok &= self.evaluation_view.shutdown(timeout_ms)
        return ok

    @property
    def trained_model(self) -> Model | None:
        """The last run's model (None before a run, or when it made no step)."""
        return self.result.model

    def use_trained_model(self) -> None:
        """Make the trained model the application's current model."""
        self._say(self.result.use())

    def use_previous_model(self) -> None:
        """Go back to the model that was open before the run's trained model
        replaced it (the trained model stays offered by "Use this model")."""
        self._say(self.result.go_back())

    def save_trained_model(self, path) -> bool:
        """Write the trained model to ``path`` (atomic: temp file + rename)."""
        problem = self.result.save(path)
        self.run_box.set_status("Saving failed." if problem else f"Saved {file_label(path)}.",
                                problem)
        return problem is None

    def evaluate_current_model(self) -> None:
        """Evaluate the application's current model on the test set (off the GUI thread)."""
        if self.state is None or self.is_training():
            return
        self.data.load_then(self._evaluate_current)   # a model MNIST cannot test: a message

    def apply_theme(self, theme) -> None:
        """Match the window's light/dark theme (a :class:`gui.widgets.theme.Theme`)."""
        self.plots.apply_theme(theme)
        self.evaluation_view.apply_theme(theme)

    # ============================================================ run relays
    def _state_changed(self, state: RunState) -> None:
        if state in (RunState.FINISHED, RunState.FAILED):
            self.run_box.end(self.run.finished_report is not None
                             and self.run.finished_report.reason == "completed")
        self._update_enabled()

    def _run_started(self, plan: RunPlan) -> None:
        self.plots.set_total_steps(plan.total_steps)
        self.run_box.set_total_steps(plan.total_steps)
        self.run_box.set_status(plan_text(plan))

    def _progress(self, reports) -> None:
        self.plots.add_steps(reports)
        last = reports[-1]
        if self.run.state in (RunState.RUNNING, RunState.PAUSED) and \
                self.run_box.due_for_progress(last):
            self.run_box.show_progress(last, self.run.config.epochs, self.paused)

    def _epoch_finished(self, report: EpochReport) -> None:
        self.plots.add_epoch(report)
        if self.state is not None and self.run.plan.full_test_set:
            self.state.set_live_accuracy(report.test_accuracy)
        self.run_box.set_result(f"Epoch {report.epoch}: test accuracy {report.test_accuracy:.2%}, "
                                f"train {report.train_accuracy:.2%} (average over the epoch)")
        if report.evaluation is not None and self.data.dataset is not None:
            self.evaluation_view.show_result(report.evaluation, self.data.dataset.test_images,
                                             f"Training, epoch {report.epoch}")

    def _finished(self, report: FinishedReport) -> None:
        """The run is over (its thread may still be ending): say so; the
        trained model is taken (and put in use) in :meth:`_ended`."""
        plan = self.run.plan
        verdict = judge_run(report, self.run.model.num_classes, self.plots.loss_points()[1],
                            self.run.config)
        self._learned = may_replace_a_model(report, verdict)
        self.run_box.set_status(finished_text(report, plan.steps_per_epoch if plan else 0),
                                ending_detail(report, verdict))

    def _failed(self, message: str) -> None:
        if self.state is not None:
            self.state.end_training()
        self.run_box.set_status("Training failed.", message)
        self.sigTrainingFailed.emit(message)

    def _ended(self) -> None:
        """The run's thread has ended: keep the trained model (recording how it
        was trained, measuring it if needed), put it in use unless the user
        opened another model meanwhile, and announce the end."""
        report = self.run.finished_report
        if report is None:
            if self.state is not None:
                self.state.end_training()
            return
        self.result.take(self.run, report, self._started_from, self.data.dataset,
                         measure=not self._closing)
        self.result.put_in_use(closing=self._closing, learned=self._learned)
        self._update_enabled()
        self.sigTrainingFinished.emit(report)

    def _measured(self, model: Model) -> None:
        accuracy = ModelCard.read(model.metadata).test_accuracy
        self.run_box.set_result(f"Trained model: test accuracy {accuracy:.2%} on all "
                                f"{self.data.dataset.test_count():,} test images")
        if self.state is not None:
            self.state.metadata_changed(model)
        self.sigTrainedModelUpdated.emit(model)

    # ================================================================ helpers
    def _evaluate_current(self) -> None:
        if not self.is_training():   # (a run may have started while MNIST was loading)
            self.view_tabs.setCurrentWidget(self.evaluation_view)
            _evaluate(self.evaluation_view, self.state.current_model, self.data.dataset)

    def _current_model_changed(self, _model=None) -> None:
        current = self.state.current_model if self.state is not None else None
        self.settings.set_current_model(None if current is None else
                                        (ModelCard.read(current.metadata).preset or ""))
        self._update_enabled()

    def _pause_toggled(self, on: bool) -> None:
        if on:
            self.run.pause()
            self.run_box.set_status("Paused (after the current step).")
        else:
            self.run.resume()
            self.run_box.set_status("Training\u2026")

    def _update_enabled(self) -> None:
        state = self.run.state
        self.settings.set_locked(state.active)
        self.run_box.show_state(state, can_start=self.data.ready() and not self._closing,
                                has_result=self.trained_model is not None,
                                result_in_use=self.result.in_use, can_go_back=self.result.can_go_back)
        self.run_box.set_note(self.result.note())
        # (not while an evaluation runs: e.g. the trained model's own measurement)
        self.evaluation_view.set_evaluate_enabled(
            self.state is not None and not state.active and self.data.ready()
            and not self.evaluation_view.busy)

    def _say(self, message: str | None) -> None:
        if message:
            self.run_box.set_status(message)
            self._update_enabled()

    def _save_clicked(self) -> None:
        if self.trained_model is None:
            return
        path = ask_save_path(self, "Save trained model", None, suggested_file_name(self.trained_model))
        if path and not self.save_trained_model(path):
            show_warning(self, "Could not save the model", self.run_box.result_label.text())


def _evaluate(view: EvaluationView, model: Model, data: Dataset) -> None:
    """Evaluate the user's ``model`` on ``data``'s test set in ``view`` (off the GUI thread)."""
    view.evaluate(model, data.test_images, data.test_labels, f"Current model ({model_label(model)})")


__all__ = ["TrainingPanel"]

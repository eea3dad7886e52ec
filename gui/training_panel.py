"""The training panel: settings, Start / Pause / Stop, live curves, evaluation.

The engine's trainer does the work in a :class:`gui.training_worker.TrainingWorker`
thread; this widget only collects settings, relays controls and displays the
reports. Left: a column of settings; right: tabs with the live curves
(:class:`gui.training_plots.TrainingPlots`) and the evaluation view
(:class:`gui.evaluation_view.EvaluationView`).

Public handles: ``startTrainingButton`` / ``stopTrainingButton`` (object
names of :attr:`TrainingPanel.start_button` / :attr:`TrainingPanel.stop_button`),
the ``lossPlot`` plot, :meth:`TrainingPanel.is_training`,
:meth:`TrainingPanel.shutdown`, and :func:`attach_training_panel` which puts
the panel into a :class:`gui.main_window.MainWindow`.
"""
from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (QApplication, QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QMessageBox, QProgressBar, QPushButton, QRadioButton, QScrollArea,
                               QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from engine import presets
from engine.evaluate import EvalResult
from engine.model import Model
from engine.train import Dataset, EpochReport, FinishedReport, StepReport, TrainConfig

from .data_download import DownloadJob, data_status
from .evaluation_view import EvaluationView
from .training_plots import TrainingPlots
from .training_worker import (CallWorker, MnistSource, RunInfo, TrainingWorker, WorkerThread,
                              estimate_remaining_s)
from .widgets import TextLine

MODEL_FILTER = "Model files (*.npz);;All files (*)"
#: Training threads' OS priority decrease (Linux nice) and the GIL switch interval
#: during training; see TrainingPanel and gui.bench_training.
WORKER_NICE = 5
SWITCH_INTERVAL_S = 0.001
#: The progress text is refreshed at most this often (s); the curves at 2-10 Hz.
PROGRESS_TEXT_INTERVAL_S = 0.25
FULL_TEST_SET = 10_000
#: lr offered when switching optimizer, if the lr still is the other one's default
DEFAULT_LR = {"sgd": 0.05, "adam": 0.001}
PRESET_NOTES = {
    "tiny": "2 small conv layers; trains in seconds",
    "bench": "the benchmark net: 2 conv + 2 dense, 117k parameters",
    "playground": "the bundled model's architecture (with dropout), 258k parameters",
}


def _format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    seconds = int(round(max(0.0, seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingPanel(QWidget):
    """Train a network on MNIST inside the app.

    :param current_model: the model the window uses (for "start from the
        current weights"); update with :meth:`set_current_model`
    :param data_dir: MNIST folder; None = ``CNN_PLAYGROUND_DATA``, else the
        per-user cache (see :func:`engine.mnist.resolve_data_dir`)
    :param data: an already loaded :class:`Dataset` (skips loading MNIST)

    Signals:

    * ``sigTrainingStarted()`` - a run started; :attr:`live_model` is set;
    * ``sigLiveWeights(dict)`` - a copy of the training weights, at most every
      ~200 ms (already copied into :attr:`live_model` when emitted);
    * ``sigProgress(list[StepReport])`` - each progress batch, after it was shown;
    * ``sigEpochFinished(EpochReport)``; ``sigEvaluated(EvalResult)``;
    * ``sigTrainingFinished(FinishedReport)`` - the run ended (completed,
      stopped or diverged); :attr:`trained_model` holds the result;
    * ``sigTrainingFailed(str)``;
    * ``sigUseModel(Model)`` - "Use this model" was clicked;
    * ``sigTrainedModelUpdated(Model)`` - the trained model's metadata (test
      accuracy on the full test set) changed after its final evaluation.
    """

    sigTrainingStarted = Signal()
    sigTrainingFinished = Signal(object)
    sigTrainingFailed = Signal(str)
    sigProgress = Signal(object)
    sigLiveWeights = Signal(object)
    sigEpochFinished = Signal(object)
    sigEvaluated = Signal(object)
    sigUseModel = Signal(object)
    sigTrainedModelUpdated = Signal(object)

    def __init__(self, current_model: Optional[Model] = None, data_dir: Optional[str] = None,
                 data: Optional[Dataset] = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.data_dir = data_dir
        self._dataset: Optional[Dataset] = data
        self._current_model = current_model
        self._job: Optional[WorkerThread] = None
        self._worker: Optional[TrainingWorker] = None
        self._loader: Optional[WorkerThread] = None
        self._download: Optional[DownloadJob] = None
        self._run_info: Optional[RunInfo] = None
        self._run_started_from = ""
        self._last_step: Optional[StepReport] = None
        self._last_evaluation: Optional[EvalResult] = None
        self._last_epoch: Optional[EpochReport] = None
        self._stop_clicked_at: Optional[float] = None
        self._progress_shown_at = 0.0
        self._after_load = None
        self._closing = False
        self.live_model: Optional[Model] = None
        self.trained_model: Optional[Model] = None
        self.finished_report: Optional[FinishedReport] = None
        #: Scheduling while training, measured with ``python -m gui.bench_training``:
        #: training threads at a lower OS priority (``nice``) and a 1 ms GIL switch
        #: interval. Since the GUI thread's work was cut to ~7 % of a core, nice 0
        #: and a 5 ms interval measure the same (86-91 % with the probe running,
        #: p99 15-16 ms); these values keep the margin when the GUI does more.
        self.worker_nice = WORKER_NICE
        self.switch_interval_s: Optional[float] = SWITCH_INTERVAL_S
        self.progress_batches = 0      # sigProgress batches received (tests, benchmarks)
        self.steps_received = 0
        self.last_stop_latency_s: Optional[float] = None
        self._build()
        self._connect()
        self.set_current_model(current_model)
        self._refresh_data_status()
        self._update_enabled()

    # ================================================================== building
    def _build(self) -> None:
        # ---- data
        self.full_radio = QRadioButton("All 60,000 training images")
        self.subset_radio = QRadioButton("A random subset of")
        self.subset_spin = QSpinBox()
        self.subset_spin.setRange(100, 60_000)
        self.subset_spin.setSingleStep(500)
        self.subset_spin.setValue(5_000)
        self.subset_spin.setSuffix(" images")
        self.subset_spin.setToolTip("Train on fewer images for a quick demo: 5,000 images "
                                    "already reach about 95 % in one epoch.")
        self.subset_radio.setChecked(True)
        self._data_group = QButtonGroup(self)
        self._data_group.addButton(self.full_radio)
        self._data_group.addButton(self.subset_radio)
        self.test_spin = QSpinBox()
        self.test_spin.setRange(100, FULL_TEST_SET)
        self.test_spin.setSingleStep(1000)
        self.test_spin.setValue(FULL_TEST_SET)
        self.test_spin.setSuffix(" images")
        self.test_spin.setToolTip("Test images evaluated after each epoch (fewer = quicker epochs)")
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        self.data_label.setObjectName("hint")
        self.data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download_button = QPushButton("Download MNIST (11 MB)")
        self.download_button.setObjectName("downloadButton")
        self.download_progress = QProgressBar()
        self.download_progress.setObjectName("downloadProgress")
        self.download_progress.setTextVisible(True)
        self.cancel_download_button = QPushButton("Cancel")
        self.cancel_download_button.setObjectName("cancelDownloadButton")
        data_box = QGroupBox("Data")
        dl = QVBoxLayout(data_box)
        dl.addWidget(self.full_radio)
        row = QHBoxLayout()
        row.addWidget(self.subset_radio)
        row.addWidget(self.subset_spin, 1)
        dl.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Test on"))
        row.addWidget(self.test_spin, 1)
        dl.addLayout(row)
        dl.addWidget(self.data_label)
        dl.addWidget(self.download_button)
        row = QHBoxLayout()
        row.addWidget(self.download_progress, 1)
        row.addWidget(self.cancel_download_button)
        dl.addLayout(row)

        # ---- network
        self.current_radio = QRadioButton("Current model's weights")
        self.fresh_radio = QRadioButton("Fresh random weights:")
        self._init_group = QButtonGroup(self)
        self._init_group.addButton(self.current_radio)
        self._init_group.addButton(self.fresh_radio)
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        for name in presets.PRESETS:
            self.preset_combo.addItem(name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1, PRESET_NOTES.get(name, ""),
                                          Qt.ItemDataRole.ToolTipRole)
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData("tiny")))
        self.preset_note = QLabel()
        self.preset_note.setObjectName("hint")
        self.preset_note.setWordWrap(True)
        self.fresh_radio.setChecked(True)
        net_box = QGroupBox("Start from")
        nl = QVBoxLayout(net_box)
        nl.addWidget(self.current_radio)
        row = QHBoxLayout()
        row.addWidget(self.fresh_radio)
        row.addWidget(self.preset_combo, 1)
        nl.addLayout(row)
        nl.addWidget(self.preset_note)

        # ---- hyperparameters
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 200)
        self.epochs_spin.setValue(2)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(8, 512)
        self.batch_spin.setValue(64)
        self.batch_spin.setToolTip("Images per optimisation step")
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.addItem("SGD with momentum", "sgd")
        self.optimizer_combo.addItem("Adam", "adam")
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(5)
        self.lr_spin.setRange(1e-5, 2.0)
        self.lr_spin.setSingleStep(0.005)
        self.lr_spin.setValue(DEFAULT_LR["sgd"])
        self.schedule_combo = QComboBox()
        self.schedule_combo.addItem("cosine decay", "cosine")
        self.schedule_combo.addItem("step (x0.1 at 1/3, 2/3)", "step")
        self.schedule_combo.addItem("constant", "constant")
        self.momentum_spin = QDoubleSpinBox()
        self.momentum_spin.setDecimals(3)
        self.momentum_spin.setRange(0.0, 0.999)
        self.momentum_spin.setSingleStep(0.05)
        self.momentum_spin.setValue(0.9)
        self.weight_decay_spin = QDoubleSpinBox()
        self.weight_decay_spin.setDecimals(5)
        self.weight_decay_spin.setRange(0.0, 0.1)
        self.weight_decay_spin.setSingleStep(1e-4)
        self.weight_decay_spin.setValue(5e-4)
        self.augment_check = QCheckBox("Augment the training images")
        self.augment_check.setToolTip("Randomly shift, rotate, scale, shear and thicken every "
                                      "training image: slower to learn, but recognises hand "
                                      "drawings better")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Same seed and settings = same weights")
        hyper_box = QGroupBox("Training")
        form = QFormLayout(hyper_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Optimizer", self.optimizer_combo)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Schedule", self.schedule_combo)
        form.addRow("Momentum", self.momentum_spin)
        form.addRow("Weight decay", self.weight_decay_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow(self.augment_check)

        # ---- run controls
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startTrainingButton")
        self.start_button.setToolTip("Train with these settings")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseTrainingButton")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopTrainingButton")
        self.stop_button.setToolTip("Stop after the current step; the weights so far are kept")
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setFormat("%p %")
        # a TextLine, not a QLabel: its text changes 4 times a second, and a QLabel's
        # setText re-lays out (and repaints) the whole panel each time
        self.progress_label = TextLine("Not started.", muted=False, lines=2)
        self.progress_label.setObjectName("trainingStatus")
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.use_button = QPushButton("Use this model")
        self.use_button.setObjectName("useTrainedModelButton")
        self.use_button.setToolTip("Make the trained network the one the canvas uses")
        self.save_button = QPushButton("Save model\u2026")
        self.save_button.setToolTip("Save trained model\u2026 (a .npz model file)")
        self.save_button.setObjectName("saveTrainedModelButton")
        run_box = QGroupBox("Run")
        rl = QVBoxLayout(run_box)
        row = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            row.addWidget(b)
        rl.addLayout(row)
        rl.addWidget(self.progress)
        rl.addWidget(self.progress_label)
        rl.addWidget(self.result_label)
        row = QHBoxLayout()
        row.addWidget(self.use_button)
        row.addWidget(self.save_button)
        rl.addLayout(row)

        # settings scroll; the run box (buttons, progress) stays visible below them
        column = QWidget()
        cl = QVBoxLayout(column)
        cl.setContentsMargins(4, 4, 4, 4)
        for box in (data_box, net_box, hyper_box):
            cl.addWidget(box)
        cl.addStretch(1)
        self.settings_scroll = QScrollArea()
        self.settings_scroll.setWidgetResizable(True)
        self.settings_scroll.setWidget(column)
        self.settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.adjustSize()
        width = (max(column.sizeHint().width(), run_box.sizeHint().width())
                 + self.settings_scroll.verticalScrollBar().sizeHint().width()
                 + 2 * self.settings_scroll.frameWidth() + 2)
        left = QWidget()
        left.setObjectName("trainingControls")
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.settings_scroll, 1)
        ll.addWidget(run_box)
        left.setFixedWidth(width)

        self.plots = TrainingPlots()
        self.loss_plot = self.plots.loss_plot
        self.evaluation_view = EvaluationView()
        self.evaluation_view.evaluate_button.setText("Evaluate current model")
        self.evaluation_view.evaluate_button.setVisible(True)
        self.view_tabs = QTabWidget()
        self.view_tabs.addTab(self.plots, "Curves")
        self.view_tabs.addTab(self.evaluation_view, "Evaluation")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(left)
        layout.addWidget(self.view_tabs, 1)
        self._settings_widgets = [self.full_radio, self.subset_radio, self.subset_spin,
                                  self.test_spin, self.current_radio, self.fresh_radio,
                                  self.preset_combo, self.epochs_spin, self.batch_spin,
                                  self.optimizer_combo, self.lr_spin, self.schedule_combo,
                                  self.momentum_spin, self.weight_decay_spin, self.augment_check,
                                  self.seed_spin]

    def _connect(self) -> None:
        self.start_button.clicked.connect(self.start_training)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.stop_button.clicked.connect(self.stop_training)
        self.use_button.clicked.connect(self.use_trained_model)
        self.save_button.clicked.connect(self._save_clicked)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_download_button.clicked.connect(self.cancel_download)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_changed)
        self.preset_combo.currentIndexChanged.connect(self._update_enabled)
        for b in (self.full_radio, self.subset_radio, self.current_radio, self.fresh_radio):
            b.toggled.connect(self._update_enabled)
        self.evaluation_view.evaluate_button.clicked.connect(self.evaluate_current_model)
        self.evaluation_view.sigEvaluated.connect(self._view_evaluated)

    # ================================================================ public API
    def is_training(self) -> bool:
        """True from Start until the training thread has ended."""
        return self._job is not None

    @property
    def paused(self) -> bool:
        return self._worker is not None and self._worker.paused

    @property
    def dataset(self) -> Optional[Dataset]:
        return self._dataset

    def set_data(self, data: Dataset) -> None:
        """Use an already loaded dataset (skips reading MNIST)."""
        self._dataset = data
        self._refresh_data_status()

    def set_current_model(self, model: Optional[Model]) -> None:
        """The model the window uses now (ignored while it is our live model)."""
        if model is not None and model is self.live_model:
            return
        self._current_model = model
        label = "Current model's weights"
        if model is not None:
            preset = model.metadata.get("preset")
            label += f" ({preset})" if preset else ""
        else:
            self.fresh_radio.setChecked(True)
        self.current_radio.setText(label)
        self._update_enabled()

    def config(self) -> TrainConfig:
        """The :class:`TrainConfig` the controls describe."""
        subset = None if self.full_radio.isChecked() else int(self.subset_spin.value())
        tests = int(self.test_spin.value())
        return TrainConfig(
            epochs=int(self.epochs_spin.value()), batch_size=int(self.batch_spin.value()),
            optimizer=self.optimizer_combo.currentData(), lr=float(self.lr_spin.value()),
            momentum=float(self.momentum_spin.value()),
            weight_decay=float(self.weight_decay_spin.value()),
            schedule=self.schedule_combo.currentData(), augment=self.augment_check.isChecked(),
            seed=int(self.seed_spin.value()), subset=subset,
            eval_subset=None if tests >= FULL_TEST_SET else tests)

    def set_config(self, config: TrainConfig, preset: Optional[str] = None, fresh: Optional[bool] = None) -> None:
        """Set the controls from ``config`` (and the preset / initialisation)."""
        self.epochs_spin.setValue(config.epochs)
        self.batch_spin.setValue(config.batch_size)
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(config.optimizer))
        self.lr_spin.setValue(config.lr)
        self.momentum_spin.setValue(config.momentum)
        self.weight_decay_spin.setValue(config.weight_decay)
        self.schedule_combo.setCurrentIndex(self.schedule_combo.findData(config.schedule))
        self.augment_check.setChecked(config.augment)
        self.seed_spin.setValue(config.seed)
        if config.subset is None:
            self.full_radio.setChecked(True)
        else:
            self.subset_radio.setChecked(True)
            self.subset_spin.setValue(config.subset)
        self.test_spin.setValue(FULL_TEST_SET if config.eval_subset is None else config.eval_subset)
        if preset is not None:
            self.preset_combo.setCurrentIndex(self.preset_combo.findData(preset))
        if fresh is not None:
            (self.fresh_radio if fresh else self.current_radio).setChecked(True)

    def start_training(self) -> bool:
        """Start a run with the current settings. Returns False if it could not start."""
        if self.is_training():
            return False
        try:
            config = self.config()
            config.validate()
        except ValueError as exc:
            self._set_status("Cannot start with these settings.", str(exc))
            return False
        if self._dataset is None and data_status(self.data_dir)[1]:
            self._set_status("MNIST is missing: download it first.")
            self._refresh_data_status()
            return False
        if self.current_radio.isChecked() and self._current_model is not None:
            model = self._current_model.clone()
            self._run_started_from = f"the weights of {self._describe(self._current_model)}"
        else:
            preset = self.preset_combo.currentData()
            model = presets.build(preset, np.random.default_rng(config.seed))
            self._run_started_from = f"fresh {preset} weights (seed {config.seed})"
        for key in ("test_accuracy", "untrained", "command", "epochs", "training",
                    "test_images", "trained_in_app"):
            model.metadata.pop(key, None)
        self.evaluation_view.cancel()
        self._closing = False
        self.live_model = model.clone()
        self.live_model.eval()
        self.trained_model = None
        self.finished_report = None
        self._last_step = self._last_epoch = self._last_evaluation = None
        self._run_info = None
        self._stop_clicked_at = None
        self.last_stop_latency_s = None
        self.progress_batches = self.steps_received = 0
        data = self._dataset if self._dataset is not None else MnistSource(self.data_dir)
        worker = TrainingWorker(model, data, config, nice=self.worker_nice,
                                switch_interval_s=self.switch_interval_s)
        job = WorkerThread(worker, "training")
        # Only bound methods of this GUI-thread widget: Qt queues them to the GUI thread.
        worker.sigDataLoaded.connect(self._data_loaded)
        worker.sigStarted.connect(self._run_started)
        worker.sigProgress.connect(self._progress)
        worker.sigWeightsSnapshot.connect(self._snapshot)
        worker.sigEpochFinished.connect(self._epoch_finished)
        worker.sigEvaluated.connect(self._epoch_evaluated)
        worker.sigFinished.connect(self._finished)
        worker.sigFailed.connect(self._failed)
        job.sigDone.connect(self._thread_done)
        self._worker, self._job = worker, job
        self.plots.start_run(config.epochs)
        self.progress.setRange(0, 0)  # busy until the first step
        self.progress.setValue(0)
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        self.pause_button.blockSignals(False)
        self.result_label.setText("")
        self._set_status("Loading MNIST\u2026" if self._dataset is None else "Starting\u2026")
        self._update_enabled()
        job.start()
        self.sigTrainingStarted.emit()
        return True

    def pause_training(self) -> None:
        if self._worker is not None:
            self.pause_button.setChecked(True)

    def resume_training(self) -> None:
        if self._worker is not None:
            self.pause_button.setChecked(False)

    def stop_training(self) -> None:
        """Ask the run to stop after the current step (returns at once)."""
        if self._worker is not None and not self._worker.stop_requested:
            self._stop_clicked_at = time.perf_counter()
            self._worker.request_stop()
            self._set_status("Stopping\u2026")
            self._update_enabled()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop training, evaluation, loading and downloads and wait for their
        threads (call before the window closes). Returns True if all ended.

        A training step cannot be interrupted, so this waits at most one step
        beyond ``timeout_ms`` rather than leave a running ``QThread`` behind
        (destroying one aborts the process).
        """
        self._closing = True  # no new work (e.g. the final evaluation) from here on
        ok = True
        if self._download is not None:
            self._download.cancel()
            ok &= self._download.wait(min(timeout_ms, 1000) / 1000)  # daemon thread: may be left
        job = self._job
        if job is not None:
            self._worker.request_stop()
            if not job.wait(timeout_ms):
                ok = False
                job.wait()  # a step always ends; never leave a running QThread behind
        if self._loader is not None:
            self._loader.wait()
        QApplication.processEvents()  # deliver the final signals (sigTrainingFinished)
        ok &= self.evaluation_view.shutdown(timeout_ms)
        return ok

    def use_trained_model(self) -> None:
        """Emit ``sigUseModel(trained model)`` (the window makes it current)."""
        if self.trained_model is not None:
            self._current_model = self.trained_model
            self.sigUseModel.emit(self.trained_model)
            self._set_status(f"Now using the trained model ({self._describe(self.trained_model)}).")

    def save_trained_model(self, path) -> bool:
        """Write the trained model to ``path`` (atomic: temp file + rename)."""
        if self.trained_model is None:
            return False
        try:
            self.trained_model.save(path)
        except (OSError, ValueError) as exc:
            self._set_status("Saving failed.", f"Saving to {path} failed: {exc}")
            return False
        self.trained_model.source = os.fspath(path)
        self._set_status(f"Saved {Path(path).name}.")
        return True

    def evaluate_current_model(self) -> None:
        """Evaluate the window's model on the test set (off the GUI thread)."""
        if self._current_model is None or self.is_training():
            return
        self._with_data(self._evaluate_current)

    # ================================================================ data
    def _refresh_data_status(self) -> None:
        downloading = self._download is not None
        if self._dataset is not None:
            self.data_label.setText("MNIST loaded.")
            missing = ()
        else:
            folder, missing = data_status(self.data_dir)
            if missing:
                self.data_label.setText(f"MNIST is not in {folder} ({len(missing)} of 4 files "
                                        f"missing). Download it once (about 11 MB), or point "
                                        f"CNN_PLAYGROUND_DATA at a folder holding it.")
            else:
                self.data_label.setText(f"MNIST: {folder}")
        self.download_button.setVisible(bool(missing) and not downloading)
        self.download_progress.setVisible(downloading)
        self.cancel_download_button.setVisible(downloading)
        self._update_enabled()

    def _mnist_missing(self) -> bool:
        return self._dataset is None and bool(data_status(self.data_dir)[1])

    def start_download(self) -> None:
        """Download the missing MNIST files (progress bar, Cancel)."""
        if self._download is not None:
            return
        job = DownloadJob(self.data_dir)
        job.sigProgress.connect(self._download_progress)
        job.sigFinished.connect(self._download_finished)
        job.sigCancelled.connect(self._download_cancelled)
        job.sigFailed.connect(self._download_failed)
        self._download = job
        self.download_progress.setRange(0, 0)
        self._refresh_data_status()
        self.data_label.setText(f"Downloading MNIST into {job.folder}\u2026")
        job.start()

    def cancel_download(self) -> None:
        if self._download is not None:
            self._download.cancel()
            self.data_label.setText("Cancelling\u2026")

    def _download_progress(self, done: int, total: int, name: str) -> None:
        if total > 0:
            self.download_progress.setRange(0, 1000)
            self.download_progress.setValue(int(1000 * min(done, total) / total))
            self.download_progress.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _download_finished(self, folder: str) -> None:
        self._download = None
        self._refresh_data_status()
        self._set_status("MNIST downloaded and verified.")

    def _download_cancelled(self) -> None:
        self._download = None
        self._refresh_data_status()
        self._set_status("Download cancelled; nothing was kept.")

    def _download_failed(self, message: str) -> None:
        self._download = None
        self._refresh_data_status()
        self._set_status("The download failed.", message)

    def _with_data(self, then) -> None:
        """Call ``then()`` once the dataset is loaded (loads it off the GUI thread)."""
        if self._dataset is not None:
            then()
            return
        if self._mnist_missing():
            self._set_status("MNIST is missing: download it first.")
            return
        if self._loader is not None:
            return
        worker = CallWorker(MnistSource(self.data_dir))
        job = WorkerThread(worker, "mnist-loader")
        worker.sigFinished.connect(self._data_loaded)
        worker.sigFailed.connect(self._load_failed)
        job.sigDone.connect(self._loader_done)
        self._after_load = then
        self._loader = job
        self._set_status("Loading MNIST\u2026")
        job.start()

    def _load_failed(self, message: str) -> None:
        self._set_status("Could not load MNIST.", message)

    def _loader_done(self) -> None:
        self._loader = None
        then, self._after_load = self._after_load, None
        if then is not None and self._dataset is not None:
            then()

    def _data_loaded(self, data: Dataset) -> None:
        self._dataset = data
        self._refresh_data_status()

    # ============================================================ worker relays
    def _run_started(self, info: RunInfo) -> None:
        self._run_info = info
        self.plots.set_total_steps(info.total_steps)
        self.progress.setRange(0, info.total_steps)
        self._set_status(f"Training on {info.train_images:,} images, testing on "
                         f"{info.test_images:,}: {info.epochs} epoch(s) of "
                         f"{info.steps_per_epoch:,} steps\u2026")

    def _progress(self, reports: list[StepReport]) -> None:
        self.progress_batches += 1
        self.steps_received += len(reports)
        self.plots.add_steps(reports)
        last = reports[-1]
        self._last_step = last
        now = time.perf_counter()
        if self._worker is not None and not self._worker.stop_requested and \
                (now - self._progress_shown_at >= PROGRESS_TEXT_INTERVAL_S
                 or last.step == last.total_steps):
            self._progress_shown_at = now
            self._show_progress(last)
        self.sigProgress.emit(reports)

    def _show_progress(self, last: StepReport) -> None:
        self.progress.setValue(last.step)
        paused = " (paused)" if self.paused else ""
        self.progress_label.setText(
            f"Epoch {last.epoch}/{self._run_info.epochs if self._run_info else '?'} · "
            f"step {last.step:,}/{last.total_steps:,} · loss {last.loss:.3f}{paused}\n"
            f"{last.images_per_s:,.0f} images/s · "
            f"{_format_duration(estimate_remaining_s(last))} left")

    def _snapshot(self, weights: dict) -> None:
        if self.live_model is not None:
            self.live_model.set_weights(weights)
        self.sigLiveWeights.emit(weights)

    def _epoch_finished(self, report: EpochReport) -> None:
        self._last_epoch = report
        self.plots.add_epoch(report)
        if self.live_model is not None and self._run_info is not None \
                and self._run_info.test_images >= self._test_count():
            self.live_model.metadata["test_accuracy"] = report.test_accuracy  # for the status bar
        self.result_label.setText(f"Epoch {report.epoch}: test accuracy "
                                  f"<b>{report.test_accuracy:.2%}</b>, train accuracy "
                                  f"{report.train_accuracy:.2%}")
        self.sigEpochFinished.emit(report)

    def _epoch_evaluated(self, result: EvalResult) -> None:
        self._last_evaluation = result
        if self._dataset is not None:
            epoch = (self._last_epoch.epoch + 1) if self._last_epoch else 1
            self.evaluation_view.show_result(result, self._dataset.test_images,
                                             f"Training, epoch {epoch}")
        self.sigEvaluated.emit(result)

    def _finished(self, report: FinishedReport) -> None:
        if self._stop_clicked_at is not None:
            self.last_stop_latency_s = time.perf_counter() - self._stop_clicked_at
        self.finished_report = report
        worker = self._worker
        model = worker.model
        self.trained_model = model if report.steps > 0 else None
        if self.trained_model is not None:
            md = model.metadata
            md.update(trained_in_app=True, training=worker.describe,
                      epochs=report.epochs_completed, steps=report.steps,
                      started_from=self._run_started_from)
            full = self._run_info is not None and self._run_info.test_images >= self._test_count()
            final = self._last_evaluation is not None and report.reason == "completed"
            if final and full:
                md["test_accuracy"] = self._last_evaluation.accuracy
            else:  # evaluate the final weights on the whole test set
                self.evaluation_view.cancel()
                if self._dataset is not None and not self._closing:
                    self.evaluation_view.evaluate(model, self._dataset.test_images,
                                                  self._dataset.test_labels,
                                                  "Trained model, final weights")
                    self._final_eval_model = model
        how = {"completed": "Finished", "stopped": "Stopped", "diverged": "Diverged"}.get(
            report.reason, report.reason)
        acc = "" if report.test_accuracy is None else f" · test accuracy {report.test_accuracy:.2%}"
        self._set_status(f"{how} after {report.steps:,} steps ({report.epochs_completed} "
                         f"epoch(s), {_format_duration(report.elapsed_s)}){acc}.",
                         report.message if report.reason == "diverged" else None)
        if report.reason == "completed":
            self.progress.setValue(self.progress.maximum())
        self.sigTrainingFinished.emit(report)

    def _failed(self, message: str) -> None:
        self._set_status("Training failed.", message)
        self.sigTrainingFailed.emit(message)

    def _thread_done(self) -> None:
        self._job = self._worker = None
        self.live_model = None
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self._update_enabled()

    def _view_evaluated(self, result: EvalResult) -> None:
        model = getattr(self, "_final_eval_model", None)
        if model is not None and model is self.trained_model and \
                len(result.labels) >= self._test_count():
            model.metadata["test_accuracy"] = result.accuracy
            self._final_eval_model = None
            self.result_label.setText(f"Trained model: test accuracy <b>{result.accuracy:.2%}</b> "
                                      f"on all {len(result.labels):,} test images")
            self.sigTrainedModelUpdated.emit(model)
        self.sigEvaluated.emit(result)

    def _test_count(self) -> int:
        """Number of test images in the dataset (10,000 for MNIST)."""
        return len(self._dataset.test_labels) if self._dataset is not None else FULL_TEST_SET

    def _evaluate_current(self) -> None:
        self._final_eval_model = None
        self.view_tabs.setCurrentWidget(self.evaluation_view)
        self.evaluation_view.evaluate(self._current_model, self._dataset.test_images,
                                      self._dataset.test_labels,
                                      f"Current model ({self._describe(self._current_model)})")

    # ================================================================ controls
    def _pause_toggled(self, on: bool) -> None:
        if self._worker is None:
            return
        if on:
            self._worker.pause()
            self.pause_button.setText("Resume")
            self._set_status("Paused (after the current step).")
        else:
            self._worker.resume()
            self.pause_button.setText("Pause")
            self._set_status("Training\u2026")

    def _optimizer_changed(self) -> None:
        opt = self.optimizer_combo.currentData()
        other = "sgd" if opt == "adam" else "adam"
        if abs(self.lr_spin.value() - DEFAULT_LR[other]) < 1e-12:
            self.lr_spin.setValue(DEFAULT_LR[opt])
        self._update_enabled()

    def _update_enabled(self) -> None:
        training = self.is_training()
        stopping = training and self._worker is not None and self._worker.stop_requested
        for w in self._settings_widgets:
            w.setEnabled(not training)
        if not training:
            self.subset_spin.setEnabled(self.subset_radio.isChecked())
            self.current_radio.setEnabled(self._current_model is not None)
            self.preset_combo.setEnabled(self.fresh_radio.isChecked())
            self.momentum_spin.setEnabled(self.optimizer_combo.currentData() == "sgd")
        self.preset_note.setText(PRESET_NOTES.get(self.preset_combo.currentData(), "")
                                 if self.fresh_radio.isChecked() else
                                 "Continue training the network the canvas uses.")
        self.start_button.setEnabled(not training and not self._mnist_missing()
                                     and self._download is None)
        self.pause_button.setEnabled(training and not stopping)
        self.stop_button.setEnabled(training and not stopping)
        has_result = self.trained_model is not None and not training
        self.use_button.setEnabled(has_result)
        self.save_button.setEnabled(has_result)
        self.evaluation_view.evaluate_button.setEnabled(
            not training and self._current_model is not None and not self._mnist_missing())

    def _set_status(self, text: str, detail: Optional[str] = None) -> None:
        """Short status under the progress bar (2 lines); ``detail`` goes below it."""
        self.progress_label.setText(text)
        self.progress_label.setToolTip(text if detail is None else f"{text}\n{detail}")
        if detail is not None:
            self.result_label.setText(detail)

    def _save_clicked(self) -> None:
        if self.trained_model is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) \
            or os.getcwd()
        preset = self.trained_model.metadata.get("preset", "model")
        acc = self.trained_model.metadata.get("test_accuracy")
        name = f"trained-{preset}" + (f"-{acc * 100:.2f}" if isinstance(acc, float) else "") + ".npz"
        path, _ = QFileDialog.getSaveFileName(self, "Save trained model", os.path.join(folder, name),
                                              MODEL_FILTER)
        if path and not self.save_trained_model(path):
            QMessageBox.warning(self, "Could not save the model", self.result_label.text())

    @staticmethod
    def _describe(model: Model) -> str:
        if model.source:
            return Path(model.source).name
        return str(model.metadata.get("preset") or "model")

    # ================================================================ theme
    def apply_theme(self, theme) -> None:
        """Match the window's light/dark theme (a :class:`gui.theme.Theme`)."""
        self.plots.apply_theme(theme)
        self.evaluation_view.apply_theme(theme)


# ======================================================================== hookup
class _CloseGuard(QObject):
    """Event filter: stop training before the window handles its close event."""

    def __init__(self, panel: TrainingPanel, parent: QObject):
        super().__init__(parent)
        self.panel = panel

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Close:
            self.panel.shutdown()
        return False


class _WindowBridge(QObject):
    """Connects a :class:`TrainingPanel` to a ``MainWindow``: live weights on the
    canvas while training, the previous model back afterwards, "Use this model"."""

    def __init__(self, window, panel: TrainingPanel):
        super().__init__(window)
        self.window, self.panel = window, panel
        self.previous: Optional[Model] = None
        self.live: Optional[Model] = None
        panel.sigTrainingStarted.connect(self.training_started)
        panel.sigLiveWeights.connect(self.live_weights)
        panel.sigTrainingFinished.connect(self.training_finished)
        panel.sigTrainingFailed.connect(self.training_failed)
        panel.sigUseModel.connect(self.use_model)
        panel.sigTrainedModelUpdated.connect(self.model_updated)
        window.sigModelChanged.connect(panel.set_current_model)

    def training_started(self) -> None:
        live = self.panel.live_model
        if live is None:
            return
        self.previous, self.live = self.window.model, live
        self.window.set_model(live)  # the canvas now follows the training weights
        self.window.set_model_note("training: live weights")

    def live_weights(self, _weights: dict) -> None:
        if self.panel.live_model is not None and self.window.model is self.panel.live_model:
            self.window.notify_weights_changed()

    def _restore(self) -> None:
        self.window.set_model_note("")
        # unless the user opened another model meanwhile, show the one from before
        if self.previous is not None and self.live is not None and self.window.model is self.live:
            self.window.set_model(self.previous)
        self.previous = self.live = None

    def training_finished(self, _report: FinishedReport) -> None:
        self._restore()

    def training_failed(self, message: str) -> None:
        self._restore()
        self.window.statusBar().showMessage(message, 8000)

    def use_model(self, model: Model) -> None:
        self.window.set_model(model)

    def model_updated(self, model: Model) -> None:
        if self.window.model is model:
            self.window.notify_weights_changed()  # refreshes the status bar's accuracy


def attach_training_panel(window, title: str = "Training") -> TrainingPanel:
    """Add a :class:`TrainingPanel` to ``window`` (a ``gui.main_window.MainWindow``)
    as a tab, wire it up and return it.

    Uses the window's public API: ``window.model``, ``window.set_model(model)``,
    ``window.notify_weights_changed()``, ``window.add_tab(widget, title, tip)``,
    ``window.sigModelChanged``, ``window.statusBar()``. Adds
    ``window.training_panel`` and ``window.is_training()``; closing the window
    stops a run first (an event filter calls :meth:`TrainingPanel.shutdown`
    before the window's own ``closeEvent``; ``aboutToQuit`` is a backstop).
    Calling it again returns the panel already attached.
    """
    existing = getattr(window, "training_panel", None)
    if isinstance(existing, TrainingPanel):
        return existing
    panel = TrainingPanel(current_model=window.model)
    window.add_tab(panel, title, "Train a network on MNIST and watch it learn")
    window.training_panel = panel
    window.is_training = panel.is_training
    window._training_bridge = _WindowBridge(window, panel)
    guard = _CloseGuard(panel, window)
    window.installEventFilter(guard)
    window._training_close_guard = guard
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.shutdown)
    return panel


__all__ = ["TrainingPanel", "attach_training_panel"]

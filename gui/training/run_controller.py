"""The lifecycle of one training run in the app, as an explicit state machine.

::

    IDLE --start--> LOADING --data ready--> RUNNING <--pause/resume--> PAUSED
                                              |  \\________stop_________   |
                                              v                        v  v
                                 FINISHED / FAILED  <--run ended--  STOPPING

:class:`RunController` is a ``QObject``, not a widget: it owns the
:class:`~gui.workers.training_worker.TrainingWorker` and its thread, turns
the worker's signals into state changes, and re-emits what the views need.
Whatever the state, :meth:`RunController.shutdown` ends the run and its
thread (a training step cannot be interrupted, so it may wait one step).
"""
from __future__ import annotations

import enum
import time

from PySide6.QtCore import QObject, Signal

from engine.data.dataset import Dataset
from engine.nn.model import Model
from engine.training.config import TrainConfig
from engine.training.reports import EpochReport, FinishedReport, RunPlan, StepReport

from ..workers.training_worker import DataSource, TrainingWorker, WatcherFactory
from ..workers.worker_thread import WorkerThread

#: Training threads' OS priority decrease (Linux nice) and the GIL switch interval
#: during training. Measured with ``python -m gui.tools.bench_training``: since the
#: GUI thread's work was cut to ~7 % of a core, nice 0 and a 5 ms interval measure
#: the same (86-91 % of the benchmark's throughput with the event-loop probe
#: running, p99 15-16 ms); these values keep the margin when the GUI does more.
WORKER_NICE = 5
SWITCH_INTERVAL_S = 0.001


class RunState(enum.Enum):
    IDLE = "idle"            # no run yet
    LOADING = "loading"      # the worker thread loads MNIST
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"    # stop requested; the current step (or chunk) ends it
    FINISHED = "finished"    # completed, stopped or diverged (see the FinishedReport)
    FAILED = "failed"        # an exception in the run

    @property
    def active(self) -> bool:
        """A run (and its thread) is under way."""
        return self in (RunState.LOADING, RunState.RUNNING, RunState.PAUSED, RunState.STOPPING)


class RunController(QObject):
    """Start, pause, resume and stop training runs; one at a time.

    Signals (GUI thread):

    * ``sigStateChanged(RunState)``;
    * ``sigDataLoaded(Dataset)`` - the worker loaded MNIST (keep it for the next run);
    * ``sigStarted(RunPlan)``; ``sigProgress(list[StepReport])``;
    * ``sigWeights(dict)`` - a snapshot of the training weights (~5 per second);
    * ``sigEpochFinished(EpochReport)``;
    * ``sigWatched(object)`` - what the run's watchers report (checkpoints,
      training dynamics; see :meth:`set_watchers`);
    * ``sigFinished(FinishedReport)`` or ``sigFailed(str)`` - the run is over
      (its thread may still be ending: do not read :attr:`model` yet);
    * ``sigEnded()`` - the run's thread has ended: :attr:`model` may be read.
    """

    sigStateChanged = Signal(object)
    sigDataLoaded = Signal(object)
    sigStarted = Signal(object)
    sigProgress = Signal(object)
    sigWeights = Signal(object)
    sigEpochFinished = Signal(object)
    sigWatched = Signal(object)
    sigFinished = Signal(object)
    sigFailed = Signal(str)
    sigEnded = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._state = RunState.IDLE
        self._worker: TrainingWorker | None = None
        self._thread: WorkerThread | None = None
        self._stop_clicked_at: float | None = None
        self.worker_nice = WORKER_NICE
        self.switch_interval_s: float | None = SWITCH_INTERVAL_S
        self._watchers: WatcherFactory | None = None
        self.model: Model | None = None          # the model being (or last) trained
        self.config: TrainConfig | None = None
        self.plan: RunPlan | None = None
        self.number = 0                # runs that got under way, the last one's number (1, 2…)
        self.last_step: StepReport | None = None
        self.last_epoch: EpochReport | None = None
        self.finished_report: FinishedReport | None = None
        self.progress_batches = 0      # sigProgress batches received (tests, benchmarks)
        self.steps_received = 0
        self.last_stop_latency_s: float | None = None  # Stop -> report received
        self.worker_stop_latency_s: float | None = None  # stop request -> run over

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> RunState:
        return self._state

    @property
    def active(self) -> bool:
        """True from :meth:`start` until the run's thread has ended."""
        return self._state.active

    def _set_state(self, state: RunState) -> None:
        if state is not self._state:
            self._state = state
            self.sigStateChanged.emit(state)

    # --------------------------------------------------------------- control
    def set_scheduling(self, nice: int, switch_interval_s: float | None) -> None:
        """OS priority decrease of the training threads and the GIL switch
        interval for the next runs (benchmarks compare settings)."""
        self.worker_nice, self.switch_interval_s = int(nice), switch_interval_s

    def set_watchers(self, factory: WatcherFactory | None) -> None:
        """What watches the next runs: ``factory(model, dataset)`` returns the
        trainer's watchers, called in the training thread once the data is loaded."""
        self._watchers = factory

    def start(self, model: Model, config: TrainConfig, data: DataSource) -> bool:
        """Train ``model`` in place (pass a copy) on ``data`` (a :class:`Dataset`,
        or a callable loading one in the worker thread). False while a run is active."""
        if self.active:
            return False
        self.model, self.config = model, config
        self.plan = self.last_step = self.last_epoch = self.finished_report = None
        self.progress_batches = self.steps_received = 0
        self._stop_clicked_at = self.last_stop_latency_s = self.worker_stop_latency_s = None
        worker = TrainingWorker(model, data, config, nice=self.worker_nice,
                                switch_interval_s=self.switch_interval_s, watchers=self._watchers)
        thread = WorkerThread(worker, "training")
        # Only bound methods of this GUI-thread object: Qt queues them to the GUI thread.
        worker.sigDataLoaded.connect(self._data_loaded)
        worker.sigStarted.connect(self._started)
        worker.sigProgress.connect(self._progress)
        worker.sigWeightsSnapshot.connect(self._weights)
        worker.sigEpochFinished.connect(self._epoch_finished)
        worker.sigWatched.connect(self._watched)
        worker.sigFinished.connect(self._finished)
        worker.sigFailed.connect(self._failed)
        thread.sigDone.connect(self._thread_done)
        self._worker, self._thread = worker, thread
        self._set_state(RunState.LOADING if not isinstance(data, Dataset) else RunState.RUNNING)
        thread.start()
        return True

    def pause(self) -> None:
        if self._state is RunState.RUNNING or self._state is RunState.LOADING:
            self._worker.pause()
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self._state is RunState.PAUSED:
            self._worker.resume()
            self._set_state(RunState.RUNNING if self.plan is not None else RunState.LOADING)

    def stop(self) -> None:
        """Ask the run to stop after the current step (returns at once)."""
        if self.active and self._state is not RunState.STOPPING:
            self._stop_clicked_at = time.perf_counter()
            self._worker.request_stop()
            self._set_state(RunState.STOPPING)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop the run and wait for its thread; True if it ended within
        ``timeout_ms`` (it is waited for anyway: a running ``QThread`` must
        never be destroyed)."""
        if self._thread is None:
            return True
        self.stop()
        ok = self._thread.wait(timeout_ms)
        if not ok:
            self._thread.wait()
        return ok

    # ------------------------------------------------------ worker relays
    def _data_loaded(self, data: Dataset) -> None:
        self.sigDataLoaded.emit(data)

    def _started(self, plan: RunPlan) -> None:
        self.plan = plan
        self.number += 1
        if self._state is RunState.LOADING:
            self._set_state(RunState.RUNNING)   # (paused while loading: stays paused)
        self.sigStarted.emit(plan)

    def _progress(self, reports: list[StepReport]) -> None:
        self.progress_batches += 1
        self.steps_received += len(reports)
        self.last_step = reports[-1]
        self.sigProgress.emit(reports)

    def _weights(self, weights: dict) -> None:
        self.sigWeights.emit(weights)

    def _epoch_finished(self, report: EpochReport) -> None:
        self.last_epoch = report
        self.sigEpochFinished.emit(report)

    def _watched(self, report: object) -> None:
        self.sigWatched.emit(report)

    def _finished(self, report: FinishedReport) -> None:
        if self._stop_clicked_at is not None:
            self.last_stop_latency_s = time.perf_counter() - self._stop_clicked_at
        self.finished_report = report
        self.sigFinished.emit(report)

    def _failed(self, message: str) -> None:
        self.sigFailed.emit(message)

    def _thread_done(self) -> None:
        worker = self._worker
        self.worker_stop_latency_s = worker.stop_latency_s if worker is not None else None
        self._worker = self._thread = None
        self._set_state(RunState.FINISHED if self.finished_report is not None else RunState.FAILED)
        self.sigEnded.emit()

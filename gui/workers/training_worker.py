"""Training off the GUI thread: a thin Qt relay around the engine's trainer.

The engine's :class:`engine.training.trainer.Trainer` is a plain generator of
reports; :class:`TrainingWorker` (a ``QObject`` moved onto a ``QThread`` by
:class:`~gui.workers.worker_thread.WorkerThread`) iterates it and re-emits
what it yields as signals, coalesced so the GUI thread gets at most 10
progress batches and ~5 weight snapshots a second::

    worker = TrainingWorker(model.clone(), dataset, TrainConfig(epochs=3))
    job = WorkerThread(worker, "training")
    worker.sigProgress.connect(plots.add_steps)
    job.start()
    ...
    worker.request_stop()                 # from the GUI thread, any time
    job.wait(2000)

Control methods (``request_stop``, ``pause``, ``resume``) are plain,
thread-safe methods called directly from the GUI thread - not queued slots,
because the worker thread is busy inside ``run()`` and never returns to its
event loop until the run is over. The trainer honours them between steps
and between the chunks of its end-of-epoch evaluation, so a stop ends the
run within one step or one chunk (~50 ms).
"""
from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Sequence

from PySide6.QtCore import QObject, Signal, Slot

from engine.data.dataset import Dataset
from engine.nn.model import Model
from engine.training.config import TrainConfig
from engine.training.reports import EpochReport, FinishedReport, StepReport
from engine.training.trainer import Trainer
from engine.training.watchers import RunWatcher

#: Progress batches are emitted at most this often (s): 10 Hz, the rate the
#: loss curve is redrawn at (gui.training.plots.REDRAW_PERIOD_S); <= 30 Hz.
PROGRESS_INTERVAL_S = 0.1
#: Weight snapshots for "learning you can see" at most this often (s).
SNAPSHOT_INTERVAL_S = 0.2

DataSource = Dataset | Callable[[], Dataset]
#: Makes the run's watchers (checkpoints, dynamics) in the worker thread, once
#: the data is loaded: ``factory(model, dataset) -> watchers``.
WatcherFactory = Callable[[Model, Dataset], Sequence[RunWatcher]]


@dataclass(frozen=True)
class MnistSource:
    """Where to load MNIST from, lazily, in the worker thread.

    ``data_dir=None`` resolves through :func:`engine.data.mnist.resolve_data_dir`
    (``CNN_PLAYGROUND_DATA``, else the per-user cache). Never downloads: the
    training panel's data box does that first, with a progress bar.
    """
    data_dir: str | None = None

    def __call__(self) -> Dataset:
        from engine.data.mnist import load_mnist
        return Dataset.from_mnist(load_mnist(self.data_dir, download=False, progress=False))


class TrainingWorker(QObject):
    """Runs a :class:`Trainer` on ``model`` (trained in place: pass a clone) in
    whatever thread it has been moved to; ``run()`` is the entry slot.

    :param model: the model to train (owned by the worker while it runs; read
        it from the GUI thread only after ``sigDone``)
    :param data: a :class:`Dataset`, or a callable returning one (called in the
        worker thread, e.g. :class:`MnistSource`); the loaded dataset is
        emitted with ``sigDataLoaded`` so the caller can keep it
    :param config: the run's :class:`TrainConfig`
    :param nice: if > 0, lower the OS priority of the training threads by this
        much (Linux ``setpriority`` on the thread; the trainer's slice threads,
        started from it, inherit it), so the GUI thread wins the CPU at once
    :param switch_interval_s: if given, ``sys.setswitchinterval`` during the run
        (restored after): how long the GUI thread may wait for the GIL while
        training threads run Python code between NumPy kernels (default 5 ms)
    :param watchers: makes the trainer's watchers once the data is loaded
        (:data:`WatcherFactory`); what they report is emitted with ``sigWatched``

    Signals (emitted from the worker thread):

    * ``sigDataLoaded(Dataset)`` - only when ``data`` was a callable;
    * ``sigStarted(RunPlan)`` - the trainer is built;
    * ``sigProgress(list[StepReport])`` - the steps since the last batch, <= 10 Hz;
    * ``sigWeightsSnapshot(dict)`` - ``{name: array copy}`` taken between two
      steps, at most every ~200 ms, and once more at the end;
    * ``sigEpochFinished(EpochReport)`` - with the epoch's test-set evaluation;
    * ``sigWatched(object)`` - a report of a watcher (e.g. a checkpoint or the
      training dynamics), as the trainer yields it (they are rare: a few a second);
    * ``sigFinished(FinishedReport)`` or ``sigFailed(str)``, then always ``sigDone()``.
    """

    sigDataLoaded = Signal(object)
    sigStarted = Signal(object)
    sigProgress = Signal(object)
    sigWeightsSnapshot = Signal(object)
    sigEpochFinished = Signal(object)
    sigWatched = Signal(object)
    sigFinished = Signal(object)
    sigFailed = Signal(str)
    sigDone = Signal()

    def __init__(self, model: Model, data: DataSource, config: TrainConfig, *, nice: int = 0,
                 switch_interval_s: float | None = None,
                 progress_interval_s: float = PROGRESS_INTERVAL_S,
                 snapshot_interval_s: float = SNAPSHOT_INTERVAL_S,
                 watchers: WatcherFactory | None = None):
        super().__init__()
        config.validate()
        self.model, self.config = model, config
        self._data = data
        self._nice = nice
        self._switch_interval = switch_interval_s
        self._progress_interval = progress_interval_s
        self._snapshot_interval = snapshot_interval_s
        self._watchers = watchers
        self._lock = threading.Lock()
        self._trainer: Trainer | None = None
        self._stop = threading.Event()
        self._paused = False
        self._stop_requested_at: float | None = None
        #: seconds from request_stop() to the end of the run (measured in the worker thread)
        self.stop_latency_s: float | None = None

    # ------------------------------------------------ control (any thread)
    def request_stop(self) -> None:
        """End the run after the current step or evaluation chunk (also wakes a pause)."""
        with self._lock:
            if not self._stop.is_set():
                self._stop_requested_at = time.perf_counter()
            self._stop.set()
            if self._trainer is not None:
                self._trainer.request_stop()

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self._trainer is not None:
                self._trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self._trainer is not None:
                self._trainer.resume()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------ worker thread
    @Slot()
    def run(self) -> None:
        old_interval = sys.getswitchinterval()
        try:
            if self._switch_interval:
                sys.setswitchinterval(self._switch_interval)
            self._lower_priority()
            self._run()
        except Exception as exc:  # report, never kill the thread with an exception
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            self.sigFailed.emit(f"training failed: {detail}")
            traceback.print_exc()
        finally:
            if self._switch_interval:
                sys.setswitchinterval(old_interval)
            if self._stop_requested_at is not None:
                self.stop_latency_s = time.perf_counter() - self._stop_requested_at
            self.sigDone.emit()

    def _lower_priority(self) -> None:
        if self._nice > 0 and sys.platform.startswith("linux"):
            try:  # per-thread on Linux; the threads started from here inherit it
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)
            except OSError:
                pass

    def _run(self) -> None:
        t_start = time.perf_counter()
        data = self._data
        if not isinstance(data, Dataset):
            data = data()
            self.sigDataLoaded.emit(data)
        if self._stop.is_set():
            self.sigFinished.emit(FinishedReport("stopped", "stopped before training started",
                                                 0, 0, None, time.perf_counter() - t_start))
            return
        watchers = tuple(self._watchers(self.model, data)) if self._watchers else ()
        trainer = Trainer(self.model, data, self.config, watchers=watchers)
        with self._lock:
            self._trainer = trainer
            if self._stop.is_set():
                trainer.request_stop()
            if self._paused:
                trainer.pause()
        self.sigStarted.emit(trainer.plan)
        try:
            self._relay(trainer)
        finally:
            with self._lock:
                self._trainer = None

    def _relay(self, trainer: Trainer) -> None:
        """Re-emit the trainer's reports, progress coalesced and weights sampled."""
        pending: list[StepReport] = []
        last_emit = last_snap = time.perf_counter()
        for report in trainer.run():
            if isinstance(report, StepReport):
                pending.append(report)
                now = time.perf_counter()
                # flush now if what comes next blocks: a pause, the end, or the
                # end-of-epoch evaluation (the last step of an epoch)
                epoch_done = report.epoch_fraction == report.epoch
                if (now - last_emit >= self._progress_interval or trainer.paused
                        or trainer.stop_requested or epoch_done):
                    self.sigProgress.emit(pending)
                    pending, last_emit = [], time.perf_counter()
                if now - last_snap >= self._snapshot_interval:
                    self.sigWeightsSnapshot.emit(self.model.get_weights())
                    last_snap = time.perf_counter()
                continue
            if not isinstance(report, (EpochReport, FinishedReport)):
                self.sigWatched.emit(report)
                continue
            if pending:
                self.sigProgress.emit(pending)
                pending = []
            if isinstance(report, EpochReport):
                self.sigEpochFinished.emit(report)
            else:
                self.sigWeightsSnapshot.emit(self.model.get_weights())
                self.sigFinished.emit(report)

"""Training and evaluation off the GUI thread: thin Qt relays around the engine.

The engine's :class:`engine.train.Trainer` is a plain generator of reports;
:class:`TrainingWorker` (a ``QObject`` moved onto a ``QThread``) iterates it
and re-emits what it yields as signals, coalesced so the GUI thread gets at
most 10 progress batches and ~5 weight snapshots a second::

    worker = TrainingWorker(model.clone(), dataset, TrainConfig(epochs=3))
    job = WorkerThread(worker)            # moveToThread + started -> run
    worker.sigProgress.connect(plots.add_steps)
    job.start()
    ...
    worker.request_stop()                 # from the GUI thread, any time
    job.wait(2000)

Control methods (``request_stop``, ``pause``, ``resume``) are plain,
thread-safe methods called directly from the GUI thread - not queued slots,
because the worker thread is busy inside ``run()`` and never returns to its
event loop until the run is over.

Stop latency: the trainer checks its stop flag between optimisation steps; the
end-of-epoch evaluation (1-3 s on the 10k test images) is done here in small
chunks, on two threads, checking stop and pause between chunks. So a stop ends
the run within one step plus one chunk (~50 ms).
"""
from __future__ import annotations

import math
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Optional, Union

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from engine.evaluate import EvalResult, images_to_input, result_from_probabilities
from engine.model import Model
from engine.train import (Dataset, EpochReport, FinishedReport, StepReport, TrainConfig,
                          Trainer)

#: Progress batches are emitted at most this often (s): 10 Hz, the rate the
#: loss curve is redrawn at (gui.training_plots.REDRAW_PERIOD_S); <= 30 Hz.
PROGRESS_INTERVAL_S = 0.1
#: Weight snapshots for "learning you can see" at most this often (s).
SNAPSHOT_INTERVAL_S = 0.2
#: Target duration of one evaluation chunk (s); stop/pause are checked between chunks.
EVAL_CHUNK_S = 0.025

DataSource = Union[Dataset, Callable[[], Dataset]]


@dataclass(frozen=True)
class MnistSource:
    """Where to load MNIST from, lazily, in the worker thread.

    ``data_dir=None`` resolves through :func:`engine.mnist.resolve_data_dir`
    (``CNN_PLAYGROUND_DATA``, else the per-user cache). Never downloads: the
    panel does that first, with a progress bar (:mod:`gui.data_download`).
    """
    data_dir: Optional[str] = None

    def __call__(self) -> Dataset:
        from engine.mnist import load_mnist
        return Dataset.from_mnist(load_mnist(self.data_dir, download=False, progress=False))


@dataclass(frozen=True)
class RunInfo:
    """Emitted once the trainer is built (data loaded): the run's shape."""
    total_steps: int
    steps_per_epoch: int
    epochs: int
    train_images: int
    test_images: int
    batch_size: int


class _StoppedDuringEvaluation(Exception):
    pass


class ChunkedEvaluator:
    """Evaluate a model on ``(N, 28, 28)`` uint8 images in small chunks on two
    threads, calling ``checkpoint()`` between chunks (it may block for a pause
    or raise to abandon the evaluation).

    Chunk sizes adapt so one round of chunks takes ~``EVAL_CHUNK_S``. The
    helper thread and the weight-sharing twin models are made once and reused
    by every :meth:`run` until :meth:`close` (no thread churn per epoch).
    """

    def __init__(self, model: Model, threads: int = 2):
        self.model = model
        self.threads = max(1, threads)
        self._models = [model] + [model.shared_replica() for _ in range(self.threads - 1)]
        self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="gui-eval") \
            if self.threads > 1 else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> "ChunkedEvaluator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, images: np.ndarray, labels: np.ndarray,
            checkpoint: Callable[[], None] = lambda: None) -> EvalResult:
        n = len(labels)
        probs = np.zeros((n, self.model.num_classes), np.float32)
        models = self._models if self._pool is not None else self._models[:1]
        chunk, i = 32, 0
        while i < n:
            checkpoint()
            t = time.perf_counter()
            spans = []
            for _m in models:
                if i >= n:
                    break
                spans.append((i, min(n, i + chunk)))
                i = spans[-1][1]
            futures = [self._pool.submit(self._predict, m, images, s)
                       for m, s in zip(models[1:], spans[1:])]
            try:
                probs[spans[0][0]:spans[0][1]] = self._predict(models[0], images, spans[0])
            finally:  # never leave a chunk running on the shared weights
                for f, s in zip(futures, spans[1:]):
                    probs[s[0]:s[1]] = f.result()
            dt = time.perf_counter() - t
            # aim at EVAL_CHUNK_S per round; grow at most 2x a round (load changes)
            chunk = int(min(1000, 2 * chunk, max(16, chunk * EVAL_CHUNK_S / max(dt, 1e-4))))
        return result_from_probabilities(probs, labels)

    @staticmethod
    def _predict(model: Model, images: np.ndarray, span: tuple[int, int]) -> np.ndarray:
        return model.predict_proba(images_to_input(images[span[0]:span[1]]))


class TrainingWorker(QObject):
    """Runs :class:`engine.train.Trainer` on ``model`` (trained in place: pass a
    clone) in whatever thread it has been moved to; ``run()`` is the entry slot.

    :param model: the model to train (owned by the worker while it runs; read
        it from the GUI thread only after ``sigDone``)
    :param data: a :class:`Dataset`, or a callable returning one (called in the
        worker thread, e.g. :class:`MnistSource`); the loaded dataset is
        emitted with ``sigDataLoaded`` so the caller can cache it
    :param config: the run's :class:`TrainConfig`
    :param nice: if > 0, lower the OS priority of the training threads by this
        much (Linux ``setpriority`` on the thread; the trainer's slice threads,
        started from it, inherit it), so the GUI thread wins the CPU at once
    :param switch_interval_s: if given, ``sys.setswitchinterval`` during the run
        (restored after): how long the GUI thread may wait for the GIL while
        training threads run Python code between NumPy kernels (default 5 ms)

    Signals (all emitted from the worker thread; connect them to methods of
    QObjects living in the GUI thread, which Qt then queues to the GUI thread -
    a plain function or lambda would run in the worker thread):

    * ``sigDataLoaded(Dataset)`` - only when ``data`` was a callable;
    * ``sigStarted(RunInfo)`` - the trainer is built;
    * ``sigProgress(list[StepReport])`` - the steps since the last batch, <= 10 Hz;
    * ``sigWeightsSnapshot(dict)`` - ``{name: array copy}`` taken between two
      steps, at most every ~200 ms, and once more at the end;
    * ``sigEpochFinished(EpochReport)``; ``sigEvaluated(EvalResult)`` - the
      epoch's test-set evaluation (per-image probabilities included);
    * ``sigFinished(FinishedReport)`` or ``sigFailed(str)``, then always ``sigDone()``.
    """

    sigDataLoaded = Signal(object)
    sigStarted = Signal(object)
    sigProgress = Signal(object)
    sigWeightsSnapshot = Signal(object)
    sigEpochFinished = Signal(object)
    sigEvaluated = Signal(object)
    sigFinished = Signal(object)
    sigFailed = Signal(str)
    sigDone = Signal()

    def __init__(self, model: Model, data: DataSource, config: TrainConfig, *, nice: int = 0,
                 switch_interval_s: Optional[float] = None,
                 progress_interval_s: float = PROGRESS_INTERVAL_S,
                 snapshot_interval_s: float = SNAPSHOT_INTERVAL_S):
        super().__init__()
        config.validate()
        self.model, self.config = model, config
        self._data = data
        self._nice = nice
        self._switch_interval = switch_interval_s
        self._progress_interval = progress_interval_s
        self._snapshot_interval = snapshot_interval_s
        self._lock = threading.Lock()
        self._trainer: Optional[Trainer] = None
        self._stop = threading.Event()
        self._paused = False
        self.describe: dict = {}
        self.last_evaluation: Optional[EvalResult] = None
        self._stop_requested_at: Optional[float] = None
        #: seconds from request_stop() to the end of the run (measured in the worker thread)
        self.stop_latency_s: Optional[float] = None

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

    def _run(self) -> None:
        if self._nice > 0 and sys.platform.startswith("linux"):
            try:  # per-thread on Linux; the threads started from here inherit it
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)
            except OSError:
                pass
        t_start = time.perf_counter()
        data = self._data
        if not isinstance(data, Dataset):
            data = data()
            self.sigDataLoaded.emit(data)
        if self._stop.is_set():
            self.sigFinished.emit(FinishedReport("stopped", "stopped before training started",
                                                 0, 0, None, time.perf_counter() - t_start))
            return
        trainer = Trainer(self.model, data, self.config)
        self.describe = self.config.as_record()
        with self._lock:
            self._trainer = trainer
            if self._stop.is_set():
                trainer.request_stop()
            if self._paused:
                trainer.pause()
        cfg = self.config
        n_train = len(data.train_labels) if cfg.subset is None \
            else min(cfg.subset, len(data.train_labels))
        n_test = len(data.test_labels) if cfg.eval_subset is None \
            else min(cfg.eval_subset, len(data.test_labels))
        self.sigStarted.emit(RunInfo(trainer.total_steps, trainer.steps_per_epoch, cfg.epochs,
                                     n_train, n_test, cfg.batch_size))
        pending: list[StepReport] = []
        last_emit = last_snap = time.perf_counter()
        epochs_done, elapsed = 0, 0.0

        def flush():
            nonlocal pending, last_emit
            if pending:
                self.sigProgress.emit(pending)
                pending = []
            last_emit = time.perf_counter()

        try:
            for report in trainer.run():
                if isinstance(report, StepReport):
                    pending.append(report)
                    elapsed = report.elapsed_s
                    now = time.perf_counter()
                    # flush now if what comes next blocks: a pause, the end, or the
                    # end-of-epoch evaluation (the last step of an epoch)
                    epoch_done = report.epoch_fraction == report.epoch
                    if (now - last_emit >= self._progress_interval or trainer.paused
                            or trainer.stop_requested or epoch_done):
                        flush()
                    if now - last_snap >= self._snapshot_interval:
                        self.sigWeightsSnapshot.emit(self.model.get_weights())
                        last_snap = time.perf_counter()
                elif isinstance(report, EpochReport):
                    flush()
                    epochs_done = report.epoch
                    self._evaluated(report.evaluation)
                    self.sigEpochFinished.emit(report)
                else:
                    flush()
                    self.sigWeightsSnapshot.emit(self.model.get_weights())
                    self.sigFinished.emit(report)
        except _StoppedDuringEvaluation:
            flush()
            self.model.eval()
            self.sigWeightsSnapshot.emit(self.model.get_weights())
            self.sigFinished.emit(FinishedReport(
                "stopped", "stopped on request (during the test-set evaluation)", trainer.step,
                epochs_done, trainer.test_accuracy, elapsed))
        finally:
            with self._lock:
                self._trainer = None

    def _evaluated(self, result: EvalResult) -> None:
        self.last_evaluation = result
        self.sigEvaluated.emit(result)


class EvaluationWorker(QObject):
    """Evaluates ``model`` (not shared with any other thread: pass a clone) on
    test images in chunks; ``cancel()`` abandons it between chunks.

    Signals: ``sigFinished(EvalResult)``, ``sigFailed(str)``, then ``sigDone()``
    (not after a cancel: then only ``sigDone``).
    """

    sigFinished = Signal(object)
    sigFailed = Signal(str)
    sigDone = Signal()

    def __init__(self, model: Model, images: np.ndarray, labels: np.ndarray, threads: int = 2):
        super().__init__()
        self.model, self.images, self.labels, self.threads = model, images, labels, threads
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _checkpoint(self) -> None:
        if self._cancel.is_set():
            raise _StoppedDuringEvaluation

    @Slot()
    def run(self) -> None:
        try:
            with ChunkedEvaluator(self.model, self.threads) as evaluator:
                result = evaluator.run(self.images, self.labels, self._checkpoint)
            self.sigFinished.emit(result)
        except _StoppedDuringEvaluation:
            pass
        except Exception as exc:
            self.sigFailed.emit(f"evaluation failed: {type(exc).__name__}: {exc}")
        finally:
            self.sigDone.emit()


class CallWorker(QObject):
    """Runs ``fn()`` in its thread: ``sigFinished(result)`` or ``sigFailed(str)``,
    then ``sigDone()``. For short jobs such as loading MNIST (~0.5 s)."""

    sigFinished = Signal(object)
    sigFailed = Signal(str)
    sigDone = Signal()

    def __init__(self, fn: Callable[[], object]):
        super().__init__()
        self.fn = fn

    def cancel(self) -> None:  # not interruptible; the result is simply ignored
        pass

    @Slot()
    def run(self) -> None:
        try:
            self.sigFinished.emit(self.fn())
        except Exception as exc:
            self.sigFailed.emit(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
        finally:
            self.sigDone.emit()


class WorkerThread(QObject):
    """Owns a ``QThread`` running one worker's ``run()``; the thread quits when the
    worker emits ``sigDone``. Keep a reference until :attr:`running` is false
    (or use :meth:`wait`): a ``QThread`` destroyed while running aborts the
    process.

    ``sigDone()`` (GUI thread) fires after the thread really finished.
    """

    sigDone = Signal()

    def __init__(self, worker: QObject, name: str = "worker"):
        super().__init__()
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        # direct: quit() must not wait for the GUI thread, which may be blocked in wait()
        worker.sigDone.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.thread.finished.connect(self.sigDone)

    def start(self) -> None:
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread ended; ``timeout_ms < 0`` waits forever."""
        if timeout_ms < 0:
            return self.thread.wait()
        return self.thread.wait(int(timeout_ms))


def estimate_remaining_s(report: StepReport) -> float:
    """Seconds left in the run from a step report's rate (nan before any rate)."""
    if report.images_per_s <= 0 or not math.isfinite(report.images_per_s):
        return float("nan")
    per_step = report.elapsed_s / max(report.step, 1)
    return per_step * (report.total_steps - report.step)

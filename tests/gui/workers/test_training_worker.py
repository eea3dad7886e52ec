"""The training worker: a thin Qt relay around the engine's Trainer on a QThread.

Signals, coalescing, stop (within 200 ms, also during the epoch-end
evaluation), pause/resume, failures, and that the GUI path trains exactly
like the engine.
"""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.reports import FinishedReport, RunPlan, StepReport
from engine.training.trainer import Trainer
from engine.training.watchers import RunWatcher
from gui.workers.training_worker import MnistSource, TrainingWorker
from gui.workers.worker_thread import WorkerThread

STOP_BOUND_S = 0.2


@pytest.fixture(scope="module")
def small_data(mnist_data):
    """4,000 training and 2,000 test images."""
    return Dataset(mnist_data.train_images[:4000], mnist_data.train_labels[:4000],
                   mnist_data.test_images[:2000], mnist_data.test_labels[:2000])


class Recorder(QObject):
    """Receives the worker's signals in the GUI thread (a QObject's methods are
    queued to the thread it lives in; a lambda would run in the worker thread)."""

    def __init__(self, worker: TrainingWorker):
        super().__init__()
        self.batches, self.steps, self.epochs, self.plans = [], [], [], []
        self.snapshots, self.finished, self.failed, self.loaded = [], [], [], []
        self.threads = set()
        worker.sigStarted.connect(self.plans.append)
        worker.sigProgress.connect(self.progress)
        worker.sigEpochFinished.connect(self.epochs.append)
        worker.sigWeightsSnapshot.connect(self.snapshot)
        worker.sigFinished.connect(self.finished.append)
        worker.sigFailed.connect(self.failed.append)
        worker.sigDataLoaded.connect(self.loaded.append)

    def progress(self, reports):
        self.threads.add(threading.get_ident())
        self.batches.append((time.perf_counter(), len(reports)))
        self.steps.extend(reports)

    def snapshot(self, weights):
        self.snapshots.append((time.perf_counter(), weights))


_JOBS: list[WorkerThread] = []


@pytest.fixture(autouse=True)
def _no_thread_left_behind():
    """Even when a test fails, stop its run and wait for the thread (a QThread
    destroyed while running aborts the process)."""
    yield
    while _JOBS:
        job = _JOBS.pop()
        job.worker.request_stop()
        assert job.wait(10_000)


def start(qtbot, model, data, config, **kw):
    worker = TrainingWorker(model, data, config, **kw)
    rec = Recorder(worker)
    job = WorkerThread(worker, "test-training")
    _JOBS.append(job)
    job.start()
    return worker, job, rec


def finish(qtbot, job, timeout=60_000):
    if job.running:
        with qtbot.waitSignal(job.sigDone, timeout=timeout):
            pass
    assert not job.running


def test_worker_relays_steps_epochs_evaluations_and_the_end(qtbot, small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=2, batch_size=32, lr=0.05, augment=False, seed=0, subset=1600,
                         eval_subset=500)
    worker, job, rec = start(qtbot, model, small_data, config)
    finish(qtbot, job)
    qtbot.waitUntil(lambda: len(rec.finished) == 1)
    steps_per_epoch = 50
    assert [r.step for r in rec.steps] == list(range(1, 2 * steps_per_epoch + 1))
    assert all(isinstance(r, StepReport) for r in rec.steps)
    assert rec.threads == {threading.get_ident()}  # delivered in the GUI thread
    # coalesced: fewer batches than steps, and at most ~30 a second
    span = rec.batches[-1][0] - rec.batches[0][0]
    assert len(rec.batches) < len(rec.steps)
    assert len(rec.batches) <= 30 * span + 2 * config.epochs + 3
    assert [e.epoch for e in rec.epochs] == [1, 2]
    assert rec.plans == [RunPlan(total_steps=100, steps_per_epoch=50, epochs=2, train_images=1600,
                                 test_images=500, batch_size=32, full_test_set=False)]
    last = rec.epochs[-1].evaluation         # the epoch's whole evaluation comes along
    assert last.confusion.sum() == 500 and last.probabilities.shape == (500, 10)
    assert last.accuracy == rec.epochs[-1].test_accuracy > 0.7
    report = rec.finished[0]
    assert isinstance(report, FinishedReport) and report.reason == "completed"
    assert report.steps == 100 and report.epochs_completed == 2
    assert not rec.failed
    # weight snapshots: copies (not the live arrays), the last equal to the final weights
    assert rec.snapshots
    final = rec.snapshots[-1][1]
    for name, value in model.named_params().items():
        assert final[name] is not value and np.array_equal(final[name], value)
    gaps = np.diff([t for t, _ in rec.snapshots])
    assert (gaps > 0.1).sum() >= len(gaps) - 2 * config.epochs - 1  # ~200 ms apart, plus epoch ends


def test_gui_training_equals_engine_training(qtbot, small_data):
    """Same config and seed: the worker (with its two-thread chunked evaluation)
    gives bit-identical weights to the plain engine trainer, dropout included."""
    config = TrainConfig(epochs=2, batch_size=64, subset=256, eval_subset=200, augment=True,
                         seed=5)
    ours = presets.build("playground", np.random.default_rng(5))
    theirs = presets.build("playground", np.random.default_rng(5))
    worker, job, rec = start(qtbot, ours, small_data, config)
    finish(qtbot, job)
    reports = list(Trainer(theirs, small_data, config).run())
    a, b = ours.get_weights(), theirs.get_weights()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    qtbot.waitUntil(lambda: len(rec.epochs) == 2)
    engine_epochs = [r for r in reports if type(r).__name__ == "EpochReport"]
    # (chunk sizes differ, so probabilities may differ in the last float bits)
    assert [e.test_accuracy for e in rec.epochs] == pytest.approx(
        [e.test_accuracy for e in engine_epochs], abs=0.011)
    assert rec.epochs[-1].test_loss == pytest.approx(engine_epochs[-1].test_loss, rel=1e-5)


def test_stop_ends_the_run_within_the_bound(qtbot, small_data):
    model = presets.build("bench", np.random.default_rng(0))
    config = TrainConfig(epochs=50, batch_size=64, augment=False, eval_subset=2000)
    worker, job, rec = start(qtbot, model, small_data, config)
    qtbot.waitUntil(lambda: len(rec.steps) >= 5, timeout=30_000)
    worker.request_stop()
    finish(qtbot, job, timeout=5000)
    assert worker.stop_latency_s < STOP_BOUND_S
    qtbot.waitUntil(lambda: len(rec.finished) == 1)
    assert rec.finished[0].reason == "stopped"
    assert rec.finished[0].steps == rec.steps[-1].step  # every step was relayed


def test_stop_during_the_epoch_end_evaluation(qtbot, mnist_data):
    """Evaluating 60k images takes several seconds even on a fast, idle machine;
    stop must not wait for it."""
    data = Dataset(mnist_data.train_images[:320], mnist_data.train_labels[:320],
                   mnist_data.train_images, mnist_data.train_labels)
    model = presets.build("playground", np.random.default_rng(0))
    config = TrainConfig(epochs=3, batch_size=64, augment=False)  # 5 steps, then 60k "test" images
    worker, job, rec = start(qtbot, model, data, config)
    qtbot.waitUntil(lambda: bool(rec.steps) and rec.steps[-1].step == 5, timeout=30_000)
    qtbot.wait(100)  # now inside the evaluation
    assert job.running and not rec.epochs
    worker.request_stop()
    finish(qtbot, job, timeout=5000)
    assert worker.stop_latency_s < STOP_BOUND_S
    qtbot.waitUntil(lambda: len(rec.finished) == 1)
    report = rec.finished[0]
    assert report.reason == "stopped" and "evaluation" in report.message
    assert report.steps == 5 and report.epochs_completed == 0
    assert not rec.epochs and not rec.failed


def test_pause_holds_progress_and_resume_continues(qtbot, small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=50, batch_size=32, augment=False, eval_subset=500)
    worker, job, rec = start(qtbot, model, small_data, config)
    qtbot.waitUntil(lambda: len(rec.steps) >= 3, timeout=30_000)
    worker.pause()
    assert worker.paused
    qtbot.wait(150)  # the step in flight (and its report) may still arrive
    held = len(rec.steps)
    qtbot.wait(400)
    assert len(rec.steps) == held
    worker.resume()
    qtbot.waitUntil(lambda: len(rec.steps) > held + 3, timeout=10_000)
    # the pause is not counted in the elapsed time
    assert rec.steps[-1].elapsed_s < rec.batches[-1][0] - rec.batches[0][0] - 0.2
    # stop also wakes a paused run
    worker.pause()
    qtbot.wait(50)
    worker.request_stop()
    finish(qtbot, job, timeout=5000)
    assert worker.stop_latency_s < STOP_BOUND_S


def test_worker_loads_mnist_itself_and_hands_it_over(qtbot, mnist_data):
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=1, batch_size=64, subset=128, eval_subset=100, augment=False)
    worker, job, rec = start(qtbot, model, MnistSource(str(mnist_data.source)), config)
    finish(qtbot, job)
    qtbot.waitUntil(lambda: len(rec.finished) == 1)
    assert len(rec.loaded) == 1 and len(rec.loaded[0].train_labels) == 60_000
    assert rec.finished[0].reason == "completed"


def test_a_failure_is_reported_and_the_thread_ends(qtbot):
    def broken():
        raise OSError("disk on fire")
    model = presets.build("tiny", np.random.default_rng(0))
    worker, job, rec = start(qtbot, model, broken, TrainConfig(epochs=1))
    finish(qtbot, job)
    qtbot.waitUntil(lambda: len(rec.failed) == 1)
    assert "disk on fire" in rec.failed[0]
    assert not rec.finished


def test_stop_before_the_data_is_loaded(qtbot, small_data):
    gate = threading.Event()

    def slow():
        gate.wait(5)
        return small_data
    model = presets.build("tiny", np.random.default_rng(0))
    worker, job, rec = start(qtbot, model, slow, TrainConfig(epochs=1))
    worker.request_stop()
    gate.set()
    finish(qtbot, job)
    qtbot.waitUntil(lambda: len(rec.finished) == 1)
    assert rec.finished[0].reason == "stopped" and rec.finished[0].steps == 0


class _Marker:
    def __init__(self, step):
        self.step = step


class _EveryTenth(RunWatcher):
    """Reports every tenth step; remembers the thread it was made in."""

    def __init__(self):
        self.made_in = threading.get_ident()

    def after_step(self, model, report):
        return [_Marker(report.step)] if report.step % 10 == 0 else []


class WatchedRecorder(QObject):
    def __init__(self, worker):
        super().__init__()
        self.watched, self.last_step_seen = [], []
        self.steps = 0
        worker.sigWatched.connect(self.on_watched)
        worker.sigProgress.connect(self.on_progress)

    def on_watched(self, report):
        self.watched.append(report)
        self.last_step_seen.append(self.steps)

    def on_progress(self, reports):
        self.steps = reports[-1].step


def test_watchers_are_made_in_the_training_thread_and_their_reports_relayed_in_order(
        qtbot, small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=1, batch_size=32, lr=0.05, augment=False, seed=0, subset=1600,
                         eval_subset=500)
    made = []

    def factory(m, data):
        assert m is model and data is small_data
        made.append(_EveryTenth())
        return made[-1:]

    worker = TrainingWorker(model, small_data, config, watchers=factory)
    rec = WatchedRecorder(worker)
    job = WorkerThread(worker, "test-training")
    _JOBS.append(job)
    job.start()
    finish(qtbot, job)
    qtbot.waitUntil(lambda: len(rec.watched) == 5)
    assert [r.step for r in rec.watched] == [10, 20, 30, 40, 50]
    assert made[0].made_in != threading.get_ident()      # built in the worker thread
    # progress is not flushed by a watcher's report: steps keep arriving in batches
    assert all(seen <= r.step for seen, r in zip(rec.last_step_seen, rec.watched))

"""The run's explicit state machine: idle -> loading -> running <-> paused ->
stopping -> finished / failed, each transition announced once and in order."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from gui.training.run_controller import RunController, RunState


@pytest.fixture(scope="module")
def data(mnist_data):
    return Dataset(mnist_data.train_images[:2000], mnist_data.train_labels[:2000],
                   mnist_data.test_images[:300], mnist_data.test_labels[:300])


@pytest.fixture
def run(qtbot):
    controller = RunController()
    yield controller
    assert controller.shutdown(10_000)


@pytest.fixture
def states(run):
    """Every state ``run`` announced, in order."""
    seen = []
    run.sigStateChanged.connect(seen.append)
    return seen


def _model():
    return presets.build("tiny", np.random.default_rng(0))


def test_a_completed_run_goes_running_then_finished(qtbot, run, states, data):
    config = TrainConfig(epochs=1, batch_size=50, subset=500, eval_subset=300, augment=False)
    with qtbot.waitSignal(run.sigEnded, timeout=60_000):
        assert run.start(_model(), config, data)
        assert run.active and not run.start(_model(), config, data)  # one run at a time
    assert states == [RunState.RUNNING, RunState.FINISHED]
    assert run.finished_report.reason == "completed" and run.steps_received == 10
    assert run.plan.total_steps == 10 and run.last_epoch.epoch == 1
    assert not run.active


def test_loading_then_pause_resume_stop(qtbot, run, states, data):
    gate = threading.Event()

    def slow_data():
        gate.wait(10)
        return data
    loaded = []
    run.sigDataLoaded.connect(loaded.append)
    config = TrainConfig(epochs=50, batch_size=32, augment=False, eval_subset=300)
    run.start(_model(), config, slow_data)
    assert run.state is RunState.LOADING and run.active
    gate.set()
    qtbot.waitUntil(lambda: run.steps_received >= 2, timeout=20_000)
    assert loaded and loaded[0] is data
    run.pause()
    assert run.state is RunState.PAUSED
    run.pause()                                   # no second announcement
    run.resume()
    assert run.state is RunState.RUNNING
    with qtbot.waitSignal(run.sigEnded, timeout=10_000):
        run.stop()
        assert run.state is RunState.STOPPING
        run.stop()                                # idempotent
    assert states == [RunState.LOADING, RunState.RUNNING, RunState.PAUSED,
                          RunState.RUNNING, RunState.STOPPING, RunState.FINISHED]
    assert run.finished_report.reason == "stopped"
    assert run.last_stop_latency_s is not None and run.worker_stop_latency_s is not None


def test_a_failing_run_ends_failed(qtbot, run):
    def broken():
        raise OSError("no disk")
    failures = []
    run.sigFailed.connect(failures.append)
    with qtbot.waitSignal(run.sigEnded, timeout=10_000):
        run.start(_model(), TrainConfig(epochs=1), broken)
    assert run.state is RunState.FAILED and "no disk" in failures[0]
    assert run.finished_report is None


def test_shutdown_ends_a_paused_run_and_its_thread(qtbot, run, data):
    run.start(_model(), TrainConfig(epochs=50, batch_size=32, augment=False), data)
    qtbot.waitUntil(lambda: run.steps_received >= 1, timeout=20_000)
    run.pause()
    assert run.shutdown(5000)
    qtbot.waitUntil(lambda: not run.active, timeout=5000)
    assert run.state is RunState.FINISHED and run.finished_report.reason == "stopped"
    assert run.shutdown(10) is True                # nothing left to stop


def test_pause_while_loading_resumes_to_loading_and_then_runs(qtbot, run, states, data):
    gate = threading.Event()

    def slow_data():
        gate.wait(10)
        return data
    run.start(_model(), TrainConfig(epochs=50, batch_size=32, augment=False), slow_data)
    run.pause()
    run.resume()                       # the data is still loading: not "running" yet
    assert run.state is RunState.LOADING
    run.pause()
    gate.set()
    qtbot.waitUntil(lambda: run.plan is not None, timeout=20_000)
    assert run.state is RunState.PAUSED and run.steps_received == 0   # held, as asked
    run.resume()
    assert run.state is RunState.RUNNING
    qtbot.waitUntil(lambda: run.steps_received > 0, timeout=20_000)
    assert states[:4] == [RunState.LOADING, RunState.PAUSED, RunState.LOADING, RunState.PAUSED]


def test_stop_while_loading_ends_without_a_step(qtbot, run, states, data):
    gate = threading.Event()

    def slow_data():
        gate.wait(10)
        return data
    with qtbot.waitSignal(run.sigEnded, timeout=20_000):
        run.start(_model(), TrainConfig(epochs=1), slow_data)
        run.stop()
        gate.set()
    assert states == [RunState.LOADING, RunState.STOPPING, RunState.FINISHED]
    assert run.finished_report.reason == "stopped" and run.finished_report.steps == 0

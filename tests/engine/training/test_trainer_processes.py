"""The trainer with its slices in processes: the same weights as on threads
(augmentation included), divergence restores the same weights, a stop or
a pause with a step still running ends cleanly with no process left, and
``"auto"`` keeps short runs on threads."""
from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training import slice_processes
from engine.training.config import TrainConfig
from engine.training.process_parallel import PROCESS_MIN_IMAGES
from engine.training.reports import FinishedReport, StepReport
from engine.training.trainer import Trainer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process checks use POSIX signals")


@pytest.fixture(scope="module")
def small_data(mnist_data):
    """1,600 training images and 300 test images."""
    return Dataset(mnist_data.train_images[:1600], mnist_data.train_labels[:1600],
                   mnist_data.test_images[:300], mnist_data.test_labels[:300])


@pytest.fixture
def started(monkeypatch):
    """The slice processes started during the test (their Popen objects)."""
    made = []
    real = slice_processes.subprocess.Popen

    def recording(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]
    monkeypatch.setattr(slice_processes.subprocess, "Popen", recording)
    return made


def _train(data, slices_on: str, **settings):
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(**{"epochs": 2, "batch_size": 32, "lr": 0.05, "seed": 1,
                            "workers": 2, **settings})
    trainer = Trainer(model, data, config, slices_on=slices_on)
    reports = list(trainer.run())
    return model, reports, trainer


def test_processes_train_the_weights_threads_train(small_data, started):
    ref, ref_reports, on_threads = _train(small_data, "threads", augment=True)
    got, reports, on_processes = _train(small_data, "processes", augment=True)
    assert on_threads.slices_ran_on == "threads" and on_processes.slices_ran_on == "processes"
    assert len(started) == 2
    assert [r.loss for r in reports if isinstance(r, StepReport)] == \
        [r.loss for r in ref_reports if isinstance(r, StepReport)]
    for k, w in ref.get_weights().items():
        np.testing.assert_array_equal(got.get_weights()[k], w, err_msg=k)
    assert reports[-1].reason == "completed"
    assert all(proc.poll() is not None for proc in started)     # ended with the run


def test_a_diverging_run_on_processes_restores_what_threads_restore(small_data, started):
    results = {}
    for where in ("threads", "processes"):
        model, reports, _ = _train(small_data, where, lr=40.0, momentum=0.9, augment=False,
                                   schedule="constant", epochs=3)
        results[where] = (reports[-1], model.get_weights())
    (ref_end, ref_weights), (end, weights) = results["threads"], results["processes"]
    assert end.reason == ref_end.reason == "diverged"
    assert (end.message, end.steps, end.weights_step) == \
        (ref_end.message, ref_end.steps, ref_end.weights_step)
    for k, w in ref_weights.items():
        np.testing.assert_array_equal(weights[k], w, err_msg=k)
    assert all(np.isfinite(w).all() for w in weights.values())
    assert started and all(proc.poll() is not None for proc in started)


def test_a_stop_while_a_step_runs_ends_the_run_and_its_processes(small_data, started):
    model = presets.build("tiny", np.random.default_rng(0))
    trainer = Trainer(model, small_data, TrainConfig(epochs=5, batch_size=32, workers=2),
                      slices_on="processes")
    steps = 0
    for report in trainer.run():
        if isinstance(report, StepReport):
            steps += 1
            if steps == 3:            # the fourth step is running now
                trainer.pause()
                threading.Timer(0.2, trainer.request_stop).start()
    assert isinstance(report, FinishedReport)
    assert report.reason == "stopped" and report.steps == 3
    assert started and all(proc.wait(timeout=5) is not None for proc in started)
    assert all(np.isfinite(w).all() for w in model.get_weights().values())


def test_a_stop_while_a_process_is_frozen_ends_the_run_promptly(small_data, started):
    import signal
    import time
    model = presets.build("tiny", np.random.default_rng(0))
    trainer = Trainer(model, small_data, TrainConfig(epochs=5, batch_size=32, workers=2),
                      slices_on="processes")
    stopped_at = None
    for report in trainer.run():
        if isinstance(report, StepReport) and report.step == 3:
            os.kill(started[1].pid, signal.SIGSTOP)   # step 4 now never finishes
            trainer.request_stop()
            stopped_at = time.perf_counter()
    assert isinstance(report, FinishedReport) and report.reason == "stopped"
    assert report.steps == 3 and time.perf_counter() - stopped_at < 5.0
    assert all(proc.poll() is not None for proc in started)


def test_auto_keeps_short_runs_on_threads_and_long_ones_on_processes(small_data, started):
    _, _, short = _train(small_data, "auto", epochs=1, augment=False)
    assert short.total_steps * 32 < PROCESS_MIN_IMAGES and short.slices_ran_on == "threads"
    assert not started
    epochs = -(-PROCESS_MIN_IMAGES // 1600)
    model = presets.build("tiny", np.random.default_rng(0))
    trainer = Trainer(model, small_data, TrainConfig(epochs=epochs, batch_size=32, workers=2,
                                                     augment=False), slices_on="auto")
    for report in trainer.run():
        if isinstance(report, StepReport) and report.step == 2:
            trainer.request_stop()
    assert trainer.slices_ran_on == "processes" and len(started) == 2
    with pytest.raises(ValueError, match="slices_on"):
        Trainer(model, small_data, TrainConfig(), slices_on="gpu")


def test_dropout_and_batch_norm_train_alike_on_processes_and_threads(small_data, started):
    """The threads' replicas take the model's first dropout child streams
    (before the evaluator's replicas), as the processes' replicas do."""
    from tests.engine.nn.test_new_layers_model import every_new_layer
    weights = {}
    for where in ("threads", "processes"):
        model = every_new_layer(np.float32)
        trainer = Trainer(model, small_data, TrainConfig(epochs=1, batch_size=32, workers=2,
                                                         augment=False, seed=2),
                          slices_on=where)
        assert list(trainer.run())[-1].reason == "completed"
        assert trainer.slices_ran_on == where
        weights[where] = model.get_weights()
    for k, w in weights["threads"].items():
        np.testing.assert_array_equal(weights["processes"][k], w, err_msg=k)


def test_overflowing_weights_drop_the_step_running_on_them_quietly(small_data, started, capfd):
    model = presets.build("tiny", np.random.default_rng(0))
    before = model.get_weights()
    trainer = Trainer(model, small_data, TrainConfig(epochs=20, batch_size=32, workers=2,
                                                     lr=1e38, momentum=0.0, schedule="constant",
                                                     augment=False), slices_on="processes")
    reports = list(trainer.run())
    end = reports[-1]
    assert end.reason == "diverged" and "overflowed at step 1" in end.message
    assert trainer.slices_ran_on == "processes"
    for k, w in model.get_weights().items():
        np.testing.assert_array_equal(w, before[k], err_msg=k)
    assert all(proc.wait(timeout=5) is not None for proc in started)
    assert "Warning" not in capfd.readouterr().err     # the dropped step's overflows stay quiet

"""engine.training.run_record: a RunRecorder collects a run's curves, epochs,
checkpoints and how it finished into a TrainingRun; same-seed re-runs are
bit-identical; the settings read as comparable strings whose differences
show what changed between two runs."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.checkpoints import CheckpointReport, CheckpointWatcher
from engine.training.config import TrainConfig
from engine.training.reports import EpochReport, FinishedReport, StepReport
from engine.training.run_record import (MAX_LABEL_CHARS, RunRecorder, TrainingRun,
                                        architecture_text)
from engine.training.trainer import Trainer


@pytest.fixture(scope="module")
def tiny_data(mnist_data):
    """256 training images (8 steps of 32 per epoch) and 100 test images."""
    return Dataset(mnist_data.train_images[:256], mnist_data.train_labels[:256],
                   mnist_data.test_images[:100], mnist_data.test_labels[:100])


def _config(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=32, lr=0.05, augment=True, workers=1, seed=5,
                schedule="cosine", warmup_steps=2)
    base.update(kw)
    return TrainConfig(**base)


def _record(data, config: TrainConfig, model_seed: int = 0, label: str = "run") -> tuple:
    """``(TrainingRun, every report the trainer yielded)``."""
    model = presets.build("tiny", np.random.default_rng(model_seed))
    recorder = RunRecorder(model, config, label, CheckpointWatcher())
    reports = []
    for report in Trainer(model, data, config, watchers=recorder.watchers).run():
        reports.append(report)
        recorder.observe(report)
    return recorder.result(), reports


def test_the_recorder_collects_the_curves_the_epochs_and_the_checkpoints(tiny_data):
    run, reports = _record(tiny_data, _config(), label="tiny, lr 0.05")
    steps = [r for r in reports if isinstance(r, StepReport)]
    epochs = [r for r in reports if isinstance(r, EpochReport)]
    finished = reports[-1]
    assert isinstance(run, TrainingRun) and run.label == "tiny, lr 0.05"
    assert run.steps.dtype == np.int64 and run.steps.tolist() == list(range(1, 17))
    for name in ("loss", "accuracy", "lr"):
        values = getattr(run, name)
        assert values.dtype == np.float64 and values.shape == (16,)
        assert values.tolist() == [getattr(r, name) for r in steps]
    assert run.epoch_test_accuracy.tolist() == [e.test_accuracy for e in epochs]
    assert run.epoch_test_loss.tolist() == [e.test_loss for e in epochs]
    assert run.epoch_train_loss.tolist() == [e.train_loss for e in epochs]
    assert run.final_test_accuracy == epochs[-1].test_accuracy
    assert run.finished_reason == "completed" and run.elapsed_s == finished.elapsed_s
    assert run.total_steps == 16 and run.dataset == "MNIST"
    assert [c.step for c in run.checkpoints] == [0, 1, 2, 5, 8, 10, 16]
    assert run.checkpoints == tuple(r.checkpoint for r in reports
                                    if isinstance(r, CheckpointReport))
    assert run.architecture["layers"] == presets.build("tiny", np.random.default_rng(0)) \
        .config()["layers"]
    assert run.config == _config()


def test_same_seed_reruns_are_bit_identical_and_another_seed_is_not(tiny_data):
    first, _ = _record(tiny_data, _config())
    again, _ = _record(tiny_data, _config())
    other, _ = _record(tiny_data, _config(seed=6))
    assert [c.step for c in first.checkpoints] == [c.step for c in again.checkpoints]
    for a, b in zip(first.checkpoints, again.checkpoints):
        for name, value in a.weights.items():
            assert value.tobytes() == b.weights[name].tobytes()
    np.testing.assert_array_equal(first.loss, again.loss)
    np.testing.assert_array_equal(first.epoch_test_accuracy, again.epoch_test_accuracy)
    last, other_last = first.checkpoints[-1].weights, other.checkpoints[-1].weights
    assert any(not np.array_equal(last[k], other_last[k]) for k in last)
    assert not np.array_equal(first.loss, other.loss)


def test_a_run_that_stops_early_ends_with_its_last_weights(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    config = _config()
    recorder = RunRecorder(model, config, "stopped", CheckpointWatcher())
    trainer = Trainer(model, tiny_data, config, watchers=recorder.watchers)
    extra = []
    for report in trainer.run():
        if isinstance(report, StepReport) and report.step == 3:
            trainer.request_stop()
        extra.append(recorder.observe(report))
    run = recorder.result()
    assert run.finished_reason == "stopped" and run.steps.tolist() == [1, 2, 3]
    assert len(run.epoch_test_accuracy) == 0 and run.final_test_accuracy is None
    assert [c.step for c in run.checkpoints] == [0, 1, 2, 3]
    assert isinstance(extra[-1], CheckpointReport) and extra[-1].checkpoint is run.checkpoints[-1]
    assert all(e is None for e in extra[:-1])
    for name, value in model.get_weights().items():
        np.testing.assert_array_equal(run.checkpoints[-1].weights[name], value)


def test_a_run_stopped_mid_epoch_says_how_far_it_went_past_its_last_test(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    recorder = RunRecorder(model, _config(), "stopped in epoch 2")
    trainer = Trainer(model, tiny_data, _config(), watchers=recorder.watchers)
    per_epoch = None
    for report in trainer.run():
        if isinstance(report, StepReport):
            per_epoch = report.total_steps // 2
            if report.step == per_epoch + 2:
                trainer.request_stop()
        recorder.observe(report)
    run = recorder.result()
    assert len(run.epoch_test_accuracy) == 1 and run.final_test_accuracy is not None
    assert run.steps_after_last_test == 2
    finished = RunRecorder(presets.build("tiny", np.random.default_rng(0)), _config(), "whole")
    for report in Trainer(finished.model, tiny_data, _config()).run():
        finished.observe(report)
    assert finished.result().steps_after_last_test == 0


def test_before_and_without_a_run_the_record_is_empty_and_running():
    model = presets.build("tiny", np.random.default_rng(0))
    recorder = RunRecorder(model, _config(), "x" * (MAX_LABEL_CHARS + 50))
    assert recorder.watchers == ()
    assert recorder.observe("not a report") is None and recorder.observe(None) is None
    run = recorder.result()
    assert run.finished_reason == "running" and run.checkpoints == ()
    assert run.steps.dtype == np.int64 and run.steps.shape == (0,)
    assert run.loss.dtype == np.float64 and run.epoch_test_loss.shape == (0,)
    assert run.final_test_accuracy is None
    assert len(run.label) == MAX_LABEL_CHARS
    recorder.observe(FinishedReport("stopped", "stopped on request", 0, 0, None, 0.5))
    assert recorder.result().finished_reason == "stopped"
    assert recorder.result().elapsed_s == 0.5


def test_settings_are_readable_strings_and_show_what_differs():
    def settings(preset: str, **kw) -> dict[str, str]:
        model = presets.build(preset, np.random.default_rng(0))
        return RunRecorder(model, _config(**kw)).result().settings()

    base = settings("tiny")
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in base.items())
    assert base["architecture"] == "tiny"
    assert base["layers"] == "conv 8 3×3 → pool → conv 16 3×3 → pool → dense 10"
    assert base["parameters"] == "9,098"
    assert (base["optimizer"], base["learning rate"], base["momentum"]) == ("sgd", "0.05", "0.9")
    assert base["schedule"] == "cosine, 2 warm-up steps"
    assert (base["augmentation"], base["training images"], base["seed"]) == ("on", "all", "5")
    assert base["pen mix"] == "none"
    faster = settings("tiny", lr=0.1)
    assert {k for k in base if base[k] != faster[k]} == {"learning rate"}
    adam = settings("bench", optimizer="adam", lr=0.001, subset=500)
    assert adam.keys() == base.keys()
    assert {k for k in base if base[k] != adam[k]} == {
        "architecture", "layers", "parameters", "optimizer", "learning rate", "momentum",
        "training images"}
    assert adam["momentum"] == "not used (adam)" and adam["training images"] == "500"


def test_architecture_text_names_the_layers_that_matter():
    bench = presets.build("bench", np.random.default_rng(0)).config()
    assert architecture_text(bench) == \
        "conv 16 5×5 → pool → conv 32 5×5 → pool → dense 128 → dense 10"
    playground = presets.build("playground", np.random.default_rng(0)).config()
    assert "dropout 0.3 → dense 10" in architecture_text(playground)

"""The trainer: learning, stop/pause between steps, divergence, reproducibility."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from engine import presets
from engine.train import Dataset, EpochReport, FinishedReport, StepReport, TrainConfig, Trainer


@pytest.fixture(scope="module")
def small_data(mnist_data):
    """3,000 training images and 2,000 held-out test images."""
    return Dataset(mnist_data.train_images[:3000], mnist_data.train_labels[:3000],
                   mnist_data.test_images[:2000], mnist_data.test_labels[:2000])


def _run(trainer):
    return list(trainer.run())


def test_short_run_learns_beyond_90_percent_on_held_out_digits(small_data):
    model = presets.build("bench", np.random.default_rng(0))
    config = TrainConfig(epochs=2, batch_size=32, lr=0.05, augment=False, seed=0)
    reports = _run(Trainer(model, small_data, config))
    epochs = [r for r in reports if isinstance(r, EpochReport)]
    steps = [r for r in reports if isinstance(r, StepReport)]
    final = reports[-1]
    assert isinstance(final, FinishedReport) and final.reason == "completed"
    assert len(epochs) == 2 and len(steps) == 2 * 94
    assert [s.step for s in steps] == list(range(1, 189))
    assert epochs[-1].test_accuracy > 0.90
    assert epochs[-1].train_loss < epochs[0].train_loss
    assert final.test_accuracy == epochs[-1].test_accuracy
    assert all(s.images_per_s > 0 and np.isfinite(s.loss) for s in steps)


def test_training_with_augmentation_runs_and_improves(small_data):
    model = presets.build("tiny", np.random.default_rng(1))
    config = TrainConfig(epochs=1, batch_size=64, lr=0.05, augment=True, seed=1, subset=1500)
    before = model.get_weights()
    reports = _run(Trainer(model, small_data, config))
    assert reports[-1].reason == "completed"
    assert reports[-2].test_accuracy > 0.5
    assert any(not np.array_equal(before[k], v) for k, v in model.get_weights().items())


def test_same_seed_same_weights(small_data):
    def train(seed):
        model = presets.build("tiny", np.random.default_rng(seed))
        config = TrainConfig(epochs=1, batch_size=50, subset=500, augment=True, seed=seed,
                             eval_subset=100)
        _run(Trainer(model, small_data, config))
        return model.get_weights()
    a, b, c = train(3), train(3), train(4)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert any(not np.array_equal(a[k], c[k]) for k in a)


def test_stop_request_ends_the_run_between_steps(small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    trainer = Trainer(model, small_data, TrainConfig(epochs=5, batch_size=16, augment=False))
    reports = []
    for report in trainer.run():
        reports.append(report)
        if isinstance(report, StepReport) and report.step == 7:
            trainer.request_stop()
    assert isinstance(reports[-1], FinishedReport)
    assert reports[-1].reason == "stopped"
    assert reports[-1].steps == 7
    assert not any(isinstance(r, EpochReport) for r in reports)


def test_pause_holds_the_run_until_resumed(small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    trainer = Trainer(model, small_data, TrainConfig(epochs=1, batch_size=16, augment=False,
                                                     subset=320, eval_subset=100))
    gen = trainer.run()
    first = next(gen)
    assert first.step == 1
    trainer.pause()
    assert trainer.paused
    got = []
    worker = threading.Thread(target=lambda: got.append(next(gen)))
    worker.start()
    worker.join(0.3)
    assert worker.is_alive() and not got  # blocked while paused
    trainer.resume()
    worker.join(5)
    assert not worker.is_alive() and got[0].step == 2
    rest = list(gen)
    assert rest[-1].reason == "completed"


def test_stop_wakes_a_paused_run(small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    trainer = Trainer(model, small_data, TrainConfig(epochs=1, batch_size=16, augment=False))
    gen = trainer.run()
    next(gen)
    trainer.pause()
    threading.Timer(0.1, trainer.request_stop).start()
    rest = list(gen)
    assert rest[-1].reason == "stopped" and rest[-1].steps == 1


def test_divergence_stops_and_restores_the_last_good_weights(small_data):
    """lr=10 blows training up within a few steps: the run stops with reason
    "diverged" and the model holds the weights that produced the last sane loss."""
    model = presets.build("bench", np.random.default_rng(0))
    trainer = Trainer(model, small_data, TrainConfig(epochs=3, batch_size=64, lr=10.0, momentum=0.9,
                                                     schedule="constant", augment=False))
    weights_used = [model.get_weights()]   # weights_used[k]: weights that computed step k+1's loss
    final = None
    for report in trainer.run():
        if isinstance(report, StepReport):
            assert report.loss <= 100.0
            weights_used.append(model.get_weights())
        else:
            final = report
    assert final.reason == "diverged"
    assert "learning rate" in final.message
    steps = final.steps
    assert 1 <= steps < 3 * 47
    weights = model.get_weights()
    assert all(np.isfinite(v).all() for v in weights.values())
    expected = weights_used[steps - 1]
    assert all(np.array_equal(weights[k], expected[k]) for k in weights)


def test_nan_loss_on_the_first_step_is_reported(small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    model.layers[-1].params["b"][0] = np.nan
    before = model.get_weights()
    reports = list(Trainer(model, small_data, TrainConfig(epochs=1, augment=False)).run())
    assert len(reports) == 1 and reports[0].reason == "diverged" and reports[0].steps == 0
    after = model.get_weights()
    assert all(np.array_equal(before[k], after[k], equal_nan=True) for k in before)


def test_invalid_config_is_refused():
    with pytest.raises(ValueError, match="learning rate"):
        TrainConfig(lr=float("nan")).validate()
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="rmsprop").validate()
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="linear").validate()
    with pytest.raises(ValueError, match="at least 1"):
        TrainConfig(epochs=0).validate()

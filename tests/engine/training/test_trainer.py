"""engine.training.trainer.Trainer: learning, the run plan and the reports
(ETA, the end-of-epoch evaluation), stop/pause between steps and during the
end-of-epoch evaluation, reproducibility, and divergence: a loss that
explodes (or turns non-finite) or an update that overflows the weights stops
the run with ``FinishedReport(reason="diverged")`` and restores exactly the
weights that gave the last sane loss (finite, usable, savable, trainable
again). (Divergence through the command line: ``tests/scenarios/``.)

Pause and stop during the evaluation are driven from inside the evaluator's
checkpoint (:class:`HookedEvaluator`), so they happen at a known chunk.
"""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import engine
from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.evaluate import EvalResult, Evaluator
from engine.training.reports import EpochReport, FinishedReport, RunPlan, StepReport
from engine.training.trainer import Trainer

reliability = pytest.mark.reliability


@pytest.fixture(scope="module")
def small_data(mnist_data):
    """3,000 training images and 2,000 held-out test images."""
    return Dataset(mnist_data.train_images[:3000], mnist_data.train_labels[:3000],
                   mnist_data.test_images[:2000], mnist_data.test_labels[:2000])


def _run(trainer):
    return list(trainer.run())


class HookedEvaluator(Evaluator):
    """An :class:`Evaluator` (one thread) that calls ``hook(n)`` before the
    trainer's ``n``-th checkpoint of the current evaluation (n = 1, 2, ...)."""

    def __init__(self, model, hook):
        super().__init__(model, threads=1)
        self.hook, self.calls = hook, 0

    def run(self, images, labels, checkpoint=None):
        self.calls = 0

        def hooked():
            self.calls += 1
            self.hook(self.calls)
            checkpoint()
        return super().run(images, labels, hooked)


@pytest.mark.slow
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


@reliability
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


@reliability
def test_nan_loss_on_the_first_step_is_reported(small_data):
    model = presets.build("tiny", np.random.default_rng(0))
    model.layers[-1].params["b"][0] = np.nan
    before = model.get_weights()
    reports = list(Trainer(model, small_data, TrainConfig(epochs=1, augment=False)).run())
    assert len(reports) == 1 and reports[0].reason == "diverged" and reports[0].steps == 0
    after = model.get_weights()
    assert all(np.array_equal(before[k], after[k], equal_nan=True) for k in before)


# ------------------------------------------------------------- plan and reports
def test_plan_matches_the_steps_run_and_reports_carry_eta_and_evaluation(small_data):
    """100 images in batches of 32: 4 steps an epoch (the last of 4 images).
    The plan says so before the run; the step reports count to it; the ETA is
    finite from the first step, ``elapsed / step * steps left``, 0 at the last
    step; each epoch report carries its evaluation."""
    model = presets.build("tiny", np.random.default_rng(5))
    config = TrainConfig(epochs=2, batch_size=32, subset=100, eval_subset=150, augment=False,
                         workers=1)
    trainer = Trainer(model, small_data, config)
    assert trainer.plan == RunPlan(total_steps=8, steps_per_epoch=4, epochs=2, train_images=100,
                                   test_images=150, batch_size=32, full_test_set=False)
    reports = _run(trainer)
    steps = [r for r in reports if isinstance(r, StepReport)]
    epochs = [r for r in reports if isinstance(r, EpochReport)]
    assert [s.step for s in steps] == list(range(1, trainer.plan.total_steps + 1))
    assert {s.total_steps for s in steps} == {trainer.plan.total_steps}
    assert [s.epoch for s in steps] == [1] * 4 + [2] * 4
    assert [s.epoch_fraction for s in steps] == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    assert len(epochs) == trainer.plan.epochs and reports[-1].steps == trainer.plan.total_steps
    left = []
    for s in steps:
        assert math.isfinite(s.eta_s) and s.eta_s >= 0 and s.elapsed_s > 0
        assert s.eta_s == pytest.approx(s.elapsed_s / s.step * (s.total_steps - s.step), rel=1e-12)
        left.append(round(s.eta_s / (s.elapsed_s / s.step)))
    assert left == [7, 6, 5, 4, 3, 2, 1, 0] and steps[-1].eta_s == 0.0
    for report in epochs:
        result = report.evaluation
        assert isinstance(result, EvalResult)
        assert result.accuracy == report.test_accuracy and result.loss == report.test_loss
        assert len(result.labels) == trainer.plan.test_images == result.confusion.sum()
        np.testing.assert_array_equal(result.labels, small_data.test_labels[:150])
    assert reports[-1].test_accuracy == epochs[-1].evaluation.accuracy


# ------------------------------------------------------ stop/pause in evaluation
def test_stop_during_the_end_of_epoch_evaluation(small_data):
    """A stop requested while the test set is being evaluated (before its
    second chunk) abandons the evaluation at that chunk: reason "stopped", the
    message names the evaluation, no epoch report, no accuracy recorded."""
    model = presets.build("tiny", np.random.default_rng(0))
    holder = []

    def hook(n):
        if n == 2:
            holder[0].request_stop()

    with HookedEvaluator(model, hook) as evaluator:
        trainer = Trainer(model, small_data, TrainConfig(epochs=2, batch_size=32, subset=64,
                                                         eval_subset=1000, augment=False, workers=1),
                          evaluator=evaluator)
        holder.append(trainer)
        reports = _run(trainer)
        assert evaluator.calls == 2            # not one chunk more
    final = reports[-1]
    assert isinstance(final, FinishedReport) and final.reason == "stopped"
    assert "evaluation" in final.message
    assert final.steps == trainer.steps_per_epoch == 2 and final.epochs_completed == 0
    assert final.test_accuracy is None and trainer.test_accuracy is None
    assert not any(isinstance(r, EpochReport) for r in reports)
    assert not model.layers[0].training        # left in eval mode


def test_pause_during_the_evaluation_holds_it_until_resumed(small_data):
    """Paused before the evaluation's first chunk, the run does not get past
    that checkpoint until resumed; then the epoch completes normally."""
    model = presets.build("tiny", np.random.default_rng(0))
    in_eval, paused, released = threading.Event(), threading.Event(), threading.Event()

    def hook(n):
        if n == 1:
            in_eval.set()
            assert paused.wait(5)              # the main thread has called pause()
        elif n == 2:
            released.set()

    with HookedEvaluator(model, hook) as evaluator:
        trainer = Trainer(model, small_data, TrainConfig(epochs=1, batch_size=32, subset=64,
                                                         eval_subset=500, augment=False, workers=1),
                          evaluator=evaluator)
        reports = []
        worker = threading.Thread(target=lambda: reports.extend(trainer.run()))
        worker.start()
        try:
            assert in_eval.wait(30)
            trainer.pause()
            paused.set()
            assert not released.wait(0.3), "the evaluation went on while paused"
            assert trainer.paused and worker.is_alive()
            trainer.resume()
            assert released.wait(5)
        finally:
            trainer.resume()
            worker.join(30)
    assert not worker.is_alive()
    assert [type(r) for r in reports[-2:]] == [EpochReport, FinishedReport]
    assert reports[-1].reason == "completed" and reports[-1].epochs_completed == 1
    assert reports[-2].evaluation.confusion.sum() == 500


# ------------------------------------------------------------------ divergence
def _run_with_snapshots(model, data, config):
    """Run the trainer; ``snaps[j]`` = the weights after ``j`` updates."""
    trainer = Trainer(model, data, config)
    snaps = {0: model.get_weights()}
    reports = []
    for report in trainer.run():
        reports.append(report)
        if isinstance(report, StepReport):
            snaps[report.step] = model.get_weights()
    return trainer, reports, snaps


def _assert_weights_equal(model, weights):
    for name, value in model.named_params().items():
        assert np.array_equal(value, weights[name]), name


@reliability
def test_api_divergence_restores_last_sane_weights(mnist_data, tmp_path):
    data = Dataset.from_mnist(mnist_data)
    model = presets.build("bench", np.random.default_rng(0))
    config = TrainConfig(epochs=1, lr=10.0, schedule="constant", subset=2000, augment=False, seed=0,
                         workers=1, eval_subset=500)
    trainer, reports, snaps = _run_with_snapshots(model, data, config)
    finished = reports[-1]
    assert isinstance(finished, FinishedReport)
    assert finished.reason == "diverged", finished
    assert "lower the learning rate" in finished.message or "lower learning rate" in finished.message
    assert finished.epochs_completed == 0
    s = finished.steps
    assert s < trainer.steps_per_epoch  # within the first epoch
    steps = [r for r in reports if isinstance(r, StepReport)]
    assert len(steps) == s and all(np.isfinite(r.loss) for r in steps)
    # the loss of the weights kept was sane: it is the one reported at step s (computed before update s)
    if "diverged at step" in finished.message:
        assert f"diverged at step {s + 1}" in finished.message
        kept = snaps[max(s - 1, 0)]
        if s:
            assert steps[-1].loss <= config.max_loss
    else:
        assert "overflowed" in finished.message
        kept = snaps[s]
    _assert_weights_equal(model, kept)
    params = model.named_params()
    assert all(np.isfinite(v).all() for v in params.values())
    assert not model.layers[0].training  # left in eval mode
    probs = model.predict_proba(mnist_data.test_images[:32, None].astype(np.float32) / 255)
    assert np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    # still a model: saves, loads, and trains again with a sane learning rate
    model.save(tmp_path / "after.npz")
    _assert_weights_equal(engine.load_model(tmp_path / "after.npz"), kept)
    again = Trainer(model, data, TrainConfig(epochs=1, lr=0.01, schedule="constant", subset=256,
                                             augment=False, workers=1, eval_subset=200))
    last = list(again.run())[-1]
    assert last.reason == "completed", last.message
    assert all(np.isfinite(v).all() for v in model.named_params().values())


@reliability
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_api_weight_overflow_restores_the_previous_weights(mnist_data):
    """A learning rate so large the update overflows float32 (inf/NaN weights):
    stopped at once, the weights before the update restored bit for bit."""
    data = Dataset.from_mnist(mnist_data)
    model = presets.build("tiny", np.random.default_rng(1))
    config = TrainConfig(epochs=1, lr=1e300, schedule="constant", subset=512, augment=False, seed=1,
                         workers=1, eval_subset=100, weight_decay=0.0)
    trainer, reports, snaps = _run_with_snapshots(model, data, config)
    finished = reports[-1]
    assert finished.reason == "diverged", finished
    assert finished.steps == 0 and finished.epochs_completed == 0
    assert "lower the learning rate" in finished.message
    _assert_weights_equal(model, snaps[0])


@reliability
@pytest.mark.parametrize("optimizer, lr", [("adam", 50.0), ("sgd", 30.0)])
def test_divergence_is_detected_for_each_optimizer(mnist_data, optimizer, lr):
    """Rates far too high for either optimiser: the loss explodes within the
    first epoch and the run ends with a "diverged" report (never an exception,
    never "completed"), holding the finite weights of the last sane step."""
    data = Dataset.from_mnist(mnist_data)
    model = presets.build("tiny", np.random.default_rng(2))
    config = TrainConfig(epochs=1, optimizer=optimizer, lr=lr, schedule="constant", subset=1024,
                         augment=False, seed=2, workers=1, eval_subset=200)
    trainer, reports, snaps = _run_with_snapshots(model, data, config)
    finished = reports[-1]
    assert isinstance(finished, FinishedReport)
    assert finished.reason == "diverged", finished
    s = finished.steps
    assert 1 <= s < trainer.steps_per_epoch and finished.epochs_completed == 0
    assert f"diverged at step {s + 1}" in finished.message and f"{lr:g}" in finished.message
    steps = [r for r in reports if isinstance(r, StepReport)]
    assert len(steps) == s and all(r.loss <= config.max_loss for r in steps)
    _assert_weights_equal(model, snaps[s - 1])  # the weights that computed step s's sane loss
    assert all(np.isfinite(v).all() for v in model.named_params().values())


def test_the_finished_report_names_the_step_whose_weights_the_model_holds(small_data):
    """Completed or stopped: the last step; a loss that explodes restores the
    weights of the step before the last one done."""
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=1, batch_size=64, lr=0.05, augment=False, workers=1, subset=640,
                         eval_subset=200)
    done = list(Trainer(model, small_data, config).run())[-1]
    assert done.reason == "completed" and done.weights_step == done.steps == 10
    trainer = Trainer(presets.build("tiny", np.random.default_rng(0)), small_data, config)
    for report in trainer.run():
        if isinstance(report, StepReport) and report.step == 4:
            trainer.request_stop()
    assert report.reason == "stopped" and report.weights_step == 4


def test_all_finite_finds_nan_and_infinities_in_any_array():
    from engine.training.trainer import all_finite
    ok = [np.ones((3, 4), np.float32), np.zeros(5, np.float32)]
    assert all_finite(ok) and all_finite([])
    for bad in (np.nan, np.inf, -np.inf):
        arrays = [a.copy() for a in ok]
        arrays[1][2] = bad
        assert not all_finite(arrays), bad
    huge = np.full(4, 3e38, np.float32)     # finite, but a diverged run all the same
    assert not all_finite([huge])

"""engine.training.checkpoints: the schedule (0, 1-2-5 steps, epoch ends, the
last step), its deterministic thinning under the memory bound, and the
watcher that keeps checkpoints during a run: taken at the promised steps,
equal bit for bit to the weights at that step, restored into new models,
within the memory bound, and completed by the weights a stopped or diverged
run ends with."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.nn.model import Model
from engine.training.checkpoints import (CHECKPOINT_MEMORY_BYTES, MAX_CHECKPOINTS, Checkpoint,
                                         CheckpointReport, CheckpointWatcher, checkpoint_steps,
                                         thin_steps)
from engine.training.config import TrainConfig
from engine.training.reports import FinishedReport, RunPlan, StepReport
from engine.training.trainer import Trainer
from engine.training.watchers import RunWatcher


@pytest.fixture(scope="module")
def tiny_data(mnist_data):
    """256 training images (8 steps of 32 per epoch) and 100 test images."""
    return Dataset(mnist_data.train_images[:256], mnist_data.train_labels[:256],
                   mnist_data.test_images[:100], mnist_data.test_labels[:100])


def _config(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=32, lr=0.05, augment=False, workers=1, seed=5,
                schedule="constant")
    base.update(kw)
    return TrainConfig(**base)


class WeightLog(RunWatcher):
    """Records the weights at the start and after every step."""

    def __init__(self):
        self.weights: dict[int, dict[str, np.ndarray]] = {}

    def at_start(self, model, plan):
        self.weights[0] = model.get_weights()
        return ()

    def after_step(self, model, report):
        self.weights[report.step] = model.get_weights()
        return ()


class Saboteur(RunWatcher):
    """Blows the weights up after step ``at`` (the next batch's loss explodes)."""

    def __init__(self, at: int):
        self.at = at

    def after_step(self, model, report):
        if report.step == self.at:
            for value in model.named_params().values():
                value *= np.float32(1e30)
        return ()


def _same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) and a[k].dtype == b[k].dtype
                                        for k in a)


# ------------------------------------------------------------------ schedule
def test_the_schedule_is_step_0_the_1_2_5_steps_the_epoch_ends_and_the_last_step():
    assert checkpoint_steps(1000, 300) == [0, 1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 600, 900,
                                           1000]
    assert checkpoint_steps(7, 7) == [0, 1, 2, 5, 7]
    assert checkpoint_steps(16, 8) == [0, 1, 2, 5, 8, 10, 16]
    assert checkpoint_steps(0, 1) == [0]
    long = checkpoint_steps(25_000, 10_000)
    assert long == [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000,
                    25_000]
    with pytest.raises(ValueError):
        checkpoint_steps(10, 0)


def test_thinning_keeps_step_0_the_last_step_and_epoch_ends_first_then_spreads_the_rest():
    steps = checkpoint_steps(1000, 300)
    assert thin_steps(steps, 100, 300) == steps
    assert thin_steps(steps, 0, 300) == []
    assert thin_steps(steps, 1, 300) == [0]
    assert thin_steps(steps, 2, 300) == [0, 1000]
    assert thin_steps(steps, 4, 300) == [0, 300, 900, 1000]          # epoch ends spread evenly
    assert thin_steps(steps, 5, 300) == [0, 300, 600, 900, 1000]
    # then log-spaced ones, the crowded early ones dropped first
    assert thin_steps(steps, 8, 300) == [0, 2, 20, 100, 300, 600, 900, 1000]
    assert thin_steps(steps, 13, 300) == [0, 1, 2, 5, 10, 20, 50, 100, 200, 300, 600, 900, 1000]


@pytest.mark.parametrize("total, per_epoch", [(1, 1), (17, 4), (940, 94), (5000, 1), (9380, 938)])
def test_thinning_never_keeps_more_than_asked_and_is_deterministic(total, per_epoch):
    steps = checkpoint_steps(total, per_epoch)
    for keep in range(0, len(steps) + 2, max(1, len(steps) // 15)):
        kept = thin_steps(steps, keep, per_epoch)
        assert kept == sorted(set(kept)) and set(kept) <= set(steps)
        assert len(kept) == min(keep, len(steps))
        assert kept == thin_steps(list(reversed(steps)), keep, per_epoch)
        if keep >= 2:
            assert {0, total} <= set(kept)
        ends = [s for s in steps if s and s % per_epoch == 0]
        if keep >= len(set(ends) | {0, total}):
            assert set(ends) <= set(kept)


# ---------------------------------------------------------------- the watcher
def test_checkpoints_are_taken_at_the_promised_steps_with_the_weights_of_that_step(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    log, watcher = WeightLog(), CheckpointWatcher()
    reports = list(Trainer(model, tiny_data, _config(), watchers=[log, watcher]).run())
    assert watcher.schedule == [0, 1, 2, 5, 8, 10, 16] and not watcher.thinned
    assert [c.step for c in watcher.checkpoints] == watcher.schedule
    kept = [r.checkpoint for r in reports if isinstance(r, CheckpointReport)]
    assert kept == watcher.checkpoints                     # yielded, in order
    assert isinstance(reports[0], CheckpointReport) and reports[0].checkpoint.step == 0
    for i, report in enumerate(reports):                   # each right after its step
        if isinstance(report, CheckpointReport) and report.checkpoint.step:
            assert isinstance(reports[i - 1], StepReport)
            assert reports[i - 1].step == report.checkpoint.step
            assert report.checkpoint.epoch_fraction == reports[i - 1].epoch_fraction
    for checkpoint in watcher.checkpoints:
        assert _same_weights(checkpoint.weights, log.weights[checkpoint.step])
        assert all(not w.flags.writeable for w in checkpoint.weights.values())
    assert watcher.checkpoints[-1].epoch_fraction == 2.0
    assert _same_weights(watcher.checkpoints[-1].weights, model.get_weights())
    assert watcher.nbytes == 7 * sum(w.nbytes for w in model.get_weights().values())


def test_a_checkpoint_restores_its_weights_into_a_new_model_each_time(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    watcher = CheckpointWatcher()
    list(Trainer(model, tiny_data, _config(epochs=1), watchers=[watcher]).run())
    checkpoint = watcher.checkpoints[3]                    # step 5
    first, second = checkpoint.model, checkpoint.model
    assert isinstance(first, Model) and first is not second
    assert _same_weights(first.get_weights(), checkpoint.weights)
    assert not first.layers[0].training                    # eval mode
    for name, value in first.named_params().items():
        assert not np.shares_memory(value, checkpoint.weights[name])
        assert not np.shares_memory(value, second.named_params()[name])
    first.named_params()["fc1.b"][:] = 7.0                 # the checkpoint is untouched
    assert not np.any(checkpoint.weights["fc1.b"] == 7.0)
    x = tiny_data.test_images[:20][:, None].astype(np.float32) / 255
    replayed = presets.build("tiny", np.random.default_rng(1))
    replayed.set_weights(checkpoint.weights)
    np.testing.assert_array_equal(second.predict_proba(x), replayed.predict_proba(x))
    assert "test_accuracy" not in checkpoint.architecture["metadata"]
    assert checkpoint.architecture["metadata"]["preset"] == "tiny"


def test_checkpoints_stay_within_the_memory_bound(tiny_data):
    """With room for 4 checkpoints, the 7 scheduled steps are thinned before the
    run: 0, the epoch ends 8 and 16, and of the 1-2-5 steps the one least
    crowded (10 lies close to 8 and 16)."""
    model = presets.build("tiny", np.random.default_rng(0))
    per = sum(w.nbytes for w in model.get_weights().values())
    watcher = CheckpointWatcher(max_bytes=4 * per + per // 2)
    list(Trainer(model, tiny_data, _config(), watchers=[watcher]).run())
    assert watcher.thinned and len(watcher.schedule) == 4
    assert [c.step for c in watcher.checkpoints] == watcher.schedule == [0, 2, 8, 16]
    assert watcher.nbytes <= watcher.max_bytes
    assert CHECKPOINT_MEMORY_BYTES == 100 * 2**20


def test_the_default_bound_holds_for_a_run_whose_checkpoints_would_exceed_it():
    """The playground net (1 MB of weights), 150 one-step epochs: 150+ scheduled
    checkpoints would take ~155 MB; the kept ones stay within 100 MB."""
    model = presets.build("playground", np.random.default_rng(0))
    per = sum(w.nbytes for w in model.get_weights().values())
    plan = RunPlan(total_steps=150, steps_per_epoch=1, epochs=150, train_images=64,
                   test_images=10, batch_size=64)
    watcher = CheckpointWatcher()
    assert len(checkpoint_steps(150, 1)) * per > CHECKPOINT_MEMORY_BYTES
    list(watcher.at_start(model, plan))
    for step in range(1, 151):
        list(watcher.after_step(model, StepReport(step, 150, step, float(step), 1.0, 0.5, 0.1,
                                                  100.0, 1.0)))
    assert watcher.thinned and watcher.nbytes <= CHECKPOINT_MEMORY_BYTES
    assert watcher.nbytes > CHECKPOINT_MEMORY_BYTES - per            # the room is used
    assert [c.step for c in watcher.checkpoints] == watcher.schedule
    assert watcher.schedule[0] == 0 and watcher.schedule[-1] == 150


def test_a_checkpoint_larger_than_the_bound_is_not_kept(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    watcher = CheckpointWatcher(max_bytes=1000)
    reports = list(Trainer(model, tiny_data, _config(epochs=1), watchers=[watcher]).run())
    assert watcher.thinned and watcher.checkpoints == [] and watcher.schedule == []
    assert not any(isinstance(r, CheckpointReport) for r in reports)
    assert watcher.after_finish(model, reports[-1]) is None


def test_a_long_run_keeps_at_most_max_checkpoints():
    model = presets.build("tiny", np.random.default_rng(0))
    watcher = CheckpointWatcher()
    plan = RunPlan(total_steps=5000, steps_per_epoch=1, epochs=5000, train_images=32,
                   test_images=10, batch_size=32)
    first = list(watcher.at_start(model, plan))
    assert len(watcher.schedule) == MAX_CHECKPOINTS and watcher.thinned
    assert watcher.schedule[0] == 0 and watcher.schedule[-1] == 5000
    assert [r.checkpoint.step for r in first] == [0]


# -------------------------------------------------------- runs that end early
def test_a_stopped_run_adds_the_weights_of_its_last_step(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    log, watcher = WeightLog(), CheckpointWatcher()
    trainer = Trainer(model, tiny_data, _config(), watchers=[log, watcher])
    finished = None
    for report in trainer.run():
        if isinstance(report, StepReport) and report.step == 7:
            trainer.request_stop()
        finished = report
    assert isinstance(finished, FinishedReport) and finished.reason == "stopped"
    assert [c.step for c in watcher.checkpoints] == [0, 1, 2, 5]
    added = watcher.after_finish(model, finished)
    assert isinstance(added, CheckpointReport) and added.checkpoint.step == 7
    assert added.checkpoint.epoch_fraction == pytest.approx(7 / 8)
    assert _same_weights(added.checkpoint.weights, log.weights[7])
    assert watcher.after_finish(model, finished) is None    # only once
    assert [c.step for c in watcher.checkpoints] == [0, 1, 2, 5, 7]


def test_a_completed_run_adds_nothing_at_the_end(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    watcher = CheckpointWatcher()
    reports = list(Trainer(model, tiny_data, _config(epochs=1), watchers=[watcher]).run())
    assert watcher.after_finish(model, reports[-1]) is None
    assert watcher.final(model, 3, 0.5) is None             # not after the last checkpoint
    assert [c.step for c in watcher.checkpoints] == [0, 1, 2, 5, 8]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverged_run_adds_the_restored_weights_under_their_own_step(tiny_data):
    """The loss of step 8 explodes: the trainer restores the weights of step 6
    (the last that gave a sane loss), and that is the step the checkpoint names."""
    model = presets.build("tiny", np.random.default_rng(0))
    log, watcher = WeightLog(), CheckpointWatcher()
    reports = list(Trainer(model, tiny_data, _config(epochs=3),
                           watchers=[log, watcher, Saboteur(at=7)]).run())
    finished = reports[-1]
    assert finished.reason == "diverged" and finished.steps == 7
    assert _same_weights(model.get_weights(), log.weights[6])
    assert finished.weights_step == 6                        # the report says which
    added = watcher.after_finish(model, finished)
    assert added is not None and added.checkpoint.step == 6
    assert _same_weights(added.checkpoint.weights, log.weights[6])
    assert [c.step for c in watcher.checkpoints] == [0, 1, 2, 5, 6]


def test_checkpoint_of_copies_the_weights():
    model = presets.build("tiny", np.random.default_rng(0))
    checkpoint = Checkpoint.of(model, 0, 0.0)
    model.named_params()["conv1.K"][:] = 0.5
    assert not np.any(checkpoint.weights["conv1.K"] == 0.5)
    assert checkpoint.nbytes == sum(w.nbytes for w in model.get_weights().values())
    with pytest.raises(ValueError):
        checkpoint.weights["conv1.b"][0] = 1.0              # read-only

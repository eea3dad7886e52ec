"""engine.training.watchers: the trainer calls its watchers at the start, after
every step (with the weights after the step and the gradients the step used)
and after every epoch, and yields what they return right after the report
that triggered them."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.reports import EpochReport, FinishedReport, RunPlan, StepReport
from engine.training.trainer import Trainer
from engine.training.watchers import RunWatcher


@pytest.fixture(scope="module")
def tiny_data(mnist_data):
    return Dataset(mnist_data.train_images[:256], mnist_data.train_labels[:256],
                   mnist_data.test_images[:200], mnist_data.test_labels[:200])


class Recorder(RunWatcher):
    def __init__(self):
        self.seen: list[tuple] = []

    def at_start(self, model, plan):
        self.seen.append(("start", plan.total_steps, model.get_weights()))
        return [("marker", 0)]

    def after_step(self, model, report):
        grads = {k: g.copy() for k, g in model.named_grads().items()}
        self.seen.append(("step", report.step, model.get_weights(), grads))
        return [("marker", report.step)] if report.step % 2 == 0 else []

    def after_epoch(self, model, report):
        self.seen.append(("epoch", report.epoch))
        return [("marker", "epoch", report.epoch)]


def _config(**kw):
    base = dict(epochs=2, batch_size=64, lr=0.05, augment=False, workers=1, seed=3,
                schedule="constant")
    base.update(kw)
    return TrainConfig(**base)


def test_watchers_are_called_in_order_and_their_reports_follow_the_trigger(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    recorder = Recorder()
    reports = list(Trainer(model, tiny_data, _config(), watchers=[recorder]).run())
    kinds = [r if isinstance(r, tuple) else type(r).__name__ for r in reports]
    assert kinds[0] == ("marker", 0)
    for i, r in enumerate(reports):
        if isinstance(r, StepReport) and r.step % 2 == 0:
            assert reports[i + 1] == ("marker", r.step)
        if isinstance(r, EpochReport):
            assert reports[i + 1] == ("marker", "epoch", r.epoch)
    assert isinstance(reports[-1], FinishedReport)
    steps = [s[1] for s in recorder.seen if s[0] == "step"]
    assert steps == list(range(1, 9))          # 256 images / 64 = 4 steps, 2 epochs
    assert [s[1] for s in recorder.seen if s[0] == "epoch"] == [1, 2]


def test_a_watcher_sees_the_weights_after_each_step_and_the_step_s_gradients(tiny_data):
    """Plain SGD without momentum or decay: w_after = w_before - lr * grad."""
    model = presets.build("tiny", np.random.default_rng(0))
    recorder = Recorder()
    list(Trainer(model, tiny_data, _config(epochs=1, optimizer="sgd", momentum=0.0,
                                           weight_decay=0.0), watchers=[recorder]).run())
    before = recorder.seen[0][2]
    for entry in recorder.seen[1:]:
        if entry[0] != "step":
            continue
        _, step, after, grads = entry
        for name, w in after.items():
            np.testing.assert_allclose(w, before[name] - 0.05 * grads[name], rtol=1e-5, atol=1e-7)
        before = after


def test_watchers_do_not_change_the_run(tiny_data):
    plain = presets.build("tiny", np.random.default_rng(0))
    watched = presets.build("tiny", np.random.default_rng(0))
    list(Trainer(plain, tiny_data, _config()).run())
    list(Trainer(watched, tiny_data, _config(), watchers=[Recorder()]).run())
    for name, w in plain.get_weights().items():
        assert np.array_equal(w, watched.get_weights()[name])


def test_the_base_watcher_adds_nothing(tiny_data):
    model = presets.build("tiny", np.random.default_rng(0))
    reports = list(Trainer(model, tiny_data, _config(epochs=1), watchers=[RunWatcher()]).run())
    assert all(isinstance(r, (StepReport, EpochReport, FinishedReport, RunPlan)) for r in reports)

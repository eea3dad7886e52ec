"""The trainer checks each step's gradients while the next step already runs
(only the weight update sits between two steps): a sane loss with
non-finite gradients still ends the run as "diverged", drops the step
already started, and restores the weights that gave the last sane loss.
The gradients are looked at only when the updated weights are not finite,
which every optimiser guarantees for non-finite gradients."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.optim import OptimizerConfig, default_lr
from engine.training.process_parallel import ProcessParallel
from engine.training.reports import FinishedReport, StepReport
from engine.training.trainer import Trainer, all_finite


@pytest.fixture(scope="module")
def data(mnist_data):
    return Dataset(mnist_data.train_images[:1280], mnist_data.train_labels[:1280],
                   mnist_data.test_images[:200], mnist_data.test_labels[:200])


def _poison_gradients_at(monkeypatch, step: int, value: float) -> list[int]:
    """From the ``step``-th collect on, one gradient entry holds ``value``;
    returns the list of collects seen (and discards, as -1)."""
    calls: list[int] = []
    collect, discard = ProcessParallel.collect, ProcessParallel.discard

    def poisoned(self):
        result = collect(self)
        calls.append(len(calls) + 1)
        if len(calls) == step:
            next(iter(self.model.named_grads().values())).flat[7] = value
        return result

    def counted_discard(self):
        calls.append(-1)
        return discard(self)
    monkeypatch.setattr(ProcessParallel, "collect", poisoned)
    monkeypatch.setattr(ProcessParallel, "discard", counted_discard)
    return calls


def _run_keeping_weights(trainer: Trainer, model) -> tuple[object, dict[int, dict]]:
    """Run ``trainer`` to its end: ``(its last report, {step: the weights
    after that step})``, with step 0 the weights before the run."""
    snaps, reports = {0: model.get_weights()}, []
    for report in trainer.run():
        reports.append(report)
        if isinstance(report, StepReport):
            snaps[report.step] = model.get_weights()
    return reports[-1], snaps


@pytest.mark.parametrize("slices_on", ["threads", "processes"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradients_with_a_sane_loss_restore_the_last_sane_weights(
        data, monkeypatch, slices_on, bad):
    calls = _poison_gradients_at(monkeypatch, 4, bad)
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=1, batch_size=64, lr=0.05, augment=False, workers=2,
                         schedule="constant", eval_subset=200)
    trainer = Trainer(model, data, config, slices_on=slices_on)
    finished, snaps = _run_keeping_weights(trainer, model)
    assert isinstance(finished, FinishedReport) and finished.reason == "diverged"
    assert "diverged at step 4" in finished.message and finished.steps == 3
    assert finished.weights_step == 2
    weights = model.get_weights()
    assert all(np.array_equal(weights[k], snaps[2][k]) for k in weights)
    assert calls == [1, 2, 3, 4, -1]        # step 5 had started: dropped, never collected
    assert trainer.slices_ran_on == slices_on


def test_non_finite_gradients_on_the_first_step_keep_the_initial_weights(data, monkeypatch):
    _poison_gradients_at(monkeypatch, 1, np.inf)
    model = presets.build("tiny", np.random.default_rng(0))
    before = model.get_weights()
    config = TrainConfig(epochs=1, batch_size=64, augment=False, workers=2, eval_subset=200)
    finished = list(Trainer(model, data, config, slices_on="threads").run())[-1]
    assert finished.reason == "diverged" and finished.steps == 0 and finished.weights_step == 0
    after = model.get_weights()
    assert all(np.array_equal(before[k], after[k]) for k in before)


OPTIMIZERS = {
    "sgd": OptimizerConfig("sgd", 0.05, momentum=0.9, weight_decay=5e-4),
    "sgd, no momentum, no decay": OptimizerConfig("sgd", 0.05, momentum=0.0, weight_decay=0.0),
    "adam": OptimizerConfig("adam", 0.001, weight_decay=5e-4),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("lr", [0.05, 0.0])
def test_every_optimiser_turns_a_non_finite_gradient_into_a_non_finite_weight(name, bad, lr):
    """What lets the trainer look at the gradients only when the updated
    weights are not finite: no optimiser update hides a NaN or an infinity
    (not even at a learning rate of 0, the end of a cosine schedule)."""
    model = presets.build("tiny", np.random.default_rng(0))
    params, grads = model.named_params(), model.named_grads()
    rng = np.random.default_rng(1)
    optimizer = OPTIMIZERS[name].build()
    for _ in range(2):      # some momentum / moments first
        for g in grads.values():
            g[...] = rng.standard_normal(g.shape) * 0.01
        optimizer.step(params, grads, 0.05)
    assert all_finite(params.values())
    for g in grads.values():
        g[...] = rng.standard_normal(g.shape) * 0.01
    grads["conv1.b"][1] = bad
    with np.errstate(invalid="ignore", over="ignore"):
        optimizer.step(params, grads, lr)
    assert not np.isfinite(params["conv1.b"][1])
    assert not all_finite(params.values())


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_non_finite_gradient_ends_an_adam_or_sgd_run_as_diverged(data, monkeypatch, optimizer):
    _poison_gradients_at(monkeypatch, 3, -np.inf)
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=1, batch_size=64, optimizer=optimizer, lr=default_lr(optimizer),
                         augment=False, workers=2, schedule="constant", eval_subset=200)
    trainer = Trainer(model, data, config, slices_on="threads")
    finished, snaps = _run_keeping_weights(trainer, model)
    assert finished.reason == "diverged" and "diverged at step 3" in finished.message
    assert "overflowed" not in finished.message and finished.weights_step == 1
    weights = model.get_weights()
    assert all(np.array_equal(weights[k], snaps[1][k]) for k in weights)

"""Training divergence: a learning rate far too high must stop the run cleanly.

Through the command line (``python -m engine train --lr 10 ...`` in a
subprocess): exit code 3, stderr says the run diverged and suggests a lower
learning rate, the JSON summary on stdout has ``result: "diverged"``, and
the ``--out`` file is either absent (diverged before the first epoch ended)
or a valid model with finite weights. Through the API: ``Trainer`` stops with
reason ``"diverged"`` inside the first epoch, restores exactly the weights
that gave the last sane loss (finite, usable, savable, trainable again), and
the same holds when the update itself overflows the weights.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import engine
from engine import presets
from engine.train import Dataset, FinishedReport, StepReport, TrainConfig, Trainer
from tests.support.data_fixtures import REPO_ROOT, mnist_folder


def test_cli_divergence_exit_code_message_and_summary(tmp_path, mnist_data):
    out = tmp_path / "X.npz"
    proc = subprocess.run(
        [sys.executable, "-m", "engine", "train", "--preset", "bench", "--lr", "10", "--schedule", "constant",
         "--epochs", "1", "--subset", "2000", "--no-augment", "--data-dir", str(mnist_folder()),
         "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [l for l in proc.stderr.splitlines() if l.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    assert "diverged" in errors[0] and "lower learning rate" in errors[0] and "10" in errors[0]
    summary = json.loads(proc.stdout)
    assert summary["result"] == "diverged"
    assert "diverged" in summary["message"]
    assert summary["epochs_completed"] == 0 and summary["history"] == []
    assert summary["steps"] < 2000 // 64 + 1
    assert summary["test_accuracy"] is None
    if out.exists():  # only if an epoch had finished (it cannot have, here)
        model = engine.load_model(out)
        assert all(np.isfinite(v).all() for v in model.named_params().values())
    else:
        assert summary["out"] is None
    assert [p.name for p in tmp_path.iterdir() if p.name != "X.npz"] == []  # no temp files


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


@pytest.mark.parametrize("optimizer, lr", [("adam", 50.0), ("sgd", 3.0)])
def test_divergence_is_reported_not_raised(mnist_data, optimizer, lr):
    """Other optimisers / rates: the run ends with a report, finite weights,
    never an exception or NaN weights."""
    data = Dataset.from_mnist(mnist_data)
    model = presets.build("tiny", np.random.default_rng(2))
    config = TrainConfig(epochs=1, optimizer=optimizer, lr=lr, schedule="constant", subset=1024,
                         augment=False, seed=2, workers=1, eval_subset=200)
    reports = list(Trainer(model, data, config).run())
    assert isinstance(reports[-1], FinishedReport)
    assert reports[-1].reason in ("diverged", "completed")
    assert all(np.isfinite(v).all() for v in model.named_params().values())

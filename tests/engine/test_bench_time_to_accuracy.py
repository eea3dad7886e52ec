"""``python -m engine.bench --time-to-accuracy``: our engine and its PyTorch
twin train the same recipe (engine.bench.time_to_accuracy.TtaRecipe) with
the same stopwatch (AccuracyProbe: test set every ``eval_every`` steps after
half an epoch, evaluation time excluded); engine.bench.tta_compare runs both
alternately and prints them side by side. PyTorch is never needed here: the
twin's own test skips without it."""
from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from engine.bench import main
from engine.bench import tta_compare
from engine.bench.time_to_accuracy import AccuracyProbe, TtaRecipe, time_to_accuracy
from engine.bench.torch_time_to_accuracy import torch_time_to_accuracy
from engine.bench.tta_compare import compare_time_to_accuracy, format_time_to_accuracy
from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.trainer import Trainer


def _small(mnist_data) -> Dataset:
    return Dataset(mnist_data.train_images[:2000], mnist_data.train_labels[:2000],
                   mnist_data.test_images[:500], mnist_data.test_labels[:500])


def test_the_probe_evaluates_after_half_an_epoch_and_keeps_its_time_out():
    calls = []

    def slow_accuracy():
        calls.append(len(calls))
        time.sleep(0.15)
        return [0.5, 0.98, 0.995][len(calls) - 1]

    probe = AccuracyProbe(0.99, eval_every=10, steps_per_epoch=50, evaluate_fn=slow_accuracy)
    reached_at = next(step for step in range(1, 200) if probe.after_step(step))
    assert reached_at == 50 and len(calls) == 3     # steps 30, 40 and 50 (half an epoch: 25)
    r = probe.result()
    assert r["reached"] and r["steps"] == 50 and r["test_accuracy"] == 0.995
    assert r["train_seconds"] < 0.1 < 0.4 < r["wall_seconds_with_evaluation"]


def test_the_probe_checks_only_multiples_of_eval_every_from_half_an_epoch():
    seen = []
    probe = AccuracyProbe(0.99, eval_every=10, steps_per_epoch=50,
                          evaluate_fn=lambda: seen.append(probe.steps) or 0.5)
    for step in range(1, 61):
        assert not probe.after_step(step)
    assert seen == [30, 40, 50, 60]
    r = probe.result()
    assert not r["reached"] and r["train_seconds"] is None and r["test_accuracy"] == 0.5
    assert r["epochs"] == pytest.approx(60 / 50)


def test_the_recipe_is_the_trainers_run(mnist_data):
    recipe = TtaRecipe(batch_size=64, lr=0.05, warmup_steps=100, epochs=3)
    config = recipe.train_config()
    assert (config.batch_size, config.lr, config.momentum, config.weight_decay) == (64, 0.05, 0.9, 5e-4)
    assert config.schedule == "cosine" and config.warmup_steps == 100 and not config.augment
    data = _small(mnist_data)
    trainer = Trainer(presets.build("tiny", np.random.default_rng(0)), data, config)
    ours = recipe.schedule(len(data.train_labels))
    assert recipe.steps_per_epoch(2000) == trainer.steps_per_epoch == 32
    assert [ours(s) for s in range(0, 96, 7)] == [trainer.schedule(s) for s in range(0, 96, 7)]
    assert "cosine over 3 epochs" in recipe.record()["schedule"]


def test_time_to_accuracy_reports_the_run(mnist_data):
    recipe = TtaRecipe(preset="tiny", epochs=3, eval_every=10)
    r = time_to_accuracy(0.6, recipe=recipe, data=_small(mnist_data))
    assert r["reached"] and r["test_accuracy"] >= 0.6
    assert r["steps"] % 10 == 0 and r["steps"] >= 16 and r["epochs"] == pytest.approx(r["steps"] / 32)
    assert 0 < r["train_seconds"] < r["wall_seconds_with_evaluation"]
    assert (r["preset"], r["batch_size"], r["lr"], r["target"]) == ("tiny", 64, 0.05, 0.6)


def _fake_run(seconds, reached=True, **extra):
    run = {"target": 0.99, "reached": reached, "train_seconds": seconds if reached else None,
           "wall_seconds_with_evaluation": 20.0, "test_accuracy": 0.9912 if reached else 0.985,
           "steps": 1500, "epochs": 1.6} | TtaRecipe().record()
    return run | extra


def test_compare_alternates_the_runs_and_takes_medians(monkeypatch):
    order, ours, theirs = [], iter([12.0, 10.0, 11.0]), iter([8.0, 9.0, 7.0])
    monkeypatch.setattr(tta_compare, "load_data", lambda data_dir: "data")
    monkeypatch.setattr(tta_compare, "time_to_accuracy",
                        lambda target, recipe, data: order.append("ours") or _fake_run(next(ours)))
    monkeypatch.setattr(tta_compare, "torch_time_to_accuracy",
                        lambda target, recipe, data: order.append("torch") or
                        _fake_run(next(theirs), version="2.13.0", threads=2))
    r = compare_time_to_accuracy(0.99, repeats=3)
    assert order == ["ours", "torch"] * 3
    assert r["train_seconds"] == 11.0 and r["runs_train_seconds"] == [12.0, 10.0, 11.0]
    assert r["torch"]["train_seconds"] == 8.0 and r["ratio_vs_torch"] == pytest.approx(8 / 11)
    assert len(r["load_average"]) == 2
    text = "\n".join(format_time_to_accuracy(r))
    assert "torch 2.13.0" in text and "0.73" in text and "11.0" in text and "8.0" in text
    assert "medians of 3 alternating runs" in text and "ratio: torch seconds / ours" in text


def test_compare_without_torch_and_a_missed_target(monkeypatch):
    monkeypatch.setattr(tta_compare, "load_data", lambda data_dir: "data")
    monkeypatch.setattr(tta_compare, "time_to_accuracy",
                        lambda target, recipe, data: _fake_run(0.0, reached=False))
    monkeypatch.setattr(tta_compare, "torch_time_to_accuracy", lambda target, recipe, data: None)
    r = compare_time_to_accuracy(0.99)
    assert not r["reached"] and r["train_seconds"] is None and "torch" not in r
    lines = format_time_to_accuracy(r)
    assert "not reached" in lines[1] and "torch" not in lines[0]
    assert any("last test accuracy: ours 98.50%" in line for line in lines)


def test_printed_rows_side_by_side():
    r = _fake_run(11.5) | {"torch": _fake_run(7.9, version="2.13.0", threads=2, steps=1600,
                                              epochs=1.71),
                           "ratio_vs_torch": 7.9 / 11.5, "load_average": [1.25, 1.5]}
    lines = format_time_to_accuracy(r)
    assert lines[0].startswith("time to 99.00% test accuracy") and lines[0].endswith("ratio")
    assert lines[1].split() == ["training", "seconds", "11.5", "7.9", "0.69"]
    assert lines[2].split() == ["steps", "(epochs)", "1500", "(1.60)", "1600", "(1.71)"]
    assert "load average 1.25 before, 1.50 after" in lines[-1]
    assert "batch 64, SGD 0.05 momentum 0.9, weight decay 0.0005" in "\n".join(lines)


def test_repeats_must_be_a_positive_count(capsys):
    assert main(["--time-to-accuracy", "0.99", "--tta-repeats", "0"]) == 2
    assert "--tta-repeats" in capsys.readouterr().err


def test_the_twin_is_none_without_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)         # import torch raises ImportError
    assert torch_time_to_accuracy(0.99, data="not needed") is None


def test_the_twin_has_our_weights_and_learns(mnist_data):
    torch = pytest.importorskip("torch")
    from engine.bench.torch_time_to_accuracy import torch_twin_of
    model = presets.build("bench", np.random.default_rng(0)).eval()
    x = np.random.default_rng(1).random((4, 1, 28, 28), dtype=np.float32)
    ours = model.predict_proba(x)
    theirs = torch.softmax(torch_twin_of(model, torch).eval()(torch.from_numpy(x)), 1)
    assert np.allclose(ours, theirs.detach().numpy(), atol=1e-5)
    r = torch_time_to_accuracy(0.6, recipe=TtaRecipe(preset="tiny", epochs=3, eval_every=10),
                               data=_small(mnist_data))
    assert r["reached"] and r["test_accuracy"] >= 0.6 and r["version"] == torch.__version__

"""engine.cli (``python -m engine``): train writes a loadable model and a JSON
summary, evaluate reports accuracy per class and the confusion matrix, and
missing or bad files are one-line errors. (Whole-process scenarios with
corrupt inputs and divergence: ``tests/scenarios/``.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

import engine
from engine.cli import main
from engine.nn import presets
from tests.support.data_fixtures import REPO_ROOT, mnist_folder


def test_train_writes_a_loadable_model_and_prints_a_json_summary(tmp_path, capsys, mnist_data):
    out = tmp_path / "m.npz"
    code = main(["train", "--preset", "tiny", "--epochs", "1", "--subset", "600", "--batch-size", "32",
                 "--no-augment", "--data-dir", str(mnist_folder()), "--out", str(out), "--quiet"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["result"] == "completed" and summary["epochs_completed"] == 1
    assert 0.5 < summary["test_accuracy"] <= 1.0
    model = engine.load_model(out)
    assert model.metadata["test_accuracy"] == summary["test_accuracy"]
    assert model.metadata["command"].startswith("python -m engine train --preset tiny")
    assert model.layer_shapes()[-1][1] == (10,)


def test_evaluate_json_reports_accuracy_per_class_and_confusion(tmp_path, capsys, mnist_data):
    model = presets.build("tiny", np.random.default_rng(0))
    path = tmp_path / "m.npz"
    model.save(path)
    assert main(["evaluate", "--model", str(path), "--json", "--data-dir", str(mnist_folder())]) == 0
    result = json.loads(capsys.readouterr().out)
    confusion = np.array(result["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert np.array_equal(confusion.sum(axis=1), np.bincount(mnist_data.test_labels, minlength=10))
    assert abs(result["accuracy"] - np.trace(confusion) / 10000) < 1e-12
    assert len(result["per_class_accuracy"]) == 10


def test_missing_model_file_is_a_one_line_error(tmp_path, capsys):
    code = main(["evaluate", "--data-dir", str(tmp_path), "--no-download",
                 "--model", str(tmp_path / "none.npz")])
    err = capsys.readouterr().err
    assert code == 2
    assert "none.npz" in err and "Traceback" not in err


def test_missing_data_message_names_the_folder_and_the_setting(tmp_path, capsys):
    model = presets.build("tiny", np.random.default_rng(0))
    model.save(tmp_path / "m.npz")
    code = main(["evaluate", "--model", str(tmp_path / "m.npz"), "--data-dir", str(tmp_path / "empty"),
                 "--no-download"])
    err = capsys.readouterr().err
    assert code == 1
    assert str(tmp_path / "empty") in err and "CNN_PLAYGROUND_DATA" in err


def test_bad_model_file_is_a_clear_error_not_a_traceback(tmp_path, capsys, mnist_data):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    code = main(["evaluate", "--model", str(bad), "--data-dir", str(mnist_folder())])
    err = capsys.readouterr().err
    assert code == 1 and "error:" in err and "Traceback" not in err


def test_python_dash_m_engine_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "engine", "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    for command in ("train", "evaluate", "download"):
        assert command in proc.stdout


def test_bench_json_reports_training_throughput(tmp_path):
    """``python -m engine.bench --json`` (a public handle) prints one JSON object
    whose ``train_images_per_s`` has a positive rate per benchmark batch size."""
    proc = subprocess.run([sys.executable, "-m", "engine.bench", "--json", "--no-torch", "--quick"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    rates = result["train_images_per_s"]
    assert set(rates) == {"64", "128"} and all(r > 0 for r in rates.values())
    assert result["forward_ms_batch1"] > 0


def test_novelty_pen_mix_is_validated_before_work(tmp_path, capsys):
    code = main(["novelty", "--model", "assets/model.npz", "--pen-mix", "-1",
                 "--data-dir", str(tmp_path), "--no-download"])
    err = capsys.readouterr().err
    assert code == 2 and "pen-mix" in err and "Traceback" not in err

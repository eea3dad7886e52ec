"""Training divergence through the command line: a learning rate far too high
must stop the run cleanly.

``python -m engine train --lr 10 ...`` in a subprocess: exit code 3, stderr
says the run diverged and suggests a lower learning rate, the JSON summary on
stdout has ``result: "diverged"``, and the ``--out`` file is either absent
(diverged before the first epoch ended) or a valid model with finite
weights; no temp files are left. (The trainer's own divergence handling:
``tests/engine/training/test_trainer.py``.)
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import engine
from tests.support.data_fixtures import REPO_ROOT, mnist_folder

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]


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

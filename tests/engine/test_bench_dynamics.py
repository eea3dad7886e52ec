"""``python -m engine.bench --dynamics``: trains the bench and playground
presets without and with the dynamics watcher and reports the cost; a
``--quick`` smoke run gives every figure but no verdict."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from engine.bench.dynamics import dynamics_cost, format_dynamics
from engine.training.dynamics import DynamicsConfig
from tests.support.code_rules import REPO_ROOT


def test_bench_dynamics_flag_reports_both_presets(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "engine.bench", "--dynamics", "--quick",
                           "--json", "--no-torch"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert set(result["train_images_per_s"]) == {"64", "128"}     # the usual table is still there
    d = result["dynamics"]
    assert d["batch"] == 64 and set(d["presets"]) == {"bench", "playground"}
    for p in d["presets"].values():
        assert p["median_without_s"] > 0 and p["median_with_s"] > 0
        assert p["samples"] >= 4            # 30 steps: steps 1, 2, 3, the last (and the budget's)
        assert p["passed"] is None          # too short for a verdict
    assert d["passed"] is None


def test_a_verdict_needs_a_run_of_at_least_one_sampling_period():
    config = DynamicsConfig(every=5, first_steps=1)
    d = dynamics_cost(steps=10, pairs=2, names=("tiny",), dynamics=config)
    tiny = d["presets"]["tiny"]
    assert len(tiny["without_s"]) == len(tiny["with_s"]) == 2
    assert tiny["samples"] == 3                                     # steps 1, 5, 10
    assert tiny["passed"] == (tiny["cost_percent"] < 3.0) and d["passed"] == tiny["passed"]
    text = "\n".join(format_dynamics(d))
    # the verdict line (its note "repeat a FAIL" is there whatever the verdict)
    verdicts = [line.split(":")[0].strip() for line in text.splitlines()
                if line.startswith(("  PASS:", "  FAIL:"))]
    assert verdicts == ["PASS" if tiny["passed"] else "FAIL"]
    assert "tiny" in text and "every 5" in text

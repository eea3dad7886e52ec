"""``engine.tools.stroke_replay``: the measurement through its Python API on a
few real MNIST digits, the conditions, and the command line's exits."""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine import load_model
from engine.data.mnist import ENV_VAR
from engine.tools import stroke_replay as sr
from tests.support.data_fixtures import mnist_folder


def test_measure_on_50_digits_gives_accuracies_in_range(mnist_data):
    images, labels = np.asarray(mnist_data.test_images[:50]), np.asarray(mnist_data.test_labels[:50])
    result = sr.measure(images, labels, grid="none")
    conditions = result["conditions"]
    names = ["mnist_direct", "MNIST 10x nearest -> preprocess", "control: MNIST place, own width"]
    assert list(conditions) == names + [c.name for c in sr.mix_conditions()]
    accs = [conditions["mnist_direct"]["accuracy"]]
    accs += [row["to_model_input"]["accuracy"] for name, row in conditions.items() if name != "mnist_direct"]
    assert all(0.0 <= a <= 1.0 for a in accs)
    assert accs[0] >= 0.9  # the bundled model on plain MNIST
    assert result["n"] == 50 and len(result["mix_failures"]) <= 50


def test_replay_yields_rows_then_strokes_then_the_mix_summary(mnist_data):
    images, labels = np.asarray(mnist_data.test_images[:12]), np.asarray(mnist_data.test_labels[:12])
    sel, slants = sr.sample(len(labels), 12, seed=0)
    reports = list(sr.replay(images, labels, slants, load_model(), grid="none", width_stats=True))
    kinds = [type(r).__name__ for r in reports]
    assert kinds == ["ConditionResult"] * 2 + ["StrokesExtracted"] + ["ConditionResult"] * 4 + ["MixSummary"]
    assert len(reports[2].strokes) == 12
    assert all(r.width_median for r in reports[1:7] if isinstance(r, sr.ConditionResult))
    mix = reports[-1]
    assert mix.inputs.shape == (len(mix.mistakes), 1, 28, 28) and mix.predicted.shape == (12,)
    assert all(line.count("|") >= 3 for line in map(sr.format_report, reports[:2]))


def test_conditions_and_their_canvases_are_deterministic():
    assert len(sr.grid_conditions("full")) == 30 and len(sr.grid_conditions("small")) == 15
    assert sr.grid_conditions("none") == []
    cond = sr.mix_conditions()[0]
    assert cond.seed == sr.Condition(cond.name, 400, 12.0, 0.5).seed  # seed follows the name only
    lines = [np.array([[6.0, 8.0], [6.0, 20.0], [22.0, 12.0]])]
    a, b = cond.canvas(lines, 0.1, 0, 7), cond.canvas(lines, 0.1, 0, 7)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (280, 280) and a.max() == 255
    assert not np.array_equal(a, cond.canvas(lines, 0.1, 0, 8))


def test_sample_is_sorted_unique_and_seeded():
    sel, slants = sr.sample(10_000, 300, seed=4)
    assert (np.diff(sel) > 0).all() and slants.shape == (300,)
    np.testing.assert_array_equal(sr.sample(10_000, 300, seed=4)[0], sel)


@pytest.mark.parametrize("argv", [["--n", "0"], ["--n", "many"], ["--seed", "-1"], ["--grid", "huge"],
                                  ["--preprocess", "no_such_module:f"], ["--json", "/no/such/dir/x.json"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        sr.main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_runtime_error_is_one_line_and_exit_1(tmp_path, capsys):
    assert sr.main(["--n", "5", "--data-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: MNIST files missing") and captured.err.count("\n") == 1


def test_command_line_prints_the_table_and_writes_json_and_sheet(mnist_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV_VAR, str(mnist_folder()))  # the default --data-dir comes from it
    out_json, sheet = tmp_path / "r.json", tmp_path / "fail.png"
    argv = ["--n", "30", "--grid", "none", "--json", str(out_json), "--failures", str(sheet),
            "--preprocess", "engine.data.preprocess:to_model_input"]
    assert sr.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("30 MNIST test digits (seed 0)") and "| control: MNIST place, own width" in out
    result = json.loads(out_json.read_text())
    assert set(result["conditions"]["control: MNIST place, own width"]) == {
        "to_model_input", "engine.data.preprocess:to_model_input"}
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""engine.bench.side_by_side: our engine beside PyTorch on the same work,
timed interleaved; and the table's rows for the playground network, the
10,000-image evaluation and the training loop's share of the bare step."""
from __future__ import annotations

import numpy as np

from engine.bench import format_table
from engine.bench.side_by_side import evaluation_pair, trainer_loop_share, training_pair


def test_training_pair_times_our_step_and_skips_torch_when_told():
    pair = training_pair("tiny", 16, repeats=2, steps=2, include_torch=False)
    assert pair["torch"] is None
    assert 0 < pair["numpy"] < 1e7


def test_evaluation_pair_scores_ten_thousand_images():
    pair = evaluation_pair(repeats=1, include_torch=False)
    assert pair["torch"] is None
    assert 0 < pair["numpy"] < 120


def test_trainer_loop_share_compares_the_loop_with_the_bare_step():
    share = trainer_loop_share("tiny", batch=16, steps=12, repeats=1)
    assert share["preset"] == "tiny" and share["batch"] == 16
    assert share["loop_images_per_s"] > 0 and share["step_images_per_s"] > 0
    assert np.isclose(share["share"], share["loop_images_per_s"] / share["step_images_per_s"])


def _result(with_torch: bool) -> dict:
    r = {"workers": 2, "machine": {"numpy": np.__version__},
         "train_images_per_s": {"64": 9000.0, "128": 9500.0},
         "playground_train_images_per_s": {"64": 3000.0, "128": 3100.0},
         "evaluate_10000_s": 0.6, "forward_ms_batch1": 0.1, "input_grad_ms_batch1": 0.12,
         "input_pipeline": {"preprocess_560_ms": 0.3, "augment_batch128_ms": 1.8},
         "trainer_loop": {"preset": "bench", "batch": 64, "loop_images_per_s": 8600.0,
                          "step_images_per_s": 9000.0, "share": 8600 / 9000}}
    if with_torch:
        r["torch"] = {"version": "x", "train_images_per_s": {"64": 10000.0, "128": 9500.0},
                      "playground_train_images_per_s": {"64": 2000.0, "128": 3100.0},
                      "evaluate_10000_s": 0.9, "forward_ms_batch1": 0.2}
        r["ratio_vs_torch"] = {"train_64": 0.9, "train_128": 1.0, "playground_train_64": 1.5,
                               "playground_train_128": 1.0, "evaluate_speedup": 1.5,
                               "forward_batch1_speedup": 2.0}
    return r


def test_table_has_both_networks_the_evaluation_and_the_loop():
    table = format_table(_result(with_torch=True))
    rows = {line[:44].strip(): line[44:].split() for line in table.splitlines()}
    assert rows["playground net: train images/s, batch 64"] == ["3000", "2000", "1.50"]
    assert rows["bench net: train images/s, batch 128"] == ["9500", "9500", "1.00"]
    assert rows["evaluate 10,000 images, s"] == ["0.600", "0.900", "1.50"]
    assert "(Trainer.run, bench net, batch 64): 8600 images/s = 96% of the bare step's 9000" in table


def test_table_without_torch_has_one_column():
    table = format_table(_result(with_torch=False))
    row = next(line for line in table.splitlines() if line.startswith("playground net") and "128" in line)
    assert row[44:].split() == ["3100"]
    assert "torch" not in table.splitlines()[1]

"""The command lines of the explanations: ``python -m engine novelty`` adds
the statistics to a model file without touching its weights, and
``python -m engine.bench --explain`` times each explanation."""
from __future__ import annotations

import json

import numpy as np
import pytest

import engine
from engine.bench import format_table
from engine.bench.explain import TARGETS_MS, drawn_seven, explain_ms
from engine.cli import main
from engine.nn import presets
from engine.nn.novelty_stats import NOVELTY_KEYS
from tests.support.data_fixtures import mnist_folder


@pytest.mark.slow
def test_novelty_command_adds_statistics_and_keeps_the_weights(tmp_path, capsys, mnist_data):
    model = presets.build("tiny", np.random.default_rng(0))
    model.save(tmp_path / "m.npz")
    before = (tmp_path / "m.npz").read_bytes()
    code = main(["novelty", "--model", str(tmp_path / "m.npz"), "--out", str(tmp_path / "n.npz"),
                 "--json", "--data-dir", str(mnist_folder())])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (tmp_path / "m.npz").read_bytes() == before            # --out: the input untouched
    assert summary["stages"] == ["relu1", "relu2", "fc1"]
    assert [c["split"] for c in summary["checks"]] == ["tuning", "evaluation"]
    assert all(0.0 <= c["auroc"] <= 1.0 for c in summary["checks"])
    loaded = engine.load_model(tmp_path / "n.npz")
    assert loaded.novelty_stats is not None
    for k, v in model.named_params().items():
        assert loaded.named_params()[k].tobytes() == v.tobytes()
    assert loaded.config() == model.config()
    with np.load(tmp_path / "n.npz", allow_pickle=False) as z:
        assert set(z.files) == {"architecture"} | set(model.named_params()) | set(NOVELTY_KEYS)


def test_novelty_command_needs_a_model(tmp_path, capsys):
    assert main(["novelty", "--data-dir", str(tmp_path)]) == 2
    assert "--model" in capsys.readouterr().err


def test_bench_times_every_explanation():
    result = explain_ms(repeats=1)
    assert set(result["targets"]) <= set(TARGETS_MS)
    for name in ("gradient", "gradient_x_input", "gradcam", "smoothgrad_16", "occlusion",
                 "morph_50_steps", "visualize_unit"):
        assert 0 < result[name] < 60_000, name
    table = format_table({"workers": 1, "machine": {"numpy": np.__version__},
                          "train_images_per_s": {"64": 1.0}, "forward_ms_batch1": 0.1,
                          "input_pipeline": {"preprocess_560_ms": 0.1, "augment_batch128_ms": 1.0},
                          "explain": result})
    assert "explanations of one drawing" in table and "morph 50 steps" in table


def test_the_bench_drawing_is_a_seven():
    x = drawn_seven()
    assert x.shape == (1, 28, 28)
    assert int(engine.load_model().predict_proba(x[None]).argmax()) == 7

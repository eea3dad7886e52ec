"""What the status bar and the title say about a model, read from its
metadata with types checked (a hostile file cannot make it say "inf%")."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.metadata import mark_untrained, record_test_accuracy, record_training
from gui.state.model_info import ModelInfo, model_label, suggested_file_name


@pytest.fixture
def model():
    return presets.build("tiny", np.random.default_rng(0))


def test_label_is_the_file_name_or_the_preset(model, tmp_path):
    assert model_label(model) == "tiny (in memory)"
    mark_untrained(model.metadata)
    assert model_label(model) == "untrained tiny"
    model.save(tmp_path / "mine.npz")                # a model's file names it from then on
    assert model_label(model) == "mine.npz"


def test_a_model_trained_in_the_app_says_so_until_saved(model, tmp_path):
    trained = model.clone(keep_source=False)
    record_training(trained.metadata, settings={}, epochs=1, steps=10, started_from="fresh",
                    in_app=True)
    assert model_label(trained) == "tiny trained here (not saved)"
    second = model.clone(keep_source=False)
    record_training(second.metadata, settings={}, epochs=1, steps=10, started_from="fresh",
                    in_app=True, run=2)
    assert model_label(second) == "tiny trained here in run 2 (not saved)"   # which one
    trained.save(tmp_path / "kept.npz")
    assert model_label(trained) == "kept.npz"


def test_status_text_lists_the_facts(model):
    record_test_accuracy(model.metadata, 0.9712)
    text = ModelInfo.of(model, note="training: live weights").status_text()
    assert text == ("Model: tiny (in memory)  ·  training: live weights  ·  tiny architecture  ·  "
                    f"{model.num_params():,} parameters  ·  test accuracy 97.12%")


@pytest.mark.parametrize("value", [float("nan"), 1e308, -0.5, 1.5, "0.99", True, [0.9], None])
def test_a_recorded_accuracy_that_is_not_a_fraction_reads_as_unknown(model, value):
    model.metadata["test_accuracy"] = value
    info = ModelInfo.of(model)
    assert info.test_accuracy is None
    assert info.status_text().endswith("test accuracy unknown")


def test_untrained_models_say_so_until_measured(model):
    mark_untrained(model.metadata)
    assert ModelInfo.of(model).status_text().endswith("untrained: random guesses")
    assert ModelInfo.of(model, test_accuracy=0.4).status_text().endswith("test accuracy 40.00%")


def test_live_accuracy_overrides_the_recorded_one(model):
    record_test_accuracy(model.metadata, 0.5)
    assert ModelInfo.of(model, test_accuracy=0.75).test_accuracy == 0.75


def test_suggested_file_name_describes_the_model(model):
    assert suggested_file_name(model) == "trained-tiny.npz"
    record_test_accuracy(model.metadata, 0.98765)
    assert suggested_file_name(model) == "trained-tiny-98.77.npz"
    for hostile in ("../../etc/passwd", "a\\b:c", "<img src=x>", "\x00\n", "." * 40):
        model.metadata["preset"] = hostile           # from a file: never a path
        name = suggested_file_name(model)
        assert name.startswith("trained-") and name.endswith(".npz")
        assert not set(name) & set("/\\:<>\x00\n") and ".." not in name

"""engine.nn.metadata: the facts a model's metadata records, read through
:class:`ModelCard` (typed; a value of the wrong type or range, as a hostile
or damaged file may hold, reads as unknown) and written only by the
``mark_*`` / ``record_*`` functions, which ``clear_training_record`` undoes.
"""
from __future__ import annotations

import json

import pytest

from engine.nn.metadata import (TRAINING_KEYS, ModelCard, clear_training_record, mark_preset,
                                mark_untrained, record_test_accuracy, record_training)
from engine.training.config import TrainConfig

NORMAL = {"preset": "tiny", "test_accuracy": 0.9912, "untrained": False, "trained_in_app": True,
          "epochs": 3, "steps": 2814, "started_from": "assets/model.npz",
          "command": "python -m engine train --preset tiny --epochs 3", "note": "anything else"}


def test_read_normal_values():
    card = ModelCard.read(NORMAL)
    assert card == ModelCard(preset="tiny", test_accuracy=0.9912, untrained=False, trained_in_app=True,
                             epochs=3, steps=2814, started_from="assets/model.npz",
                             command="python -m engine train --preset tiny --epochs 3")
    assert ModelCard.read({}) == ModelCard()
    assert ModelCard.read({"test_accuracy": 1, "epochs": 0}).test_accuracy == 1.0   # int 1 is a fraction
    assert ModelCard.read({"test_accuracy": 0.0, "epochs": 0}) == ModelCard(test_accuracy=0.0, epochs=0)


HOSTILE = [float("nan"), float("inf"), -float("inf"), 1e308, -1, -1e-9, 1.0000001, "0.99", True, False,
           None, [0.9], {"value": 0.9}, b"0.9"]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_hostile_accuracy_reads_as_unknown(value):
    assert ModelCard.read({"test_accuracy": value}).test_accuracy is None


@pytest.mark.parametrize("value", [-1, True, False, 3.0, "3", [3], {"n": 3}, None, float("nan"), 1e308],
                         ids=repr)
def test_hostile_counts_read_as_unknown(value):
    card = ModelCard.read({"epochs": value, "steps": value})
    assert card.epochs is None and card.steps is None


@pytest.mark.parametrize("value", [1, "true", "yes", [True], {"x": True}, 1.0, None])
def test_flags_are_true_only_for_json_true(value):
    card = ModelCard.read({"untrained": value, "trained_in_app": value})
    assert card.untrained is False and card.trained_in_app is False


@pytest.mark.parametrize("value", [7, 0.5, True, "", ["tiny"], {"name": "tiny"}, None, b"tiny"], ids=repr)
def test_non_text_or_empty_text_reads_as_unknown(value):
    card = ModelCard.read({"preset": value, "started_from": value, "command": value})
    assert (card.preset, card.started_from, card.command) == (None, None, None)


def test_huge_strings_are_truncated():
    huge = "x" * 1_000_000
    card = ModelCard.read({"preset": huge, "started_from": huge, "command": huge})
    assert (len(card.preset), len(card.started_from), len(card.command)) == (64, 200, 2000)


@pytest.mark.parametrize("metadata", [None, [], ["preset", "tiny"], "preset=tiny", 42,
                                      {"preset": {"nested": {"deeper": "tiny"}}}], ids=repr)
def test_metadata_that_is_not_an_object_or_nested_reads_as_unknown(metadata):
    assert ModelCard.read(metadata) == ModelCard()


def test_writers_round_trip_through_the_card_and_clear_undoes_them():
    metadata = {"note": "kept", "preset": "bench"}
    mark_preset(metadata, "tiny")
    mark_untrained(metadata)
    assert ModelCard.read(metadata) == ModelCard(preset="tiny", untrained=True)
    settings = TrainConfig(epochs=2).as_record()
    record_training(metadata, settings=settings, epochs=2, steps=188, command="python -m engine train",
                    started_from="bundled", in_app=True)
    record_test_accuracy(metadata, 0.975)
    card = ModelCard.read(json.loads(json.dumps(metadata)))      # survives a save (JSON)
    assert card == ModelCard(preset="tiny", test_accuracy=0.975, untrained=True, trained_in_app=True,
                             epochs=2, steps=188, started_from="bundled", command="python -m engine train")
    assert metadata["training"] == settings
    clear_training_record(metadata)
    assert metadata == {"note": "kept", "preset": "tiny"}        # every training key written is cleared
    assert ModelCard.read(metadata) == ModelCard(preset="tiny")
    clear_training_record(metadata)                              # idempotent
    assert metadata == {"note": "kept", "preset": "tiny"}


def test_record_training_writes_only_what_it_is_given():
    metadata = {}
    record_training(metadata, settings={"lr": 0.05}, epochs=1.0)
    assert metadata == {"training": {"lr": 0.05}, "epochs": 1}
    assert isinstance(metadata["epochs"], int)
    assert set(metadata) <= set(TRAINING_KEYS)
    record_test_accuracy(metadata, 1)
    assert metadata["test_accuracy"] == 1.0 and isinstance(metadata["test_accuracy"], float)

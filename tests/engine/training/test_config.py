"""engine.training.config.TrainConfig: ``validate`` names the first setting
that cannot work (and the trainer refuses such a config before anything
runs), ``optimizer_config`` carries the optimiser's settings, and
``as_record`` is a JSON-able record of every setting (for a model's
metadata)."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from engine.data.augment import AugmentConfig
from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.optim import DEFAULT_LR, OptimizerConfig
from engine.training.trainer import Trainer


def test_invalid_config_is_refused():
    with pytest.raises(ValueError, match="learning rate"):
        TrainConfig(lr=float("nan")).validate()
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="rmsprop").validate()
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="linear").validate()
    with pytest.raises(ValueError, match="epochs must be a whole number from 1"):
        TrainConfig(epochs=0).validate()


@pytest.mark.parametrize("changes, match", [
    ({"lr": 0.0}, "learning rate must be a number above 0 up to 1e\\+300, got 0.0"),
    ({"lr": -0.1}, "learning rate must be a number above 0"),
    ({"lr": float("inf")}, "learning rate must be a number above 0 up to 1e\\+300, got inf"),
    ({"batch_size": 0}, "batch size must be a whole number from 1 to 65,536, got 0"),
    ({"epochs": -3}, "epochs must be a whole number from 1 to 10,000, got -3"),
    ({"optimizer": "Adam"}, "unknown optimizer 'Adam'"),
    ({"schedule": ""}, "unknown schedule ''"),
    ({"momentum": 5.0}, "momentum must be a number from 0 to 0.999, got 5.0"),
    ({"momentum": float("nan")}, "momentum must be a number from 0 to 0.999, got nan"),
    ({"weight_decay": -1.0}, "weight decay must be a number from 0 to 0.999, got -1.0"),
    ({"seed": -1}, "seed must be a whole number from 0 to 4,294,967,295, got -1"),
    ({"subset": 0}, "subset must be a whole number from 1"),
    ({"subset": -5}, "subset must be a whole number from 1"),
    ({"workers": 100_000}, "workers must be a whole number from 1 to 64, got 100000"),
    ({"eval_subset": 0}, "eval subset must be a whole number from 1"),
    ({"epochs": True}, "epochs must be a whole number"),
    ({"max_loss": float("nan")}, "divergence threshold must be a number"),
], ids=["lr-zero", "lr-negative", "lr-inf", "batch-zero", "epochs-negative", "optimizer-case",
        "schedule-empty", "momentum-5", "momentum-nan", "weight-decay-negative", "seed-negative",
        "subset-zero", "subset-negative", "workers-huge", "eval-subset-zero", "epochs-bool",
        "max-loss-nan"])
def test_validate_names_the_setting(changes, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**changes).validate()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("schedule", ["constant", "step", "cosine"])
def test_every_known_optimizer_and_schedule_validate(optimizer, schedule):
    config = TrainConfig(optimizer=optimizer, lr=DEFAULT_LR[optimizer], schedule=schedule)
    config.validate()
    assert config.optimizer_config() == OptimizerConfig(optimizer, DEFAULT_LR[optimizer], config.momentum,
                                                        config.weight_decay)


def test_defaults_are_the_sgd_defaults():
    config = TrainConfig()
    config.validate()
    assert config.optimizer == "sgd" and config.lr == DEFAULT_LR["sgd"]
    assert config.augment_config == AugmentConfig()
    assert TrainConfig().augment_config is not config.augment_config   # no shared default


def test_trainer_refuses_an_invalid_config_before_running():
    rng = np.random.default_rng(0)
    data = Dataset(rng.integers(0, 256, (8, 28, 28), dtype=np.uint8), rng.integers(0, 10, 8),
                   rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), rng.integers(0, 10, 4))
    model = presets.build("tiny", np.random.default_rng(0))
    before = model.get_weights()
    with pytest.raises(ValueError, match="learning rate"):
        Trainer(model, data, TrainConfig(lr=-1.0))
    assert all(np.array_equal(v, before[k]) for k, v in model.get_weights().items())


def test_as_record_is_json_able_and_complete():
    config = TrainConfig(epochs=3, optimizer="adam", lr=0.002, subset=500, eval_subset=None,
                         augment_config=AugmentConfig(max_rotation=5.0, scale_range=(0.9, 1.1)))
    record = config.as_record()
    text = json.dumps(record, allow_nan=False)            # strict JSON: no NaN, no objects
    back = json.loads(text)
    assert set(back) == {f.name for f in dataclasses.fields(TrainConfig)}
    assert back["epochs"] == 3 and back["optimizer"] == "adam" and back["lr"] == 0.002
    assert back["subset"] == 500 and back["eval_subset"] is None and back["workers"] is None
    augment = back["augment_config"]
    assert set(augment) == {f.name for f in dataclasses.fields(AugmentConfig)}
    assert augment["max_rotation"] == 5.0 and augment["scale_range"] == [0.9, 1.1]
    # the record rebuilds the same configuration
    rebuilt = TrainConfig(**{**back, "augment_config": AugmentConfig(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in augment.items()})})
    assert rebuilt == config
    record["augment_config"]["max_rotation"] = 99.0        # a copy, not the config's own state
    assert config.augment_config.max_rotation == 5.0

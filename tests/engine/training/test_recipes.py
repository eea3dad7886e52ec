"""engine.training.recipes: the named runs the Training tab offers. Each one
is a valid run of an existing network; the quick one really learns (the
others' times and accuracies are measured with ``python -m engine train``,
see the module's table)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.recipes import DEFAULT_RECIPE, RECIPES, recipe
from engine.training.reports import FinishedReport
from engine.training.trainer import Trainer


def test_every_recipe_is_a_valid_run_of_a_known_network():
    assert len({r.key for r in RECIPES}) == len(RECIPES)
    for r in RECIPES:
        r.config.validate()
        assert r.preset in presets.PRESETS
        assert "%" in r.expected and r.title and r.note
    with pytest.raises(KeyError):
        recipe("nonsense")


def test_the_default_recipe_is_one_augmented_epoch_of_the_default_settings():
    """99.00-99.17 % test accuracy over seeds 0-5 (measured, see the module's
    table); the settings other than epochs and data are the engine's defaults,
    so ``python -m engine train --preset bench --epochs 1`` is the same run."""
    default = recipe(DEFAULT_RECIPE)
    assert default.preset == "bench" and default.config.subset is None
    assert default.config.epochs == 1 and default.config.augment
    assert default.config == TrainConfig(epochs=1)
    assert "99 %" in default.expected and "10-15 s" in default.expected


def test_the_quick_recipe_learns_in_one_pass(mnist_data):
    quick = recipe("quick")
    data = Dataset(mnist_data.train_images, mnist_data.train_labels,
                   mnist_data.test_images[:2000], mnist_data.test_labels[:2000])
    model = presets.build(quick.preset, np.random.default_rng(quick.config.seed))
    reports = list(Trainer(model, data, quick.config).run())
    final = reports[-1]
    assert isinstance(final, FinishedReport) and final.reason == "completed"
    assert final.steps == -(-quick.config.subset // quick.config.batch_size)
    assert final.test_accuracy > 0.93

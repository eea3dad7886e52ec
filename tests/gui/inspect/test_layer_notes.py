"""The explanation of each layer panel: the engine's sentence about the layer
plus how to read and use the panel, decided from what the layer outputs."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from gui.inspect.layer_notes import describe_layer


@pytest.fixture(scope="module")
def playground():
    return presets.build("playground", np.random.default_rng(0))


def notes(model):
    return {name: describe_layer(model, i) for i, (name, _) in enumerate(model.layer_shapes())}


def test_each_layer_gets_its_own_explanation_and_hints(playground):
    n = notes(playground)
    assert n["conv1"].startswith("Convolution: each of the 32 feature maps is the 1-channel")
    assert "Blue is negative, red positive." in n["conv1"]
    assert n["conv1"].endswith("Click a map to see it enlarged beside its kernel.")
    assert n["relu1"].startswith("ReLU") and n["relu1"].endswith("Click a map to enlarge it.")
    assert "Blue" not in n["relu1"]
    assert "from 28×28 to 14×14" in n["pool1"] and n["pool1"].endswith("Click a map to enlarge it.")
    assert n["flatten"].endswith("Hover to see where a value came from.")
    assert "1600" in n["flatten"]
    assert n["fc1"].startswith("Dense") and n["fc1"].endswith("Blue is negative, red positive.")
    assert n["dropout1"].startswith("Dropout is switched off while predicting")
    assert n["fc2"].startswith("The last dense layer gives one score (logit) per class")
    assert "Blue" not in n["fc2"]


def test_every_preset_layer_is_explained(playground):
    for name in ("tiny", "bench", "playground"):
        model = presets.build(name, np.random.default_rng(1))
        for layer_name, text in notes(model).items():
            assert len(text) > 40 and "layer with output" not in text, (name, layer_name)

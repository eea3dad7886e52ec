"""The explanation of each layer panel: the engine's sentence about the layer
plus how to read and use the panel, decided from what the layer outputs."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.nn import presets
from gui.inspect.layer_notes import PASS_THROUGH_NOTE, describe_layer, panel_note
from gui.inspect.layer_panels import VectorPanel
from gui.widgets.fit_text import FitText


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


def test_only_a_layer_that_passes_its_input_through_gets_the_inactive_note(playground):
    noted = {name: panel_note(playground, i)
             for i, (name, _) in enumerate(playground.layer_shapes())}
    assert noted.pop("dropout1") == PASS_THROUGH_NOTE
    assert PASS_THROUGH_NOTE[0] == "inactive when predicting — same as the layer above"
    assert all(note == () for note in noted.values()), noted     # relu3, pool1, conv1, ...


def test_a_dropout_after_feature_maps_is_noted_too():
    model = engine.Model.from_config({"input_shape": [1, 12, 12], "layers": [
        {"type": "Conv2D", "name": "conv1", "in_channels": 1, "out_channels": 4,
         "kernel_size": [3, 3], "padding": [0, 0], "stride": [1, 1]},
        {"type": "Dropout", "name": "drop", "rate": 0.3, "seed": 0},
        {"type": "ReLU", "name": "relu"}, {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "fc", "in_features": 400, "out_features": 10}]})
    notes = [panel_note(model, i) for i in range(len(model.layers))]
    assert notes == [(), PASS_THROUGH_NOTE, (), (), ()]
    assert not model.layers[1].training                       # evaluation mode kept


@pytest.mark.parametrize("width, expected", [(700, PASS_THROUGH_NOTE[0]),
                                             (200, PASS_THROUGH_NOTE[1])])
def test_the_panel_shows_the_note_that_fits(qtbot, width, expected):
    panel = VectorPanel("dropout1", 128, False, "Dropout is switched off while predicting.")
    qtbot.addWidget(panel)
    panel.set_note(*PASS_THROUGH_NOTE)
    panel.resize(width, panel.sizeHint().height())
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.note == PASS_THROUGH_NOTE[0]
    note = panel.findChild(FitText, "panelNote")
    assert note.isVisible() and note.shown_text() == expected
    panel.set_note()
    assert panel.note == "" and not note.isVisible()

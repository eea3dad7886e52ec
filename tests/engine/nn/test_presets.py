"""engine.nn.presets: the named architectures build seeded models of the
documented size that predict ten class probabilities, and an unknown name
is refused with the list of known ones."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import functional as F
from engine.nn import presets
from engine.nn.layers import Dropout
from engine.nn.metadata import ModelCard
from tests.support.small_nets import mnist_like

PRESET_PARAMS = {"bench": 117066, "playground": 258314, "tiny": 9098}


@pytest.mark.parametrize("name", sorted(PRESET_PARAMS))
def test_presets_build_predict_proba_and_predict(name):
    model = presets.build(name, np.random.default_rng(0))
    assert model.num_params() == PRESET_PARAMS[name]
    assert model.metadata["preset"] == name
    assert model.input_shape == (1, 28, 28)
    assert model.layer_shapes()[-1][1] == (10,)
    assert all(p.dtype == np.float32 for p in model.named_params().values())
    x, _ = mnist_like(9)
    proba = model.predict_proba(x)
    assert proba.shape == (9, 10) and proba.dtype == np.float32
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(proba, F.softmax(model.eval().forward(x).astype(np.float64)), atol=1e-6)
    pred = model.predict(x)
    assert pred.shape == (9,) and np.issubdtype(pred.dtype, np.integer)
    np.testing.assert_array_equal(pred, proba.argmax(axis=1))
    np.testing.assert_array_equal(model.predict(x, batch_size=4), pred)   # batching changes nothing
    assert model.predict(x[:0]).shape == (0,) and np.issubdtype(model.predict(x[:0]).dtype, np.integer)
    # one (1, 28, 28) image is a batch of one
    np.testing.assert_allclose(model.predict_proba(x[0]), proba[:1], atol=1e-6)
    # the same rng seed builds the same weights
    again = presets.build(name, np.random.default_rng(0))
    for k, v in again.named_params().items():
        np.testing.assert_array_equal(v, model.named_params()[k])


def test_preset_shapes_and_unknown_preset():
    shapes = dict(presets.build("bench", np.random.default_rng(0)).layer_shapes())
    assert shapes["pool1"] == (16, 14, 14) and shapes["pool2"] == (32, 5, 5) and shapes["flatten"] == (800,)
    shapes = dict(presets.build("tiny", np.random.default_rng(0)).layer_shapes())
    assert shapes["pool2"] == (16, 7, 7) and shapes["flatten"] == (784,)
    assert any(isinstance(layer, Dropout) for layer in presets.build("playground", np.random.default_rng(0)).layers)
    with pytest.raises(ValueError, match="unknown"):
        presets.build("huge", np.random.default_rng(0))




def test_preset_registry_notes_and_card():
    """Every preset has a one-line note, and a built model's card names its preset."""
    assert set(presets.PRESETS) == set(presets.PRESET_NOTES) == set(PRESET_PARAMS)
    assert all(isinstance(n, str) and n and "\n" not in n for n in presets.PRESET_NOTES.values())
    for name in presets.PRESETS:
        assert ModelCard.read(presets.build(name, np.random.default_rng(0)).metadata).preset == name
    with pytest.raises(ValueError, match=r"choose from \['bench', 'playground', 'tiny'\]"):
        presets.build("Tiny", np.random.default_rng(0))


def test_preset_of_recognises_a_preset_rebuilt_layer_by_layer():
    from engine.nn.presets import PRESETS, build, preset_of
    for name in PRESETS:
        config = build(name, np.random.default_rng(7)).config()
        config["metadata"] = {}                       # e.g. built in the editor: no preset mark
        assert preset_of(config) == name
    edited = build("bench", np.random.default_rng(0)).config()
    edited["layers"] = [layer for layer in edited["layers"] if layer["name"] != "conv2"]
    assert preset_of(edited) is None
    assert preset_of({"layers": "nonsense"}) is None and preset_of("not a dict") is None

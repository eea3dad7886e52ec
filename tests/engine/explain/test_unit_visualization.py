"""engine.explain.visualize_unit on the bundled model: the picture drives its
unit far above what the start image gives (and, for map units, above what
99 % of MNIST test digits give); a class's picture is read as that class;
seeded, cancellable, and the model is left alone."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.explain import unit_value, visualize_unit
from engine.explain.input_gradients import layer_index
from engine.explain.unit_visualization import centre_unit, rectified_chain, start_image


@pytest.fixture(scope="module")
def bundled():
    return engine.load_model()


@pytest.mark.parametrize("layer", ["conv1", "relu2", "pool2", "relu3"])
def test_the_picture_drives_its_unit_up_by_a_large_factor(bundled, mnist_data, layer):
    digits = mnist_data.test_images[:500, None].astype(np.float32) / 255
    start = start_image(bundled.input_shape, seed=0)
    for channel in range(4):
        unit = centre_unit(bundled, layer_index(bundled, layer), channel)
        image = visualize_unit(bundled, layer, channel)
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert image.min() >= 0 and image.max() <= 1
        before = unit_value(bundled, start, layer, unit)[0]
        after = unit_value(bundled, image[None], layer, unit)[0]
        factor = 8 if layer == "relu3" else 10      # relu3 of the bundled model: 8.4x
        assert after >= factor * max(before, 0.1), (layer, channel, before, after)
        if layer != "relu3":
            typical = np.quantile(unit_value(bundled, digits, layer, unit), 0.99)
            assert after > typical, (layer, channel, after, typical)


def test_a_class_picture_is_read_as_that_class(bundled):
    images = np.stack([visualize_unit(bundled, "fc2", c) for c in range(10)])[:, None]
    probs = bundled.predict_proba(images)
    assert np.all(probs.argmax(axis=1) == np.arange(10))
    assert probs[np.arange(10), np.arange(10)].min() > 0.9


def test_a_channel_mean_can_be_maximised_too(bundled):
    start = start_image(bundled.input_shape)
    image = visualize_unit(bundled, "relu2", 1, channel="mean", steps=64)
    assert unit_value(bundled, image[None], "relu2", 1)[0] > \
        10 * max(unit_value(bundled, start, "relu2", 1)[0], 0.01)
    with pytest.raises(ValueError, match="channel"):
        visualize_unit(bundled, "relu2", 1, channel="corner")
    with pytest.raises(ValueError, match="outside"):
        visualize_unit(bundled, "relu2", 64)


def test_dead_units_are_optimised_through_the_layer_they_pass_on(bundled):
    names = [layer.name for layer in bundled.layers]
    producer, chain = rectified_chain(bundled, names.index("pool2"))
    assert names[producer] == "conv2" and [names[i] for i in chain] == ["pool2"]
    producer, chain = rectified_chain(bundled, names.index("dropout1"))
    assert names[producer] == "fc1" and chain == []
    assert rectified_chain(bundled, names.index("fc2")) == (names.index("fc2"), [])


def test_seeded_and_cancellable(bundled):
    a = visualize_unit(bundled, "relu3", 7, steps=20)
    np.testing.assert_array_equal(a, visualize_unit(bundled, "relu3", 7, steps=20, seed=0))
    assert not np.array_equal(a, visualize_unit(bundled, "relu3", 7, steps=20, seed=1))
    seen = []
    short = visualize_unit(bundled, "relu3", 7, steps=20,
                           progress=lambda step, total: seen.append(step) or step < 3)
    assert seen == [1, 2, 3]
    np.testing.assert_array_equal(short, visualize_unit(bundled, "relu3", 7, steps=3))


def test_the_model_is_not_changed(bundled):
    before = {k: v.copy() for k, v in bundled.named_params().items()}
    visualize_unit(bundled, "relu2", 0, steps=5)
    for k, v in bundled.named_params().items():
        np.testing.assert_array_equal(v, before[k])
    assert not any(layer.training for layer in bundled.layers)

"""engine.explain.saliency, gradcam, occlusion and geometry.

A hand-built network whose answer is known: two 5x5 kernels, one that
detects horizontal bars and one that detects vertical bars, and two classes
that add up each detector's map. The input has a horizontal bar in the top
left corner and a vertical bar in the bottom right: every method must put
the evidence for "horizontal" on the first and nothing on the second (and
the other way round). On the bundled model: shapes, dtypes, seeding and the
default target.
"""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.explain import METHOD_INFO, METHODS, map_geometry, saliency
from engine.explain.gradcam import default_cam_layer, gradcam_maps
from engine.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from engine.nn.model import Model

H_BAR = (4, slice(3, 10))        # row 4, columns 3..9: top left
V_BAR = (slice(17, 24), 22)      # rows 17..23, column 22: bottom right


def bar_net() -> Model:
    """conv(1->2, 5x5, valid) - ReLU - pool 2 - flatten - dense(288 -> 2):
    class 0 sums the horizontal-bar map, class 1 the vertical-bar map."""
    line = np.full((5, 5), -0.5)
    line[2] = 1.0
    conv = Conv2D(1, 2, 5)
    conv.load_params({"K": np.stack([line, line.T])[None].astype(np.float32),
                      "b": np.array([-1.0, -1.0], np.float32)})
    dense = Dense(288, 2)
    w = np.zeros((2, 12, 12, 2), np.float32)
    w[0, :, :, 0] = 1.0
    w[1, :, :, 1] = 1.0
    dense.load_params({"W": w.reshape(288, 2), "b": np.zeros(2, np.float32)})
    return Model([conv, ReLU(), MaxPool2D(2), Flatten(), dense])


def two_bars() -> np.ndarray:
    x = np.zeros((1, 28, 28), np.float32)
    x[0][H_BAR] = 1.0
    x[0][V_BAR] = 1.0
    return x


def quadrant_share(heat: np.ndarray, top_left: bool) -> float:
    """Share of the map's absolute mass in the top-left (or bottom-right) quadrant."""
    mass = np.abs(heat)
    part = mass[:14, :14] if top_left else mass[14:, 14:]
    return float(part.sum() / mass.sum())


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("target", [0, 1])
def test_each_method_finds_the_bar_the_class_looks_for(method, target):
    model, x = bar_net(), two_bars()
    # this net's detectors fire on 20 % noise all over the blank background; less noise
    # keeps SmoothGrad about the bars
    options = {"noise": 0.05} if method == "smoothgrad" else {}
    heat = saliency(model, x, target, method, **options)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert quadrant_share(heat, top_left=target == 0) > 0.95
    peak = np.unravel_index(np.abs(heat).argmax(), heat.shape)
    if target == 0:
        assert abs(peak[0] - 4) <= 2 and 1 <= peak[1] <= 11, peak
    else:
        assert 15 <= peak[0] <= 25 and abs(peak[1] - 22) <= 2, peak


def test_gradcam_lights_the_bar_where_it_is_on_the_input():
    """The 24x24 map of a valid convolution is placed by its receptive
    fields: the map's maximum is on the bar, not stretched over 28 pixels."""
    model, x = bar_net(), two_bars()
    cam, layer, target = gradcam_maps(model, x, 0)
    assert layer == 1 and target == 0 and cam.shape == (24, 24)
    heat = saliency(model, x, 0, "gradcam")
    assert np.all(heat >= 0)
    rows = np.flatnonzero(heat.max(axis=1) > 0.5 * heat.max())
    cols = np.flatnonzero(heat.max(axis=0) > 0.5 * heat.max())
    assert set(rows) <= {3, 4, 5} and 4 in rows
    assert cols.min() >= 3 and cols.max() <= 9
    assert heat[V_BAR].max() == 0.0


def test_occlusion_is_zero_where_erasing_changes_nothing():
    model, x = bar_net(), two_bars()
    heat = saliency(model, x, 0, "occlusion", patch=3, stride=1)
    assert heat[V_BAR].max() == 0.0 and heat[V_BAR].min() == 0.0
    assert heat[H_BAR].min() > 0                     # erasing the bar lowers its class
    assert np.all(heat[20:, :] == 0)


def test_gradient_x_input_is_zero_without_ink():
    model, x = bar_net(), two_bars()
    heat = saliency(model, x, 0, "gradient_x_input")
    assert np.all(heat[x[0] == 0] == 0)
    assert heat[H_BAR].sum() > 0


def test_map_geometry_of_the_bundled_layers():
    model = engine.load_model()
    g = map_geometry(model, "relu2")                 # conv1 5x5 pad 2, pool 2, conv2 5x5
    assert g.scale == (2.0, 2.0) and g.offset == (4.5, 4.5) and g.size == (14, 14)
    assert g.field(0, 0) == (-2, -2, 12, 12)
    assert map_geometry(model, "conv1").field(3, 7) == (1, 5, 6, 10)
    assert model.layers[default_cam_layer(model)].name == "relu2"
    with pytest.raises(ValueError, match="no maps"):
        map_geometry(model, "fc1")


@pytest.fixture(scope="module")
def bundled():
    return engine.load_model()


def seven() -> np.ndarray:
    from engine.bench.explain import drawn_seven
    return drawn_seven()


@pytest.mark.parametrize("method", METHODS)
def test_every_method_on_the_bundled_model(bundled, method):
    x = seven()
    assert int(bundled.predict_proba(x[None]).argmax()) == 7
    heat = saliency(bundled, x, None, method)
    assert heat.shape == (28, 28) and heat.dtype == np.float32 and np.all(np.isfinite(heat))
    assert np.abs(heat).max() > 0
    np.testing.assert_array_equal(heat, saliency(bundled, x, 7, method))   # None = predicted
    assert not np.array_equal(heat, saliency(bundled, x, 1, method))
    assert METHOD_INFO[method].signed or heat.min() >= 0


def test_smoothgrad_is_seeded(bundled):
    x = seven()
    a = saliency(bundled, x, method="smoothgrad")
    np.testing.assert_array_equal(a, saliency(bundled, x, method="smoothgrad", seed=0))
    np.testing.assert_array_equal(
        saliency(bundled, x, method="smoothgrad", rng=np.random.default_rng(5)),
        saliency(bundled, x, method="smoothgrad", seed=5))
    assert not np.array_equal(a, saliency(bundled, x, method="smoothgrad", seed=1))
    plain = saliency(bundled, x, method="gradient")
    assert not np.array_equal(a, plain)


def test_methods_are_listed_and_described():
    assert METHODS == ("gradient", "gradient_x_input", "smoothgrad", "gradcam", "occlusion")
    assert set(METHOD_INFO) == set(METHODS)
    assert METHOD_INFO["gradcam"].signed is False and METHOD_INFO["gradient"].signed is True
    with pytest.raises(ValueError, match="unknown saliency method"):
        saliency(bar_net(), two_bars(), method="magic")

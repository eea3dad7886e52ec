"""engine.explain.arithmetic: the multiply-and-sum behind one value equals the
model's own forward pass, for every layer type of the bundled / playground
architecture and on a tiny hand-built model whose numbers are known."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.explain import (ConvArithmetic, DenseArithmetic, PoolArithmetic, receptive_field,
                            unit_arithmetic)
from engine.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from engine.nn.model import Model
from engine.nn.presets import build


@pytest.fixture(scope="module", params=["bundled", "playground", "tiny"])
def model_and_input(request):
    if request.param == "bundled":
        model = engine.load_model()
    else:
        model = build(request.param, np.random.default_rng(3))
    x = np.random.default_rng(5).random((1, 28, 28), dtype=np.float32)
    x[:, :, :6] = 0.0                          # a blank band: ties and zeros at the border
    with model.evaluating():
        _, acts = model.forward(x[None], keep_activations=True)
    return model, x, {k: v[0] for k, v in acts.items()}


def positions(shape, rng):
    """Corners (which reach into the padding) and a few random positions."""
    c, h, w = shape
    fixed = [(0, 0, 0), (c - 1, h - 1, w - 1), (c // 2, 0, w - 1), (0, h - 1, 0)]
    return fixed + [tuple(int(rng.integers(n)) for n in shape) for _ in range(6)]


def test_every_value_equals_the_forward_pass(model_and_input):
    model, x, acts = model_and_input
    rng = np.random.default_rng(0)
    for name, shape in model.layer_shapes():
        kinds = []
        units = positions(shape, rng) if len(shape) == 3 else \
            [0, shape[0] - 1, int(rng.integers(shape[0]))]
        for unit in units:
            got = unit_arithmetic(model, x, name, unit)
            if name.startswith("flatten"):
                assert got is None
                continue
            want = float(acts[name][unit])
            assert got.value == pytest.approx(want, rel=1e-4, abs=1e-5), (name, unit)
            kinds.append(type(got))
        if name.startswith(("conv", "relu1", "relu2")):
            assert set(kinds) == {ConvArithmetic}, name
        if name.startswith("pool"):
            assert set(kinds) == {PoolArithmetic}, name
        if name.startswith(("fc", "relu3", "dropout")):
            assert set(kinds) == {DenseArithmetic}, name


def test_conv_parts_add_up(model_and_input):
    model, x, acts = model_and_input
    for name in ("conv1", "relu2"):
        c, h, w = acts[name].shape
        a = unit_arithmetic(model, x, name, (c - 1, h // 2, 1))
        assert a.patch.shape == a.kernel.shape == a.products.shape
        assert np.allclose(a.products, a.patch * a.kernel)
        assert a.total == pytest.approx(float(a.products.sum(dtype=np.float64)))
        assert a.pre == pytest.approx(a.total + a.bias)
        assert a.relu == name.startswith("relu")
        conv = model.layers[[lay.name for lay in model.layers].index(a.conv)]
        assert np.array_equal(a.kernel, conv.params["K"][:, c - 1])
        # the conv's value there, before the ReLU
        assert a.pre == pytest.approx(float(acts[a.conv][c - 1, h // 2, 1]), rel=1e-4, abs=1e-5)


def test_the_outputs_the_caller_has_give_the_same_numbers(model_and_input):
    model, x, acts = model_and_input
    for name, unit in (("relu2", (3, 2, 4)), ("pool1", (1, 5, 6)), ("fc1", 7), ("conv1", (2, 0, 0))):
        a = unit_arithmetic(model, x, name, unit)
        b = unit_arithmetic(model, x, name, unit, outputs=acts)
        assert a.value == pytest.approx(b.value, rel=1e-6, abs=1e-7)
    c = unit_arithmetic(model, None, "pool2", (0, 1, 1), outputs=acts)
    assert c.value == pytest.approx(float(acts["pool2"][0, 1, 1]), rel=1e-6)


def test_pool_winner_holds_the_maximum(model_and_input):
    model, x, acts = model_and_input
    a = unit_arithmetic(model, x, "pool1", (4, 3, 5))
    assert a.window.shape == (2, 2) and a.origin == (6, 10)
    src = acts[a.source][4]
    assert src[a.winner] == a.window.max() == pytest.approx(a.value)
    assert a.window[a.winner_tap] == a.window.max()


def test_dense_contributions_are_sorted_and_add_up(model_and_input):
    model, x, acts = model_and_input
    last = model.layers[-1].name
    a = unit_arithmetic(model, x, last, 3, top=5)
    assert len(a.indices) == 5 and np.all(np.diff(np.abs(a.products)) <= 0)
    assert a.rest + float(a.products.sum(dtype=np.float64)) == pytest.approx(a.total, abs=1e-4)
    src = np.asarray(acts[a.source]).reshape(-1) if a.source != "input" else x.reshape(-1)
    assert np.allclose(a.inputs, src[a.indices])
    assert a.inputs_count == src.size == int(np.prod(a.source_shape))


def test_receptive_fields_are_clipped_to_the_input():
    model = build("playground", np.random.default_rng(0))
    assert receptive_field(model, "conv1", 0, 0) == (0, 0, 3, 3)          # 5x5, padding 2
    assert receptive_field(model, "relu1", 10, 12) == (8, 10, 13, 15)
    assert receptive_field(model, "pool1", 0, 0) == (0, 0, 4, 4)
    top, left, bottom, right = receptive_field(model, "conv2", 4, 4)
    assert (bottom - top, right - left) == (14, 14)


# --------------------------------------------------------------- by hand
@pytest.fixture
def hand_model():
    """conv 1->2, 3x3, padding 1, stride 2 on a 1x6x6 input - ReLU - max pool
    2x2 stride 1 (overlapping) - flatten - dense 8 -> 2."""
    conv = Conv2D(1, 2, 3, padding=1, stride=2)
    conv.params["K"][:] = 0.0
    conv.params["K"][0, 0] = np.arange(9, dtype=np.float32).reshape(3, 3)   # 0..8
    conv.params["K"][0, 1, 1, 1] = -1.0
    conv.params["b"][:] = [0.5, 0.25]
    dense = Dense(8, 2)
    dense.params["W"][:] = 0.0
    dense.params["W"][:, 1] = [1, -2, 0, 0, 3, 0, 0, 0.5]
    dense.params["b"][:] = [0.0, -1.0]
    return Model([conv, ReLU(), MaxPool2D(2, stride=1), Flatten(), dense], input_shape=(1, 6, 6))


def test_hand_built_numbers(hand_model):
    x = np.arange(36, dtype=np.float32).reshape(1, 6, 6) / 10
    a = unit_arithmetic(hand_model, x, "conv1", (0, 0, 0))
    # the window starts at (-1, -1): its first row and column are padding
    assert a.origin == (-1, -1)
    assert np.allclose(a.patch[0], [[0, 0, 0], [0, 0, 0.1], [0, 0.6, 0.7]])
    assert a.total == pytest.approx(4 * 0 + 5 * 0.1 + 7 * 0.6 + 8 * 0.7)
    assert a.pre == pytest.approx(a.total + 0.5)
    b = unit_arithmetic(hand_model, x, "relu1", (1, 1, 1))      # -x[2, 2] + 0.25 < 0
    assert b.pre == pytest.approx(-1.4 + 0.25) and b.value == 0.0 and b.relu
    p = unit_arithmetic(hand_model, x, "pool1", (0, 1, 1))      # window rows 1-2, cols 1-2
    assert p.origin == (1, 1) and p.winner == (2, 2)
    with hand_model.evaluating():
        _, acts = hand_model.forward(x[None], keep_activations=True)
    assert p.value == pytest.approx(float(acts["pool1"][0, 0, 1, 1]))
    d = unit_arithmetic(hand_model, x, "fc1", 1, top=2)
    flat = acts["flatten"][0]
    assert list(d.indices) == sorted([0, 1, 4, 7], key=lambda i: -abs(flat[i] * [1, -2, 0, 0, 3,
                                                                                  0, 0, .5][i]))[:2]
    assert d.value == pytest.approx(float(acts["fc1"][0, 1]))
    assert d.source == "pool1" and d.source_shape == (2, 2, 2) and d.inputs_count == 8
    assert unit_arithmetic(hand_model, x, "flatten", 0) is None

"""engine.nn.model.Model: the sequential model.

Whole-network gradient check: the objective is the MEAN softmax
cross-entropy over the batch, ``L = mean_n CE(logits_n, label_n)``, as
returned by ``Model.loss_and_grads``; every parameter gradient the model fills
in must equal the central finite difference of that same mean loss (float64
network, float64 input). Also: naming and shapes, modes, activations,
copies and weights, the JSON configuration, and what a viewer asks a model
(``output_signs``, ``kernel_behind``, ``explain_layer``).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from engine.nn.model import Model
from tests.support import oracle as O
from tests.support.gradcheck import relative_error
from tests.support.small_nets import SMALL_NAMES, SMALL_SHAPES, batch, grads_copy, small_net

PRESET_NAMES = ["bench", "playground", "tiny"]


# ============================================================ gradients
def test_whole_network_gradients_match_finite_differences():
    model = small_net()
    x, labels = batch(6)
    loss, correct = model.loss_and_grads(x, labels)
    analytic = grads_copy(model)
    assert set(analytic) == {f"{n}.{p}" for n in ("conv1", "conv2", "fc1", "fc2") for p in
                             ("K" if n.startswith("conv") else "W", "b")}
    assert 0 <= correct <= len(x)

    # the loss is the mean cross-entropy of the logits (checked against the oracle)
    model.eval()
    logits = model.forward(x)
    onehot = np.eye(5)[labels]
    assert abs(loss - O.cross_entropy_loss(logits, onehot)[0]) <= 1e-12 * max(1.0, abs(loss))
    assert correct == int((logits.argmax(1) == labels).sum())

    def mean_loss():
        return model.loss_and_grads(x, labels)[0]

    eps = 1e-6
    rng = np.random.default_rng(3)
    for name, p in model.named_params().items():
        assert p.dtype == np.float64 and analytic[name].dtype == np.float64
        # every bias entry, a random sample of up to 40 weight entries
        flat = np.arange(p.size) if p.ndim == 1 else rng.choice(p.size, min(40, p.size), replace=False)
        num = np.empty(len(flat))
        for i, idx in enumerate(zip(*np.unravel_index(flat, p.shape))):
            original = p[idx]
            p[idx] = original + eps
            plus = mean_loss()
            p[idx] = original - eps
            minus = mean_loss()
            p[idx] = original
            num[i] = (plus - minus) / (2 * eps)
        got = analytic[name].reshape(-1)[flat]
        err = relative_error(got, num)
        assert err <= 1e-8, f"{name}: relative error {err:.3g} vs finite differences"
        assert np.abs(num).max() > 1e-6, f"{name}: degenerate check (zero gradient)"


def test_loss_and_grads_is_deterministic_and_overwrites_grads():
    model = small_net()
    x, labels = batch(7)
    first = model.loss_and_grads(x, labels)
    g1 = grads_copy(model)
    model.loss_and_grads(*batch(3, seed=9))       # different batch: other grads
    assert any(not np.array_equal(g1[k], v) for k, v in model.named_grads().items())
    assert model.loss_and_grads(x, labels) == first
    for k, v in model.named_grads().items():
        np.testing.assert_array_equal(v, g1[k])   # grads are overwritten, not accumulated


# ============================================================ structure
def test_auto_naming_and_layer_shapes():
    model = small_net()
    assert [layer.name for layer in model.layers] == SMALL_NAMES
    assert model.layer_shapes() == list(zip(SMALL_NAMES, SMALL_SHAPES))
    assert model.num_classes == 5
    assert model.num_params() == (2 * 3 * 9 + 3) + (3 * 4 * 9 + 4) + (16 * 6 + 6) + (6 * 5 + 5)
    assert list(model.named_params()) == ["conv1.K", "conv1.b", "conv2.K", "conv2.b",
                                          "fc1.W", "fc1.b", "fc2.W", "fc2.b"]
    assert "total 306 parameters" in model.summary()

    # explicit names are kept; dropout and a second flatten are numbered
    m = Model([Conv2D(1, 2, 3, name="first"), ReLU(), Dropout(0.2), Flatten(), Dense(50, 4),
               Dropout(0.1), ReLU(name="act")], input_shape=(1, 7, 7))
    assert [layer.name for layer in m.layers] == ["first", "relu1", "dropout1", "flatten", "fc1",
                                                  "dropout2", "act"]
    with pytest.raises(ValueError, match="duplicate"):
        Model([Flatten(name="x"), Dense(4, 2, name="x")], input_shape=(1, 2, 2))
    with pytest.raises(ValueError):   # shapes do not chain
        Model([Flatten(), Dense(5, 2)], input_shape=(1, 2, 2))


def test_first_layer_skips_input_gradient():
    model = small_net()
    assert model.layers[0].need_input_grad is False
    assert model.layers[3].need_input_grad is True
    assert model.layers[6].need_input_grad is True


@pytest.mark.parametrize("training", [False, True])
def test_forward_keep_activations(training):
    model = small_net().train(training)
    x, _ = batch(4)
    logits, acts = model.forward(x, keep_activations=True)
    assert list(acts) == [name for name, _ in model.layer_shapes()]
    for (name, shape) in model.layer_shapes():
        assert acts[name].shape == (4,) + shape, name
        assert acts[name].dtype == np.float64
    np.testing.assert_array_equal(acts["fc2"], logits)
    np.testing.assert_array_equal(model.forward(x), logits)
    # activations really are each layer's output
    np.testing.assert_array_equal(acts["relu1"], np.maximum(acts["conv1"], 0))
    np.testing.assert_array_equal(acts["flatten"], acts["relu2"].reshape(4, -1))
    assert all(layer.training is training for layer in model.layers)


def test_forward_accepts_one_sample_and_rejects_wrong_shapes():
    model = small_net()
    x, _ = batch(3)
    np.testing.assert_allclose(model.forward(x[1]), model.forward(x)[1:2], rtol=1e-12, atol=1e-12)
    for bad in (np.zeros((3, 1, 8, 8)), np.zeros((3, 2, 8, 9)), np.zeros((2, 8))):
        with pytest.raises(ValueError):
            model.forward(bad)


def test_train_eval_modes_and_predict_proba_restores_mode():
    model = small_net()
    x, _ = batch(5)
    model.train()
    assert all(layer.training for layer in model.layers)
    model.predict_proba(x)
    assert all(layer.training for layer in model.layers)       # restored
    model.eval()
    model.predict_proba(x)
    assert not any(layer.training for layer in model.layers)


# ============================================================ copies and weights
def test_clone_is_independent_and_equal():
    model = small_net(np.float32)   # float64: see test_clone_keeps_float64_weights_exactly
    model.metadata["note"] = {"a": 1}
    twin = model.clone()
    x, _ = batch(4, dtype=np.float32)
    assert twin.config() == model.config()
    np.testing.assert_array_equal(twin.predict_proba(x), model.predict_proba(x))
    for (k, a), b in zip(model.named_params().items(), twin.named_params().values()):
        assert a is not b and not np.shares_memory(a, b)
    before = model.get_weights()
    for p in twin.named_params().values():
        p += 1.0
    twin.metadata["note"]["a"] = 2
    for k, v in model.named_params().items():
        np.testing.assert_array_equal(v, before[k])
    assert model.metadata["note"] == {"a": 1}


def test_clone_keeps_float64_weights_exactly():
    """A clone of a float64 model is a float64 model with bit-identical weights."""
    model = small_net(np.float64)
    twin = model.clone()
    for k, v in model.named_params().items():
        assert twin.named_params()[k].dtype == np.float64, f"{k}: clone is {twin.named_params()[k].dtype}"
        np.testing.assert_array_equal(twin.named_params()[k], v)
    x, _ = batch(3)
    np.testing.assert_array_equal(twin.predict_proba(x), model.predict_proba(x))


def test_float64_model_does_not_round_its_input_to_float32():
    """Whatever the first layer, a float64 model computes on the float64 input."""
    model = Model([Flatten(), Dense(4, 3, rng=np.random.default_rng(0), dtype=np.float64)],
                  input_shape=(1, 2, 2))
    x = np.random.default_rng(1).standard_normal((5, 1, 2, 2))
    W, b = model.layers[1].params["W"], model.layers[1].params["b"]
    out = model.eval().forward(x)
    assert out.dtype == np.float64
    err = relative_error(out, O.fullyconnected_forward(x.reshape(5, 4), W, b))
    assert err <= 1e-12, f"float64 input was rounded: relative error {err:.3g}"


def test_get_set_weights_round_trip_and_errors():
    a, b = small_net(seed=0), small_net(seed=5)
    x, _ = batch(4)
    assert not np.array_equal(a.predict_proba(x), b.predict_proba(x))
    weights = a.get_weights()
    for k, v in weights.items():
        assert v is not a.named_params()[k]
    ids = {k: id(v) for k, v in b.named_params().items()}
    b.set_weights(weights)
    assert {k: id(v) for k, v in b.named_params().items()} == ids   # copied in place
    np.testing.assert_array_equal(b.predict_proba(x), a.predict_proba(x))
    weights["conv1.K"] += 1.0    # a copy: the model is not affected
    assert not np.array_equal(a.named_params()["conv1.K"], weights["conv1.K"])

    good = a.get_weights()
    bad_shape = dict(good, **{"fc1.W": np.zeros((16, 7))})
    with pytest.raises(ValueError, match="fc1.W"):
        b.set_weights(bad_shape)
    missing = {k: v for k, v in good.items() if k != "fc2.b"}
    with pytest.raises(ValueError):
        b.set_weights(missing)
    with pytest.raises(ValueError):
        b.set_weights(dict(good, extra=np.zeros(3)))


@pytest.mark.parametrize("name", PRESET_NAMES + ["small"])
def test_config_from_config_round_trip(name):
    model = small_net() if name == "small" else presets.build(name, np.random.default_rng(0))
    model.metadata.update({"accuracy": 0.99, "command": "train --epochs 3"})
    cfg = model.config()
    assert json.loads(json.dumps(cfg)) == cfg        # JSON-able
    rebuilt = Model.from_config(json.loads(json.dumps(cfg)))
    assert rebuilt.config() == cfg
    assert rebuilt.layer_shapes() == model.layer_shapes()
    assert rebuilt.num_params() == model.num_params()
    assert rebuilt.metadata == model.metadata
    assert [type(layer) for layer in rebuilt.layers] == [type(layer) for layer in model.layers]


def test_load_params_uses_copies_in_their_own_dtype():
    """``load_params`` takes copies of another model's arrays (float64 into a
    float32 model stays float64), resets the gradients, and refuses a shape
    that does not fit."""
    model, source = small_net(np.float32), small_net(np.float64, seed=5)
    weights = source.get_weights()
    model.load_params(weights)
    x, _ = batch(3)
    for name, value in model.named_params().items():
        assert value.dtype == np.float64 and not np.shares_memory(value, weights[name])
        np.testing.assert_array_equal(value, weights[name])
        grad = model.named_grads()[name]
        assert grad.dtype == np.float64 and grad.shape == value.shape and not grad.any()
    np.testing.assert_array_equal(model.predict_proba(x), source.predict_proba(x))
    weights["fc1.W"] += 1.0                                   # a copy: the model is unaffected
    assert not np.array_equal(model.named_params()["fc1.W"], weights["fc1.W"])
    with pytest.raises(ValueError, match=r"fc2\.b: shape"):
        model.load_params(dict(source.get_weights(), **{"fc2.b": np.zeros(4)}))
    with pytest.raises((KeyError, ValueError)):
        model.load_params({k: v for k, v in weights.items() if k != "conv2.K"})


def test_output_signs_follow_each_layer_from_a_non_negative_input():
    """Convolutions and dense layers can output negatives; ReLU cannot; pooling,
    flatten and dropout keep their input's sign (the image itself is >= 0)."""
    assert small_net().output_signs() == {
        "conv1": True, "relu1": False, "pool1": False, "conv2": True, "relu2": False,
        "flatten": False, "fc1": True, "relu3": False, "fc2": True}
    model = Model([MaxPool2D(2), Flatten(), Dropout(0.5), Dense(16, 3), Dropout(0.5)],
                  input_shape=(1, 8, 8))
    assert model.output_signs() == {"pool1": False, "flatten": False, "dropout1": False,
                                    "fc1": True, "dropout2": True}


def test_kernel_behind_walks_back_through_channel_keeping_layers():
    model = small_net()
    conv1, conv2 = model.layers[0], model.layers[3]
    for layer_name, channel, conv in (("conv1", 1, conv1), ("relu1", 2, conv1), ("pool1", 0, conv1),
                                      ("relu2", 3, conv2)):
        name, kernel, bias = model.kernel_behind(layer_name, channel)
        assert name == conv.name
        assert kernel.dtype == np.float32 and kernel.shape == (conv.in_channels, 3, 3)
        np.testing.assert_allclose(kernel, conv.params["K"][:, channel], rtol=1e-6)
        assert bias == pytest.approx(float(conv.params["b"][channel]), rel=1e-6)
        kernel += 1.0                                         # a copy: the weights are unaffected
        assert not np.allclose(kernel, conv.params["K"][:, channel])
    assert model.kernel_behind("flatten", 0) is None      # flatten mixes channels
    assert model.kernel_behind("fc1", 0) is None
    assert model.kernel_behind("pool1", 3) is None        # conv1 has 3 output channels
    assert model.kernel_behind("conv2", -1) is None
    assert model.kernel_behind("nope", 0) is None
    assert Model([MaxPool2D(2), Flatten(), Dense(16, 2)], input_shape=(1, 8, 8)) \
        .kernel_behind("pool1", 0) is None                # no convolution before it


def test_explain_layer_describes_each_layer_with_its_real_shapes():
    model = small_net()
    texts = [model.explain_layer(i) for i in range(len(model.layers))]
    assert all(isinstance(t, str) and len(t) > 20 for t in texts)
    assert "3 feature maps" in texts[0] and "2-channel input" in texts[0] and "3×3" in texts[0]
    assert "4 feature maps" in texts[3] and "3-channel input" in texts[3]
    assert "from 8×8 to 4×4" in texts[2]
    assert "4 × 2 × 2" in texts[5] and "16 numbers" in texts[5]
    assert "6 units" in texts[6] and "all 16 inputs" in texts[6]
    assert "logit" in texts[8] and "all 6 inputs" in texts[8]   # the last layer scores classes
    assert "ReLU" in texts[1]


def test_layer_shapes_follow_a_changed_list_of_layers():
    model = presets.build("bench", np.random.default_rng(0))
    before = model.layer_shapes()
    assert model.layer_shapes() == before and model.layer_shapes() is not model.layer_shapes()
    model.layers.insert(8, Dropout(0.5, name="drop"))
    after = model.layer_shapes()
    assert len(after) == len(before) + 1 and after[8] == ("drop", before[7][1])
    assert model.num_classes == 10

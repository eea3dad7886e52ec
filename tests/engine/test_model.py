"""engine.model.Model, engine.presets and engine.parallel.DataParallel.

Whole-network gradient check: the objective is the MEAN softmax
cross-entropy over the batch, ``L = mean_n CE(logits_n, label_n)``, as
returned by ``Model.loss_and_grads``; every parameter gradient the model fills
in must equal the central finite difference of that same mean loss (float64
network, float64 input).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine import functional as F
from engine import presets
from engine.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from engine.model import Model
from engine.parallel import DataParallel
from tests.support import oracle as O
from tests.support.gradcheck import relative_error

SMALL_NAMES = ["conv1", "relu1", "pool1", "conv2", "relu2", "flatten", "fc1", "relu3", "fc2"]
SMALL_SHAPES = [(3, 8, 8), (3, 8, 8), (3, 4, 4), (4, 2, 2), (4, 2, 2), (16,), (6,), (6,), (5,)]
PRESET_PARAMS = {"bench": 117066, "playground": 258314, "tiny": 9098}


def small_net(dtype=np.float64, seed=0) -> Model:
    """conv(2->3, 3x3, pad 1)-relu-pool 2x2-conv(3->4, 3x3)-relu-flatten-
    dense(16->6)-relu-dense(6->5) on (2, 8, 8) inputs, with random biases."""
    rng = np.random.default_rng(seed)
    model = Model([
        Conv2D(2, 3, 3, padding=1, rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
        Conv2D(3, 4, 3, rng=rng, dtype=dtype), ReLU(), Flatten(),
        Dense(16, 6, rng=rng, dtype=dtype), ReLU(), Dense(6, 5, rng=rng, dtype=dtype),
    ], input_shape=(2, 8, 8))
    for name, p in model.named_params().items():
        if name.endswith(".b"):
            p[...] = 0.3 * rng.standard_normal(p.shape)
    return model


def batch(n, shape=(2, 8, 8), classes=5, seed=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n,) + shape).astype(dtype), rng.integers(0, classes, n)


def mnist_like(n, seed=2):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


def to_float64(model: Model) -> Model:
    for layer in model.layers:
        for k in layer.params:
            layer.params[k] = layer.params[k].astype(np.float64)
            layer.grads[k] = np.zeros_like(layer.params[k])
    return model


def grads_copy(model):
    return {k: v.copy() for k, v in model.named_grads().items()}


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


@pytest.mark.parametrize("name", sorted(PRESET_PARAMS) + ["small"])
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


# ============================================================ data parallel
def _compare_parallel(model, x, labels, tol, workers=2, **kw):
    single_loss, single_correct = model.loss_and_grads(x, labels)
    single = grads_copy(model)
    for g in model.named_grads().values():
        g[...] = np.nan           # the parallel pass must overwrite every gradient
    with DataParallel(model, workers=workers, **kw) as dp:
        loss, correct = dp.loss_and_grads(x, labels)
        again = dp.loss_and_grads(x, labels)   # repeatable
    assert correct == single_correct
    assert abs(loss - single_loss) <= tol * abs(single_loss)
    assert again == (loss, correct)
    for k, g in model.named_grads().items():
        assert g.dtype == single[k].dtype
        err = relative_error(g, single[k])
        assert err <= tol, f"{k}: parallel vs single relative error {err:.3g}"
    return loss


@pytest.mark.parametrize("n", [37, 16, 10, 3])
def test_data_parallel_float64_matches_single_thread(n):
    model = small_net()
    x, labels = batch(n, seed=n)
    _compare_parallel(model, x, labels, 1e-10)


@pytest.mark.parametrize("n", [37, 5])
def test_data_parallel_float32_matches_single_thread(n):
    model = presets.build("tiny", np.random.default_rng(1))
    x, labels = mnist_like(n, seed=n)
    _compare_parallel(model, x, labels, 1e-5)


def test_data_parallel_small_batches_are_not_split():
    """Below ``workers * min_slice`` samples the call is the plain single pass:
    bit-identical loss and gradients."""
    model = small_net()
    x, labels = batch(15, seed=4)
    ref = model.loss_and_grads(x, labels)
    single = grads_copy(model)
    with DataParallel(model, workers=2, min_slice=8) as dp:
        assert dp.loss_and_grads(x, labels) == ref
    for k, g in model.named_grads().items():
        np.testing.assert_array_equal(g, single[k])


def test_data_parallel_uneven_slices_weighted_by_size():
    """A batch split 18/19 (odd size) must weight each slice's mean by its size:
    the result equals the single pass, not the plain average of the two means."""
    model = small_net()
    x, labels = batch(37, seed=8)
    loss = _compare_parallel(model, x, labels, 1e-10)
    a = model.loss_and_grads(x[:18], labels[:18])[0]
    b = model.loss_and_grads(x[18:], labels[18:])[0]
    assert abs(loss - (18 * a + 19 * b) / 37) <= 1e-12
    assert abs(loss - (a + b) / 2) > 1e-9   # the check above is meaningful


def test_data_parallel_replicas_share_weights():
    model = small_net()
    with DataParallel(model, workers=3) as dp:
        assert len(dp.replicas) == 3 and dp.replicas[0] is model
        for rep in dp.replicas[1:]:
            for k, v in rep.named_params().items():
                assert v is model.named_params()[k]
            for k, v in rep.named_grads().items():
                assert v is not model.named_grads()[k]
        # an in-place weight update (as the optimisers do) is seen by every replica
        for p in model.named_params().values():
            p *= 0.5
        x, labels = batch(37, seed=6)
        loss, _ = dp.loss_and_grads(x, labels)
    assert abs(loss - model.loss_and_grads(x, labels)[0]) <= 1e-10 * loss

"""The new layers inside a model: batch norm's running statistics are saved in
the model file and checked when it is read, training updates them (only the
model's own layers, never a data-parallel replica) while the optimiser trains
gamma and beta without weight decay, and explanations (input gradients) work
through every new layer.
"""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.data.dataset import Dataset
from engine.explain.input_gradients import input_gradient
from engine.nn.layers import (AvgPool2D, BatchNorm1D, BatchNorm2D, Conv2D, Dense, Dropout, Flatten,
                              LeakyReLU, MaxPool2D, Sigmoid, Tanh)
from engine.nn.model import Model
from engine.training.config import TrainConfig
from engine.training.optim import SGD
from engine.training.parallel import DataParallel
from engine.training.trainer import Trainer
from tests.support.gradcheck import numerical_gradient, relative_error
from tests.support.model_files import arch_array, load_error, write_npz


def every_new_layer(dtype=np.float32, seed=0) -> Model:
    """conv-BN-leaky-avgpool - conv-tanh-maxpool - flatten - dense-BN1D-sigmoid-dropout-dense."""
    rng = np.random.default_rng(seed)
    return Model([
        Conv2D(1, 4, 3, padding=1, rng=rng, dtype=dtype), BatchNorm2D(4, dtype=dtype),
        LeakyReLU(0.1), AvgPool2D(2),                                         # (4, 14, 14)
        Conv2D(4, 6, 3, stride=2, rng=rng, dtype=dtype), Tanh(), MaxPool2D(2),  # (6, 3, 3)
        Flatten(), Dense(54, 16, rng=rng, dtype=dtype), BatchNorm1D(16, dtype=dtype), Sigmoid(),
        Dropout(0.2, seed=1), Dense(16, 10, rng=rng, dtype=dtype),
    ])


def with_running_statistics(model: Model, seed=5) -> Model:
    """Give every buffer non-trivial values (as after training)."""
    rng = np.random.default_rng(seed)
    model.load_buffers({k: (rng.uniform(0.2, 2.0, v.shape) if k.endswith("var")
                            else rng.standard_normal(v.shape)).astype(v.dtype)
                        for k, v in model.named_buffers().items()})
    return model


def test_buffers_are_named_saved_and_loaded_exactly(tmp_path):
    model = with_running_statistics(every_new_layer())
    assert list(model.named_buffers()) == ["bn1.running_mean", "bn1.running_var",
                                           "bn1d1.running_mean", "bn1d1.running_var"]
    assert not set(model.named_buffers()) & set(model.named_params())   # never trained
    model.save(tmp_path / "m.npz")
    loaded = engine.load_model(tmp_path / "m.npz")
    for k, v in model.named_buffers().items():
        np.testing.assert_array_equal(loaded.named_buffers()[k], v)
        assert loaded.named_buffers()[k].dtype == np.float32
    x = np.random.default_rng(1).random((5, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    twin = model.clone()
    np.testing.assert_array_equal(twin.named_buffers()["bn1.running_var"],
                                  model.named_buffers()["bn1.running_var"])
    assert twin.named_buffers()["bn1.running_var"] is not model.named_buffers()["bn1.running_var"]


def members(model: Model) -> dict:
    out = {"architecture": arch_array(model.config())}
    out.update({k: v.copy() for k, v in {**model.named_params(), **model.named_buffers()}.items()})
    return out


@pytest.mark.parametrize("change, match", [
    (lambda m: m["bn1.running_var"].__setitem__(0, -1.0),
     r"bn1\.running_var has negative values \(a variance cannot be negative\)"),
    (lambda m: m["bn1d1.running_mean"].__setitem__(3, np.nan), r"bn1d1\.running_mean contains NaN"),
    (lambda m: m.pop("bn1.running_var"), r"missing \['bn1\.running_var'\]"),
    (lambda m: m.update({"bn1.running_mean": np.zeros(5, np.float32)}),
     r"bn1\.running_mean has shape \(5,\), expected \(4,\)"),
    (lambda m: m.update({"bn1.running_mean": np.zeros(4, np.float64)}), r"mixed float32/float64"),
    (lambda m: m.update({"bn1.running_max": np.zeros(4, np.float32)}),
     r"unexpected \['bn1\.running_max'\]"),
], ids=["negative-var", "nan-mean", "missing", "bad-shape", "mixed-dtype", "extra"])
def test_bad_running_statistics_are_refused(tmp_path, change, match):
    m = members(with_running_statistics(every_new_layer()))
    change(m)
    load_error(write_npz(tmp_path / "m.npz", m), match)


def test_get_weights_includes_buffers_and_set_weights_accepts_parameters_alone():
    model = with_running_statistics(every_new_layer())
    weights = model.get_weights()
    assert set(weights) == set(model.named_params()) | set(model.named_buffers())
    other = every_new_layer(seed=3)
    other.set_weights(weights)
    np.testing.assert_array_equal(other.named_buffers()["bn1.running_mean"],
                                  weights["bn1.running_mean"])
    params_only = {k: v + 1 for k, v in model.named_params().items()}
    other.set_weights(params_only)                      # buffers keep their values
    np.testing.assert_array_equal(other.named_buffers()["bn1.running_mean"],
                                  weights["bn1.running_mean"])
    with pytest.raises(ValueError, match="do not match"):
        other.set_weights({k: v for k, v in params_only.items() if k != "bn1.gamma"})


def test_data_parallel_updates_running_statistics_from_the_first_slice_only():
    model = every_new_layer(np.float64)
    x = np.random.default_rng(2).random((32, 1, 28, 28))
    y = np.arange(32) % 10
    ref = model.clone()
    ref.loss_and_grads(x[:16], y[:16])               # what the first slice alone does
    with DataParallel(model, workers=2, min_slice=8) as parallel:
        parallel.loss_and_grads(x, y)
        assert parallel.replicas[1].named_buffers()["bn1.running_mean"] is \
            model.named_buffers()["bn1.running_mean"]
    for k, v in ref.named_buffers().items():
        np.testing.assert_allclose(model.named_buffers()[k], v, rtol=1e-12, err_msg=k)
    assert not np.allclose(model.named_buffers()["bn1.running_mean"], 0.0)


def test_optimiser_trains_gamma_and_beta_without_weight_decay():
    model = every_new_layer(np.float64)
    params = model.named_params()
    before = {k: v.copy() for k, v in params.items()}
    zero = {k: np.zeros_like(v) for k, v in params.items()}
    SGD(lr=0.1, momentum=0.0, weight_decay=0.5).step(params, zero)
    for k in ("bn1.gamma", "bn1.beta", "bn1d1.gamma"):
        np.testing.assert_array_equal(params[k], before[k])       # no decay on 1-D parameters
    assert not np.array_equal(params["conv1.K"], before["conv1.K"])  # weights do decay
    grads = dict(zero, **{"bn1.gamma": np.ones(4)})
    SGD(lr=0.1, momentum=0.0, weight_decay=0.5).step(params, grads)
    np.testing.assert_allclose(params["bn1.gamma"], before["bn1.gamma"] - 0.1)


def test_trainer_trains_a_model_with_every_new_layer(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 256)
    images = np.zeros((256, 28, 28), np.uint8)
    for i, label in enumerate(labels):                # a learnable toy task: a bar per class
        images[i, 2 + 2 * label:4 + 2 * label, 4:24] = 255
    data = Dataset(images, labels, images[:64], labels[:64])
    model = every_new_layer()
    config = TrainConfig(epochs=3, batch_size=32, optimizer="adam", lr=0.01, augment=False,
                         workers=2, warmup_steps=0)
    reports = list(Trainer(model, data, config).run())
    assert reports[-1].reason == "completed"
    assert reports[-1].test_accuracy > 0.5
    assert not np.allclose(model.named_params()["bn1.gamma"], 1.0)
    assert not np.allclose(model.named_buffers()["bn1d1.running_mean"], 0.0)
    model.save(tmp_path / "trained.npz")
    assert engine.load_model(tmp_path / "trained.npz").predict(data.test_images[:, None] / 255.0) \
        .tolist() == model.predict(data.test_images[:, None] / 255.0).tolist()


def test_input_gradients_flow_through_every_new_layer():
    """Saliency (``pure_forward`` / ``pure_backward``) against finite differences
    of the evaluation-mode logit, in float64."""
    model = with_running_statistics(every_new_layer(np.float64))
    x = np.random.default_rng(4).random((1, 1, 28, 28))
    result = input_gradient(model, x, target=3)

    def logit(x_):
        with model.evaluating():
            return float(model.forward(x_)[0, 3])

    assert result.value[0] == pytest.approx(logit(x))
    idx = (slice(None), slice(None), slice(10, 14), slice(10, 14))     # a patch suffices
    patch = x[idx].copy()

    def on_patch(p):
        x2 = x.copy()
        x2[idx] = p
        return logit(x2)

    assert relative_error(result.grad[idx], numerical_gradient(on_patch, patch)) < 1e-6
    assert model.output_signs() == {
        "conv1": True, "bn1": True, "leaky1": True, "avgpool1": True, "conv2": True,
        "tanh1": True, "pool1": True, "flatten": True, "fc1": True, "bn1d1": True,
        "sigmoid1": False, "dropout1": False, "fc2": True}

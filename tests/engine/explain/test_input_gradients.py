"""engine.explain.input_gradients and the layers' side-effect-free passes.

* every registered layer type has ``pure_forward`` / ``pure_backward``: the
  output equals the inference-mode ``forward``, the input gradient matches
  central finite differences in float64 (several settings per type), and
  the layer is left exactly as it was (caches, grads, mode, switches);
* the whole model: gradients of class scores (logit, log-probability,
  probability) and of units (a channel's mean, one map unit, one dense unit)
  w.r.t. the input match finite differences, one sample's gradient does
  not depend on the others in the batch;
* nothing a training step uses changes: parameter gradients, caches,
  training mode, the first layer's input-gradient switch.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.explain.input_gradients import (ForwardTrace, class_objective, input_gradient,
                                            pure_logits, unit_gradient, unit_value)
from engine.nn.layers import (LAYER_TYPES, AvgPool2D, BatchNorm1D, BatchNorm2D, Dropout, Flatten,
                              LeakyReLU, MaxPool2D, ReLU, Sigmoid, Tanh)
from tests.support.gradcheck import numerical_gradient, relative_error
from tests.support.layer_checks import held_arrays, make_conv, make_dense
from tests.support.small_nets import SMALL_NAMES, batch, small_net

GRAD_TOL = 1e-7

LAYERS = {
    "conv_pad": (lambda: make_conv(2, 3, (3, 3), (1, 1), (1, 1), seed=2), (2, 2, 5, 5)),
    "conv_valid_stride2": (lambda: make_conv(2, 3, (3, 2), (0, 0), (2, 2), seed=4), (2, 2, 8, 7)),
    "conv_pad2_5x5": (lambda: make_conv(1, 2, (5, 5), (2, 2), (1, 1), seed=6), (2, 1, 7, 6)),
    "pool_tiled": (lambda: MaxPool2D(2), (2, 2, 6, 6)),
    "pool_tiled_pad": (lambda: MaxPool2D(2, padding=1), (2, 2, 5, 5)),
    "pool_overlap": (lambda: MaxPool2D(3, stride=2), (2, 2, 7, 7)),
    "relu": (lambda: ReLU(), (2, 2, 3, 3)),
    "flatten": (lambda: Flatten(), (2, 2, 3, 3)),
    "dense": (lambda: make_dense(6, 4, 61), (3, 6)),
    "dropout": (lambda: Dropout(0.5, seed=1), (3, 6)),
    "avgpool_overlap_pad": (lambda: AvgPool2D(3, stride=2, padding=1), (2, 2, 6, 5)),
    "bn2d": (lambda: _with_statistics(BatchNorm2D(2, dtype=np.float64)), (3, 2, 3, 3)),
    "bn1d": (lambda: _with_statistics(BatchNorm1D(6, dtype=np.float64)), (3, 6)),
    "tanh": (lambda: Tanh(), (2, 2, 3, 3)),
    "sigmoid": (lambda: Sigmoid(), (3, 6)),
    "leaky": (lambda: LeakyReLU(0.2), (2, 2, 3, 3)),
}


def _with_statistics(bn):
    """Batch norm with non-trivial parameters and running statistics (inference uses them)."""
    rng = np.random.default_rng(bn.num_features)
    bn.load_params({"gamma": rng.uniform(0.5, 2, bn.num_features),
                    "beta": rng.standard_normal(bn.num_features)})
    bn.load_buffers({"running_mean": rng.standard_normal(bn.num_features),
                     "running_var": rng.uniform(0.5, 2, bn.num_features)})
    return bn


def _input(shape, seed=0):
    """Random values kept away from 0 and from each other (no ReLU kinks or
    max-pool ties within the finite-difference step)."""
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64) / np.prod(shape)
    return (x - 0.37) * 2.0 + 1e-3 * rng.standard_normal(shape)


def _state(layer):
    return ({k: v.copy() for k, v in layer.grads.items()}, layer.training, layer.need_input_grad,
            held_arrays(layer, exclude=("_cols_buf",)))


def test_every_layer_type_is_checked():
    covered = {type(factory()) for factory, _ in LAYERS.values()}
    assert covered == set(LAYER_TYPES.values())


@pytest.mark.parametrize("kind", list(LAYERS))
def test_pure_forward_equals_inference_forward_and_changes_nothing(kind):
    factory, shape = LAYERS[kind]
    layer, x = factory(), _input(shape)
    layer.set_input_gradient(False)
    layer.set_training(True)       # even a layer in training mode: pure passes are inference
    before = _state(layer)
    out, memo = layer.pure_forward(x)
    dx = layer.pure_backward(np.ones_like(out), memo)
    assert dx.shape == x.shape
    after = _state(layer)
    assert after[1:] == before[1:]
    for k in before[0]:
        np.testing.assert_array_equal(after[0][k], before[0][k])
    layer.set_training(False)
    np.testing.assert_array_equal(out, layer.forward(x))


@pytest.mark.parametrize("kind", list(LAYERS))
def test_pure_backward_matches_finite_differences(kind):
    factory, shape = LAYERS[kind]
    layer, x = factory(), _input(shape, seed=1)
    out, memo = layer.pure_forward(x)
    g = np.random.default_rng(2).standard_normal(out.shape)
    dx = layer.pure_backward(g, memo)
    num = numerical_gradient(lambda v: np.sum(g * layer.pure_forward(v)[0]), x)
    assert dx.dtype == np.float64
    assert relative_error(dx, num) < GRAD_TOL


def test_the_first_convolution_gives_its_input_gradient_when_asked():
    model = small_net()
    assert model.layers[0].need_input_grad is False          # training still skips it
    x, _ = batch(2)
    grad = input_gradient(model, x, 1).grad
    assert grad.shape == x.shape and np.abs(grad).max() > 0


@pytest.mark.parametrize("score", ["logit", "log_prob", "prob"])
def test_class_score_gradients_of_the_whole_model_match_finite_differences(score):
    model = small_net()
    x, _ = batch(3, seed=5)
    target = np.array([0, 3, 4])
    result = input_gradient(model, x, target, score)

    def total(v):
        return class_objective(pure_logits(model, v), target, score)[0].sum()

    num = numerical_gradient(total, x)
    assert relative_error(result.grad, num) < GRAD_TOL
    np.testing.assert_allclose(result.value, class_objective(result.logits, target, score)[0])


@pytest.mark.parametrize("layer, index", [
    ("conv1", 1), ("relu1", (0, 4, 4)), ("pool1", 0), ("conv2", (3, 1, 0)), ("relu2", 2),
    ("flatten", 7), ("fc1", 4), ("relu3", 5), ("fc2", 2)])
def test_unit_gradients_match_finite_differences(layer, index):
    model = small_net()
    x, _ = batch(2, seed=7)
    result = unit_gradient(model, x, layer, index)
    num = numerical_gradient(lambda v: unit_value(model, v, layer, index).sum(), x)
    assert np.abs(num).max() > 0, "a dead unit checks nothing"
    assert relative_error(result.grad, num) < GRAD_TOL
    np.testing.assert_allclose(result.value, unit_value(model, x, layer, index))


def test_a_channel_unit_is_its_mean_over_the_map():
    model = small_net()
    x, _ = batch(2, seed=8)
    trace = ForwardTrace(model, x)
    np.testing.assert_allclose(unit_value(model, x, "relu2", 3),
                               trace.outputs[SMALL_NAMES.index("relu2")][:, 3].mean(axis=(1, 2)))


def test_each_sample_gets_its_own_gradient():
    model = small_net()
    x, _ = batch(4, seed=9)
    together = input_gradient(model, x, 2).grad
    alone = np.concatenate([input_gradient(model, x[i:i + 1], 2).grad for i in range(4)])
    np.testing.assert_allclose(together, alone, rtol=1e-12, atol=1e-14)


def test_target_none_means_the_predicted_class():
    model = small_net()
    x, _ = batch(5, seed=10)
    result = input_gradient(model, x)
    np.testing.assert_array_equal(result.target, result.logits.argmax(axis=1))
    with pytest.raises(ValueError, match="target class"):
        input_gradient(model, x, 5)
    with pytest.raises(ValueError, match="outside"):
        unit_gradient(model, x, "fc1", 6)
    with pytest.raises(ValueError, match="no layer named"):
        unit_gradient(model, x, "nope", 0)


def test_training_state_and_parameter_gradients_are_untouched():
    """A training step in progress (caches filled, grads set, dropout on) is
    not disturbed: the gradient pass leaves every array and flag as it was,
    and the step's backward pass still gives the same gradients."""
    model = small_net()
    model.layers.insert(8, Dropout(0.5, name="drop", seed=3))
    x, labels = batch(4, seed=11)
    reference = small_net()
    reference.layers.insert(8, Dropout(0.5, name="drop", seed=3))
    model.train()
    logits = model.forward(x)
    grads_before = {k: v.copy() for k, v in model.named_grads().items()}
    flags = [(layer.training, layer.need_input_grad) for layer in model.layers]
    input_gradient(model, x[:2], 1)
    unit_gradient(model, x[:2], "fc1", 2)
    assert [(layer.training, layer.need_input_grad) for layer in model.layers] == flags
    for k, v in model.named_grads().items():
        np.testing.assert_array_equal(v, grads_before[k])
    dy = np.eye(5)[labels] - 0.2
    model.backward(dy)                      # the step goes on with its own caches
    reference.train()
    np.testing.assert_array_equal(reference.forward(x), logits)
    reference.backward(dy)
    for k, v in model.named_grads().items():
        np.testing.assert_array_equal(v, reference.named_grads()[k])


def test_dropout_is_the_identity_in_explanations():
    model = small_net()
    with_dropout = small_net()
    with_dropout.layers.insert(8, Dropout(0.9, name="drop", seed=0))
    with_dropout.train()
    x, _ = batch(2, seed=12)
    np.testing.assert_array_equal(input_gradient(with_dropout, x, 0).grad,
                                  input_gradient(model, x, 0).grad)


def test_a_float32_model_gives_float32_gradients_close_to_float64():
    model64 = small_net()
    model32 = small_net(dtype=np.float32)
    x, _ = batch(2, seed=13)
    g32 = input_gradient(model32, x.astype(np.float32), 1).grad
    g64 = input_gradient(model64, x, 1).grad
    assert g32.dtype == np.float32
    assert relative_error(g32, g64) < 1e-4

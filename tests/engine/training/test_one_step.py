"""engine.one_step: one SGD step on one input, with every gradient it used.

The parameter gradients equal the central finite differences of the loss of
that input (float64 network); the activation gradients equal finite
differences of the loss w.r.t. a layer's output; the step changes the
weights by exactly -lr x gradient (with momentum: the SGD velocity); undo
restores the weights bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from engine import one_step
from engine.nn import presets
from engine.training.one_step import label_loss
from tests.support.gradcheck import relative_error
from tests.support.small_nets import batch, small_net


def _loss(model, x, label):
    probs = model.predict_proba(x[None])[0]
    return -np.log(probs[label])


def test_parameter_gradients_match_finite_differences_and_the_step_is_minus_lr_times_them():
    model = small_net()
    x, _ = batch(1)
    x, label, lr = x[0], 3, 0.1
    before = {k: v.copy() for k, v in model.named_params().items()}
    reference = small_net()
    numeric = {}
    rng = np.random.default_rng(0)
    eps = 1e-6
    for name, p in reference.named_params().items():
        flat = rng.choice(p.size, min(12, p.size), replace=False)
        idx = np.unravel_index(flat, p.shape)
        vals = []
        for i in zip(*idx):
            original = p[i]
            p[i] = original + eps
            plus = _loss(reference, x, label)
            p[i] = original - eps
            minus = _loss(reference, x, label)
            p[i] = original
            vals.append((plus - minus) / (2 * eps))
        numeric[name] = (idx, np.array(vals))

    trace = one_step(model, x, label, lr)
    for name, (idx, vals) in numeric.items():
        assert relative_error(trace.param_grads[name][idx], vals) < 1e-5, name
    for name, p in model.named_params().items():
        np.testing.assert_array_equal(trace.updates[name], p - before[name])
        np.testing.assert_allclose(trace.updates[name], -lr * trace.param_grads[name],
                                   rtol=1e-12, atol=1e-15)
    assert trace.loss_after < trace.loss_before
    assert trace.probs_after[label] > trace.probs_before[label]
    assert trace.loss_before == pytest.approx(-np.log(trace.probs_before[label]))


def test_activation_gradients_are_dloss_by_each_layer_output():
    model = small_net()
    x, _ = batch(1, seed=4)
    trace = one_step(model.clone(), x[0], 1, 0.01)
    # perturb the output of fc1 (a dense layer) and run the rest of the network
    layers = model.layers
    k = [l.name for l in layers].index("fc1")
    with model.evaluating():
        h = x
        for layer in layers[:k + 1]:
            h = layer.forward(h)

        def rest(hh):
            for layer in layers[k + 1:]:
                hh = layer.forward(hh)
            z = hh[0] - hh[0].max()
            return -(z[1] - np.log(np.exp(z).sum()))
        eps = 1e-6
        num = np.empty(h.shape[1])
        for j in range(h.shape[1]):
            hp, hm = h.copy(), h.copy()
            hp[0, j] += eps
            hm[0, j] -= eps
            num[j] = (rest(hp) - rest(hm)) / (2 * eps)
    assert relative_error(trace.activation_grads["fc1"], num) < 1e-6
    # every layer has one, shaped like its output; the input's too
    for name, act in trace.activations.items():
        assert trace.activation_grads[name].shape == act.shape
    assert trace.input_grad.shape == (2, 8, 8)
    np.testing.assert_allclose(trace.activation_grads["fc2"],
                               trace.probs_before - np.eye(5)[1], atol=1e-12)


def test_momentum_continues_with_the_velocity_and_undo_restores_bit_for_bit():
    model = small_net()
    x, _ = batch(1, seed=5)
    original = {k: v.copy() for k, v in model.named_params().items()}
    first = one_step(model, x[0], 2, 0.05, momentum=0.9)
    second = one_step(model, x[0], 2, 0.05, optimizer=first.optimizer)
    for name in original:
        expected = 0.9 * first.updates[name] - 0.05 * second.param_grads[name]
        np.testing.assert_allclose(second.updates[name], expected, rtol=1e-10, atol=1e-14)
    second.undo(model)
    first.undo(model)
    for name, p in model.named_params().items():
        assert np.array_equal(p, original[name]), name


def test_dropout_is_off_so_the_step_is_deterministic():
    a = presets.build("playground", np.random.default_rng(0))
    b = presets.build("playground", np.random.default_rng(0))
    x = np.random.default_rng(1).random((1, 28, 28), dtype=np.float32)
    ta, tb = one_step(a, x, 7, 0.05), one_step(b, x, 7, 0.05)
    for name in ta.param_grads:
        np.testing.assert_array_equal(ta.param_grads[name], tb.param_grads[name])
    assert np.count_nonzero(ta.activation_grads["dropout1"]) > 0


@pytest.mark.parametrize("kwargs,match", [
    (dict(label=10, lr=0.1), "label"), (dict(label=1, lr=0.0), "learning rate"),
    (dict(label=1, lr=float("nan")), "learning rate"),
    (dict(label=1, lr=0.1, momentum=1.0), "momentum")])
def test_bad_arguments_are_refused_before_anything_changes(kwargs, match):
    model = presets.build("tiny", np.random.default_rng(0))
    before = {k: v.copy() for k, v in model.named_params().items()}
    with pytest.raises(ValueError, match=match):
        one_step(model, np.zeros((1, 28, 28), np.float32), **kwargs)
    with pytest.raises(ValueError, match="shape"):
        one_step(model, np.zeros((28, 28), np.float32), 1, 0.1)
    for name, p in model.named_params().items():
        assert np.array_equal(p, before[name])


def test_label_loss_is_the_step_s_starting_loss_and_refuses_a_label_out_of_range():
    probs = np.array([0.7, 0.2, 0.1])
    assert label_loss(probs, 1) == pytest.approx(-np.log(0.2))
    assert np.isfinite(label_loss(np.array([1.0, 0.0]), 1))       # p = 0: large, not infinite
    for label in (-1, 3):
        with pytest.raises(ValueError):
            label_loss(probs, label)

"""engine.training.backward_arithmetic: the arithmetic of one position of one
layer in one step, written out, adds up to the engine's own numbers. Every
backward total equals the trace's gradient (the layers' ``backward``) for every
layer of the three presets at several positions, and the central finite
difference of the loss on a small float64 network; every forward value equals
the trace's activation; the walk's phases go forward, through the loss, and back."""
from __future__ import annotations

import numpy as np
import pytest

from engine import one_step
from engine.explain import ConvArithmetic, DenseArithmetic, PoolArithmetic
from engine.nn.layers import (AvgPool2D, Conv2D, Dense, Flatten, LeakyReLU, MaxPool2D, ReLU,
                              Sigmoid, Tanh)
from engine.nn.model import Model
from engine.nn.presets import build
from engine.training.backward_arithmetic import (ActivationArithmetic, ConvGradArithmetic,
                                                 DenseGradArithmetic, PassArithmetic,
                                                 PoolGradArithmetic, SoftmaxGradArithmetic,
                                                 StepArithmetic, phases)
from tests.support.gradcheck import numerical_gradient, relative_error
from tests.support.small_nets import batch, small_net


def _terms_close(terms, want, what):
    """``terms.total`` equals ``want`` to float32 rounding of a sum of ``count`` terms."""
    biggest = float(np.max(np.abs(terms.products))) if len(terms.products) else 0.0
    assert terms.total == pytest.approx(float(want), rel=1e-4,
                                        abs=2e-6 * terms.count * biggest + 1e-12), what
    assert float(np.sum(terms.products)) + terms.rest == pytest.approx(terms.total, abs=1e-9)
    assert np.allclose(terms.products, terms.a * terms.b)
    order = np.abs(terms.products)
    assert np.all(order[:-1] >= order[1:]), "largest |term| first"


def positions(shape, rng, default):
    """The default, the corners (they reach into the padding) and a few random positions."""
    if len(shape) == 1:
        fixed = [(0,), (shape[0] - 1,)]
    else:
        c, h, w = shape
        fixed = [(0, 0, 0), (c - 1, h - 1, w - 1), (c // 2, 0, w - 1), (0, h - 1, 0)]
    return [default] + fixed + [tuple(int(rng.integers(n)) for n in shape) for _ in range(5)]


def check_record(walk, phase, pos, record):
    """Assert ``record`` (at ``pos`` of ``phase``'s target) agrees with the trace."""
    trace = walk.trace
    name, _ = walk.target(phase)
    if phase.direction == "forward":
        want = float(trace.activations[phase.layer][pos])
        got = record.a if isinstance(record, ActivationArithmetic) else record.value
        assert got == pytest.approx(want, rel=1e-4, abs=1e-5), (phase.title, pos)
        return
    if phase.direction == "loss":
        assert np.allclose(record.grads, trace.activation_grads[phase.layer], atol=1e-6)
        assert record.loss == pytest.approx(trace.loss_before, rel=1e-5)
        assert np.allclose(record.probs, trace.probs_before, atol=1e-6)
        return
    grad = trace.input_grad if name == "input" else trace.activation_grads[name]
    want = float(grad[pos])
    where = f"{phase.title} at {pos}"
    if isinstance(record, (DenseGradArithmetic, ConvGradArithmetic)):
        _terms_close(record.input_grad, want, where)
        key = "W" if isinstance(record, DenseGradArithmetic) else "K"
        w = record.weight
        _terms_close(w.terms, trace.param_grads[f"{phase.layer}.{key}"][w.index], where)
        assert w.bias_grad == pytest.approx(float(trace.param_grads[f"{phase.layer}.b"][w.bias]),
                                            rel=1e-4, abs=1e-7)
        assert w.update == trace.updates[f"{phase.layer}.{key}"][w.index]
    elif isinstance(record, PoolGradArithmetic):
        assert record.routes, where
        assert record.total == pytest.approx(want, rel=1e-5, abs=1e-9), where
        for route in record.routes:
            winner = route.window.winner == tuple(pos[1:])
            assert route.received == (route.grad if winner else 0.0)
    elif isinstance(record, ActivationArithmetic):
        assert record.grad_in == pytest.approx(want, rel=1e-6, abs=1e-12), where
        assert record.grad_in == pytest.approx(record.grad_out * record.local, rel=1e-6)
    else:
        assert isinstance(record, PassArithmetic), where
        assert record.value == want, where


@pytest.fixture(scope="module", params=["tiny", "bench", "playground"])
def preset_walk(request):
    model = build(request.param, np.random.default_rng(3))
    x = np.random.default_rng(5).random((1, 28, 28), dtype=np.float32)
    x[:, :, :6] = 0.0                          # a blank band: zeros and ties at the border
    trace = one_step(model, x, 4, 0.05)
    return model, x, trace


def test_every_total_equals_the_trace_for_every_layer_of_the_presets(preset_walk):
    model, x, trace = preset_walk
    walk = StepArithmetic(model, x, trace)
    rng = np.random.default_rng(0)
    kinds = set()
    for phase in walk.phases:
        _, shape = walk.target(phase)
        for pos in positions(shape, rng, walk.default_position(phase)):
            record = walk.arithmetic(phase, pos)
            check_record(walk, phase, pos, record)
            kinds.add((phase.direction, type(record)))
    assert kinds >= {("forward", ConvArithmetic), ("forward", PoolArithmetic),
                     ("forward", DenseArithmetic), ("forward", PassArithmetic),
                     ("loss", SoftmaxGradArithmetic), ("backward", DenseGradArithmetic),
                     ("backward", ConvGradArithmetic), ("backward", PoolGradArithmetic),
                     ("backward", PassArithmetic)}
    assert ("backward", ActivationArithmetic) in kinds or model.layers[1].name == "relu1"


def test_any_kernel_weight_and_dense_weight_sums_to_its_gradient(preset_walk):
    model, x, trace = preset_walk
    walk = StepArithmetic(model, x, trace)
    rng = np.random.default_rng(1)
    for phase in walk.phases:
        layer = model.layers[walk.names.index(phase.layer)]
        if phase.direction != "backward" or not isinstance(layer, (Conv2D, Dense)):
            continue
        key = "K" if isinstance(layer, Conv2D) else "W"
        grads = trace.param_grads[f"{phase.layer}.{key}"]
        for _ in range(4):
            weight = tuple(int(rng.integers(n)) for n in grads.shape)
            record = walk.arithmetic(phase, walk.default_position(phase), weight=weight)
            assert record.weight.index == weight
            _terms_close(record.weight.terms, grads[weight], (phase.title, weight))
        if key == "K":                          # a 28×28 output map: one term per position
            assert record.weight.terms.count == trace.activation_grads[phase.layer][0].size


def test_the_walk_uses_the_weights_before_the_step(preset_walk):
    model, x, trace = preset_walk
    walk = StepArithmetic(model, x, trace)
    conv = walk.phases[0]
    record = walk.arithmetic(conv, (2, 5, 5))
    assert np.array_equal(record.kernel, trace.before["conv1.K"][:, 2])
    assert not np.array_equal(record.kernel, model.named_params()["conv1.K"][:, 2])


def test_strides_padding_and_overlapping_pools_route_and_sum_like_the_engine():
    """Every position of a net with a strided, padded convolution and 3×3 pools
    that overlap (stride 2, padding 1: a value can win several windows)."""
    rng = np.random.default_rng(7)
    model = Model([Conv2D(2, 3, 3, padding=1, stride=2, rng=rng, dtype=np.float64), ReLU(),
                   MaxPool2D(3, stride=2, padding=1), Conv2D(3, 2, (2, 3), padding=(1, 0),
                                                             rng=rng, dtype=np.float64),
                   LeakyReLU(0.1), Flatten(), Dense(2 * 4 * 1, 4, rng=rng, dtype=np.float64)],
                  input_shape=(2, 11, 9))
    x = np.random.default_rng(8).standard_normal((2, 11, 9))
    trace = one_step(model, x, 2, 0.1)
    walk = StepArithmetic(model, x, trace)
    several = 0
    for phase in walk.phases:
        _, shape = walk.target(phase)
        for pos in np.ndindex(*shape):
            record = walk.arithmetic(phase, pos)
            check_record(walk, phase, pos, record)
            if isinstance(record, PoolGradArithmetic):
                several += sum(r.received != 0 for r in record.routes) > 1
    assert several > 0, "no value won two overlapping windows"


def _loss_from(model, k, h, label):
    """Cross-entropy of ``label`` when layer ``k``'s input is ``h`` (one sample)."""
    with model.evaluating():
        out = h[None]
        for layer in model.layers[k:]:
            out = layer.forward(out)
    z = out[0] - out[0].max()
    return float(np.log(np.exp(z).sum()) - z[label])


TOTAL = {ConvGradArithmetic: lambda r: r.input_grad.total,
         DenseGradArithmetic: lambda r: r.input_grad.total, PoolGradArithmetic: lambda r: r.total,
         ActivationArithmetic: lambda r: r.grad_in, PassArithmetic: lambda r: r.value}


def test_totals_equal_finite_differences_on_a_small_network():
    """At every position of every backward phase, and for every weight and bias."""
    model = small_net()
    x = batch(1, seed=3)[0][0]
    label = 2
    trace = one_step(model.clone(), x, label, 0.1)
    walk = StepArithmetic(model, x, trace)
    params = model.named_params()
    checked = 0
    for phase in walk.phases:
        if phase.direction != "backward":
            continue
        k = walk.names.index(phase.layer)
        h = x if k == 0 else trace.activations[walk.names[k - 1]]
        numeric = numerical_gradient(lambda hh: _loss_from(model, k, hh, label), h)
        totals = np.zeros_like(numeric)
        for pos in np.ndindex(*h.shape):
            record = walk.arithmetic(phase, pos)
            totals[pos] = TOTAL[type(record)](record)
        # a window of ReLU zeros is a tie: the loss has no derivative there
        smooth = h != 0 if phase.kind == "MaxPool2D" else np.ones(h.shape, bool)
        assert smooth.mean() > 0.3
        assert relative_error(totals[smooth], numeric[smooth]) < 1e-6, phase.title
        checked += 1
        if phase.kind not in ("Conv2D", "Dense"):
            continue
        key = "K" if phase.kind == "Conv2D" else "W"

        def loss_with(name):
            def loss(w):
                saved = params[name].copy()
                params[name][...] = w
                try:
                    return _loss_from(model, 0, x, label)
                finally:
                    params[name][...] = saved
            return loss
        position = walk.default_position(phase)
        for name, pick in ((f"{phase.layer}.{key}", lambda r: r.weight.terms.total),
                           (f"{phase.layer}.b", lambda r: r.weight.bias_grad)):
            numeric = numerical_gradient(loss_with(name), params[name])
            got = np.zeros_like(numeric)
            for index in np.ndindex(*params[f"{phase.layer}.{key}"].shape):
                record = walk.arithmetic(phase, position, weight=index)
                if name.endswith(".b"):
                    got[record.weight.bias] = pick(record)
                else:
                    got[index] = pick(record)
            assert relative_error(got, numeric) < 1e-6, name
    assert checked == len(model.layers)


def test_the_loss_phase_is_softmax_minus_one_hot():
    model = small_net()
    x = batch(1, seed=4)[0][0]
    trace = one_step(model.clone(), x, 3, 0.1)
    walk = StepArithmetic(model, x, trace)
    loss = next(p for p in walk.phases if p.direction == "loss")
    record = walk.arithmetic(loss, (1,))
    assert record.label == 3 and record.unit == 1 and record.onehot.tolist() == [0, 0, 0, 1, 0]
    assert record.probs.sum() == pytest.approx(1.0)
    assert np.allclose(record.grads, record.probs - record.onehot)
    assert record.loss == pytest.approx(-np.log(record.probs[3]))
    assert walk.default_position(loss) == (int(np.argmax(np.abs(record.grads))),)


def test_smooth_activations_use_their_local_derivative():
    rng = np.random.default_rng(2)
    model = Model([Flatten(), Dense(12, 6, rng=rng, dtype=np.float64), Tanh(),
                   Dense(6, 5, rng=rng, dtype=np.float64), Sigmoid(),
                   Dense(5, 4, rng=rng, dtype=np.float64), LeakyReLU(0.2),
                   Dense(4, 3, rng=rng, dtype=np.float64)], input_shape=(1, 3, 4))
    x = rng.standard_normal((1, 3, 4))
    trace = one_step(model, x, 1, 0.1)
    walk = StepArithmetic(model, x, trace)
    for phase in walk.phases:
        if phase.kind not in ("Tanh", "Sigmoid", "LeakyReLU"):
            continue
        for pos in np.ndindex(*walk.target(phase)[1]):
            r = walk.arithmetic(phase, pos)
            check_record(walk, phase, pos, r)
            expected = {"Tanh": 1 - r.a ** 2, "Sigmoid": r.a * (1 - r.a),
                        "LeakyReLU": 1.0 if r.z > 0 else 0.2}[r.kind]
            assert r.local == pytest.approx(expected, rel=1e-9), (phase.title, pos)


def test_the_phases_go_forward_then_the_loss_then_back():
    model = build("playground", np.random.default_rng(0))
    walk = phases(model)
    names = [lay.name for lay in model.layers]
    assert len(walk) == 2 * len(names) + 1
    assert [p.index for p in walk] == list(range(len(walk)))
    assert [p.layer for p in walk] == names + [names[-1]] + names[::-1]
    assert [p.direction for p in walk] == ["forward"] * len(names) + ["loss"] + \
        ["backward"] * len(names)
    relu_fwd, relu_back = (p for p in walk if p.layer == "relu1")
    assert relu_fwd.description == "ReLU: keeps positive values, sets the rest to 0"
    assert relu_back.description == ("Backward through ReLU: the gradient passes where the "
                                     "input was positive, is blocked where it was not")
    assert relu_back.title == "Backward through relu1 (ReLU)"
    assert walk[len(names)].title == "Loss: softmax and cross-entropy of fc2's scores"
    assert "max pooling" in walk[-3].description and walk[-3].kind == "MaxPool2D"
    assert all(p.description and "\n" not in p.description for p in walk)


def test_unknown_layers_are_named_but_not_written_out_and_foreign_inputs_are_refused():
    rng = np.random.default_rng(0)
    model = Model([Conv2D(1, 2, 3, rng=rng, dtype=np.float64), AvgPool2D(2), Flatten(),
                   Dense(2 * 3 * 3, 3, rng=rng, dtype=np.float64)], input_shape=(1, 8, 8))
    x = rng.standard_normal((1, 8, 8))
    trace = one_step(model, x, 0, 0.1)
    walk = StepArithmetic(model, x, trace)
    avg = [p for p in walk.phases if p.kind == "AvgPool2D"]
    assert len(avg) == 2 and "not written out" in avg[1].description
    assert all(walk.arithmetic(p, walk.default_position(p)) is None for p in avg)
    with pytest.raises(ValueError, match="not the input"):
        StepArithmetic(model, x + 1.0, trace)
    with pytest.raises(ValueError, match="architecture"):
        StepArithmetic(small_net(), batch(1)[0][0], trace)


def test_written_out_terms_and_default_weights_are_telling_examples(preset_walk):
    """The listed "largest" terms are never zero products (unless all are), and a
    dense layer's default weight example has a non-zero input (its gradient
    x_i · dL/dy_k is then not a trivial 0)."""
    model, x, trace = preset_walk
    walk = StepArithmetic(model, x, trace)
    seen_dense = 0
    for phase in walk.phases:
        if phase.direction != "backward":
            continue
        record = walk.arithmetic(phase, walk.default_position(phase))
        for terms in [getattr(record, name) for name in ("input_grad",) if hasattr(record, name)]:
            if terms.nonzero:
                assert np.all(terms.products != 0)
        if isinstance(record, DenseGradArithmetic):
            seen_dense += 1
            assert record.weight.terms.a[0] != 0 or not np.any(trace.activations.get(
                record.source, x) if record.source != "input" else x)
    assert seen_dense >= 1

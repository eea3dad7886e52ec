"""engine.training.optim: SGD (momentum, weight decay) and Adam against hand-written
references, configuration, default learning rates, the rate passed to
``step``, checkpoint state and convergence on a quadratic.

Parameters are dicts of arrays updated in place; by convention a parameter
with ``ndim > 1`` is a weight (decayed) and a 1-D one a bias (not decayed).
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.training.optim import DEFAULT_LR, OPTIMIZERS, SGD, Adam, Optimizer, OptimizerConfig, default_lr


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return {"conv1.K": rng.standard_normal((2, 3, 3, 3)), "fc1.W": rng.standard_normal((4, 5)),
            "fc1.b": rng.standard_normal(5)}


def grad_sequence(params, steps=3, seed=1):
    """Per-step gradients, bounded away from zero (|g| >= 0.5)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        g = {}
        for k, v in params.items():
            r = rng.standard_normal(v.shape)
            g[k] = r + 0.5 * np.sign(r)
        out.append(g)
    return out


def copy(params):
    return {k: v.copy() for k, v in params.items()}


# ------------------------------------------------------------------ SGD
def test_sgd_without_momentum_is_plain_gradient_step():
    params = make_params()
    start = copy(params)
    ids = {k: id(v) for k, v in params.items()}
    (grads,) = grad_sequence(params, 1)
    SGD(lr=0.1, momentum=0.0).step(params, grads)
    for k in params:
        np.testing.assert_allclose(params[k], start[k] - 0.1 * grads[k], rtol=0, atol=1e-15)
    assert {k: id(v) for k, v in params.items()} == ids     # updated in place


def test_sgd_momentum_matches_reference_over_three_steps():
    lr, mu = 0.05, 0.9
    params = make_params()
    ref = copy(params)
    velocity = {k: np.zeros_like(v) for k, v in ref.items()}
    opt = SGD(lr=lr, momentum=mu, weight_decay=0.0)
    for grads in grad_sequence(params):
        opt.step(params, grads)
        for k in ref:   # heavy ball: v = mu v - lr g; w += v
            velocity[k] = mu * velocity[k] - lr * grads[k]
            ref[k] = ref[k] + velocity[k]
    for k in params:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-13, atol=1e-14)
    # momentum really mattered: plain SGD would end elsewhere
    plain = make_params()
    sgd = SGD(lr=lr, momentum=0.0)
    for grads in grad_sequence(plain):
        sgd.step(plain, grads)
    assert not np.allclose(plain["fc1.W"], params["fc1.W"])


def test_sgd_weight_decay_on_weights_not_biases():
    lr, wd = 0.1, 0.01
    params = make_params()
    start = copy(params)
    zero = {k: np.zeros_like(v) for k, v in params.items()}
    SGD(lr=lr, momentum=0.0, weight_decay=wd).step(params, zero)
    np.testing.assert_allclose(params["fc1.W"], start["fc1.W"] * (1 - lr * wd), rtol=1e-14)
    np.testing.assert_allclose(params["conv1.K"], start["conv1.K"] * (1 - lr * wd), rtol=1e-14)
    np.testing.assert_array_equal(params["fc1.b"], start["fc1.b"])       # bias untouched
    # with momentum and a gradient: g_eff = g + wd * w for weights only
    params = make_params()
    ref = copy(params)
    vel = {k: np.zeros_like(v) for k, v in ref.items()}
    opt = SGD(lr=lr, momentum=0.9, weight_decay=wd)
    for grads in grad_sequence(params):
        opt.step(params, grads)
        for k in ref:
            g = grads[k] + (wd * ref[k] if ref[k].ndim > 1 else 0.0)
            vel[k] = 0.9 * vel[k] - lr * g
            ref[k] = ref[k] + vel[k]
    for k in params:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-13, atol=1e-14)


def test_sgd_does_not_modify_gradients():
    params = make_params()
    (grads,) = grad_sequence(params, 1)
    before = copy(grads)
    SGD(lr=0.1, momentum=0.9, weight_decay=0.1).step(params, grads)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])


# ------------------------------------------------------------------ Adam
def adam_reference(params, grad_seq, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    """Kingma & Ba, Algorithm 1, with decoupled (AdamW) decay on weights."""
    w = copy(params)
    m = {k: np.zeros_like(v) for k, v in w.items()}
    v = {k: np.zeros_like(v_) for k, v_ in w.items()}
    for t, grads in enumerate(grad_seq, start=1):
        for k in w:
            g = grads[k]
            m[k] = b1 * m[k] + (1 - b1) * g
            v[k] = b2 * v[k] + (1 - b2) * g * g
            m_hat = m[k] / (1 - b1 ** t)
            v_hat = v[k] / (1 - b2 ** t)
            if wd and w[k].ndim > 1:
                w[k] = w[k] - lr * wd * w[k]
            w[k] = w[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


@pytest.mark.parametrize("eps, tol", [(0.0, 1e-12), (1e-8, 1e-7)])
def test_adam_matches_reference_over_three_steps(eps, tol):
    """With eps = 0 the engine's (reordered) update is algebraically the paper's;
    with the default eps they differ only by eps-sized terms."""
    lr = 0.01
    params = make_params()
    start = copy(params)
    seq = grad_sequence(params)
    opt = Adam(lr=lr, eps=eps)
    for grads in seq:
        opt.step(params, grads)
    assert opt.t == 3
    ref = adam_reference(start, seq, lr, eps=eps)
    for k in params:
        np.testing.assert_allclose(params[k], ref[k], rtol=tol, atol=tol)
    # bias correction: the first step moves every entry by ~lr (|m_hat/sqrt(v_hat)| = 1)
    first = copy(start)
    Adam(lr=lr, eps=eps).step(first, seq[0])
    for k in first:
        np.testing.assert_allclose(np.abs(first[k] - start[k]), lr, rtol=1e-6)


def test_adam_decoupled_weight_decay_on_weights_not_biases():
    lr, wd = 0.01, 0.1
    params = make_params()
    start = copy(params)
    zero = {k: np.zeros_like(v) for k, v in params.items()}
    Adam(lr=lr, weight_decay=wd).step(params, zero)
    np.testing.assert_allclose(params["fc1.W"], start["fc1.W"] * (1 - lr * wd), rtol=1e-14)
    np.testing.assert_array_equal(params["fc1.b"], start["fc1.b"])
    # and over three real steps
    params = make_params()
    seq = grad_sequence(params)
    opt = Adam(lr=lr, weight_decay=wd, eps=0.0)
    for grads in seq:
        opt.step(params, grads)
    ref = adam_reference(start, seq, lr, eps=0.0, wd=wd)
    for k in params:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ state
@pytest.mark.parametrize("make", [lambda: SGD(0.05, 0.9, 1e-3), lambda: Adam(0.01, weight_decay=1e-3)],
                         ids=["sgd", "adam"])
def test_state_round_trip_resumes_exactly(make):
    params = make_params()
    seq = grad_sequence(params, 4)
    opt = make()
    for grads in seq[:2]:
        opt.step(params, grads)
    saved_state = {k: np.array(v, copy=True) for k, v in opt.state().items()}
    saved_params = copy(params)
    assert saved_state, "an optimiser with momentum/moments has state"
    for grads in seq[2:]:
        opt.step(params, grads)

    resumed = make()
    resumed.load_state(saved_state)
    for grads in seq[2:]:
        resumed.step(saved_params, grads)
    for k in params:
        np.testing.assert_array_equal(saved_params[k], params[k])


def test_optimizer_config_build_and_unknown_name():
    default = OptimizerConfig()
    opt = default.build()
    assert isinstance(opt, SGD)
    assert (opt.lr, opt.momentum, opt.weight_decay) == (default.lr, default.momentum, default.weight_decay)
    adam = OptimizerConfig(name="adam", lr=0.002, weight_decay=0.01).build()
    assert isinstance(adam, Adam) and adam.lr == 0.002 and adam.weight_decay == 0.01
    sgd = OptimizerConfig(name="sgd", lr=0.3, momentum=0.0, weight_decay=0.0).build()
    assert isinstance(sgd, SGD) and (sgd.lr, sgd.momentum, sgd.weight_decay) == (0.3, 0.0, 0.0)
    for bad in ("rmsprop", "SGD ", ""):
        with pytest.raises(ValueError, match="unknown optimizer"):
            OptimizerConfig(name=bad).build()
    with pytest.raises(NotImplementedError):
        Optimizer(0.1).step({}, {})
    opt.lr = 0.01        # the trainer's schedules set lr between steps
    assert opt.lr == 0.01


# ------------------------------------------------------------------ learning rates
def test_default_lr_for_each_optimizer_and_unknown_name():
    assert OPTIMIZERS == ("sgd", "adam")
    assert default_lr("sgd") == DEFAULT_LR["sgd"] == 0.05
    assert default_lr("adam") == DEFAULT_LR["adam"] == 0.001
    for name in OPTIMIZERS:      # the default builds an optimiser with that rate
        assert OptimizerConfig(name=name, lr=default_lr(name)).build().lr == default_lr(name)
    for bad in ("rmsprop", "SGD", ""):
        with pytest.raises(ValueError, match=f"unknown optimizer {bad!r}"):
            default_lr(bad)


@pytest.mark.parametrize("cls, kwargs", [(SGD, {"momentum": 0.9}), (Adam, {})], ids=["sgd", "adam"])
def test_step_uses_the_rate_it_is_given_from_then_on(cls, kwargs):
    """``step(params, grads, lr=x)`` updates with ``x`` (not the constructor's
    rate) and keeps ``x`` for later steps without ``lr``: the result equals an
    optimiser built with ``x``, and differs from one using the constructor's."""
    params, reference, unchanged = make_params(), make_params(), make_params()
    seq = grad_sequence(params, 2)
    opt, ref, other = cls(0.5, **kwargs), cls(0.01, **kwargs), cls(0.5, **kwargs)
    opt.step(params, seq[0], lr=0.01)
    assert opt.lr == 0.01
    opt.step(params, seq[1])                          # no lr: keeps 0.01
    for grads in seq:
        ref.step(reference, grads)
        other.step(unchanged, grads)
    for k in params:
        np.testing.assert_allclose(params[k], reference[k], rtol=1e-13, atol=1e-15)
        assert not np.allclose(params[k], unchanged[k])


# ------------------------------------------------------------------ convergence
@pytest.mark.parametrize("opt", [SGD(0.1, momentum=0.0), SGD(0.05, momentum=0.9), Adam(0.05)],
                         ids=["sgd", "sgd_momentum", "adam"])
def test_optimizers_reduce_a_quadratic(opt):
    """``f(W, b) = 0.5 |A W - T|^2 + 0.5 |b - c|^2`` (W: (3, 2), b: (2,))."""
    rng = np.random.default_rng(7)
    A = np.eye(3) + 0.2 * rng.standard_normal((3, 3))
    T, c = rng.standard_normal((3, 2)), rng.standard_normal(2)
    params = {"W": np.zeros((3, 2)), "b": np.zeros(2)}

    def loss_and_grads():
        r = A @ params["W"] - T
        return 0.5 * (r ** 2).sum() + 0.5 * ((params["b"] - c) ** 2).sum(), \
            {"W": A.T @ r, "b": params["b"] - c}

    start, _ = loss_and_grads()
    losses = []
    for _ in range(200):
        loss, grads = loss_and_grads()
        losses.append(loss)
        opt.step(params, grads)
    final, _ = loss_and_grads()
    assert final < 1e-3 * start, f"{start:.3g} -> {final:.3g}"
    assert losses[10] < start

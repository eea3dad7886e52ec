"""engine.training.schedules: learning rate as a function of the step (0, 1, ..., total-1)."""
from __future__ import annotations

import math

import pytest

from engine.training.schedules import Constant, Cosine, StepDecay, make_schedule


def test_constant():
    s = Constant(0.05)
    assert [s(i) for i in (0, 1, 10, 10**6)] == [0.05] * 4


def test_step_decay():
    s = StepDecay(0.1, step_size=10, gamma=0.5)
    assert s(0) == s(9) == 0.1
    assert s(10) == s(19) == pytest.approx(0.05)
    assert s(20) == pytest.approx(0.025)
    assert s(35) == pytest.approx(0.1 * 0.5 ** 3)
    assert StepDecay(1.0, step_size=0)(5) == pytest.approx(0.1 ** 5)   # step_size clamped to 1


def test_cosine_with_warmup_start_middle_end():
    lr, total, warmup = 0.1, 110, 10
    s = Cosine(lr, total, warmup=warmup)
    # linear warm-up: lr/warmup, 2 lr/warmup, ..., lr
    assert s(0) == pytest.approx(lr / warmup)
    assert s(4) == pytest.approx(lr * 5 / warmup)
    assert s(warmup - 1) == pytest.approx(lr)
    # peak right after warm-up, half-way down in the middle of the decay, ~0 at the end
    assert s(warmup) == pytest.approx(lr)
    assert s(warmup + (total - warmup) // 2) == pytest.approx(lr / 2)
    assert s(warmup + (total - warmup) // 4) == pytest.approx(lr * 0.5 * (1 + math.cos(math.pi / 4)))
    assert 0 < s(total - 1) < 1e-3 * lr
    assert s(total) == pytest.approx(0.0, abs=1e-15)
    assert s(total + 50) == pytest.approx(0.0, abs=1e-15)   # clamped, never negative/rising
    values = [s(i) for i in range(total)]
    assert all(a <= b for a, b in zip(values[:warmup], values[1:warmup]))            # rising
    assert all(a >= b for a, b in zip(values[warmup:], values[warmup + 1:]))          # falling
    assert max(values) == pytest.approx(lr)


def test_cosine_without_warmup_and_final_fraction():
    s = Cosine(1.0, 100)
    assert s(0) == pytest.approx(1.0)
    assert s(50) == pytest.approx(0.5)
    f = Cosine(1.0, 100, final_fraction=0.1)
    assert f(0) == pytest.approx(1.0)
    assert f(50) == pytest.approx(0.55)
    assert f(100) == pytest.approx(0.1)
    assert min(f(i) for i in range(200)) >= 0.1 - 1e-12


def test_make_schedule_names_and_error():
    const = make_schedule("constant", 0.05, total_steps=90)
    assert isinstance(const, Constant) and const(0) == const(89) == 0.05
    step = make_schedule("step", 0.3, total_steps=90)
    assert isinstance(step, StepDecay)
    assert step(0) == step(29) == 0.3                       # x0.1 every third of the run
    assert step(30) == pytest.approx(0.03) and step(89) == pytest.approx(0.003)
    cos = make_schedule("cosine", 0.1, total_steps=100, warmup=5)
    assert isinstance(cos, Cosine)
    assert cos(0) == pytest.approx(0.02) and cos(5) == pytest.approx(0.1)
    assert cos(99) < 0.001
    assert make_schedule("step", 0.1, total_steps=2)(1) == pytest.approx(0.01)   # tiny runs: step_size 1
    for bad in ("linear", "Cosine", ""):
        with pytest.raises(ValueError, match="unknown schedule"):
            make_schedule(bad, 0.1, total_steps=10)

"""engine.training.verdict.learning_verdict: whether a run learned, in words.

Made-up numbers pin each rule (chance, the loss falling, divergence, the
advice about the learning rate); real short runs of the tiny preset on a few
MNIST images check that the rules read actual runs right: a learning rate of
2.0 is judged not learning (with advice to lower it), 0.05 learned.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.reports import FinishedReport, StepReport
from engine.training.trainer import Trainer
from engine.training.verdict import (CHANCE_MARGIN, KINDS, Verdict, chance_text, learning_verdict,
                                     loss_ends, percent)

FALLING = np.linspace(2.3, 0.3, 100)          # a loss that clearly fell
FLAT = np.full(100, 2.3) + 0.05 * np.sin(np.arange(100))   # stuck at ln(10)


def test_a_run_near_chance_is_not_learning_and_a_high_rate_is_told_to_go_lower():
    v = learning_verdict(0.097, 10, FLAT, learning_rate=2.0)
    assert isinstance(v, Verdict) and v.kind == "not learning" and not v.learned
    assert v.headline == ("It isn't learning: the test accuracy stayed at chance "
                          "(9.7 %; random guessing gets 10 %).")
    assert v.advice == "Try a lower learning rate, e.g. 0.05."
    # with Adam the usual rate is 0.001
    assert learning_verdict(0.11, 10, FLAT, 0.1, optimizer="adam").advice == \
        "Try a lower learning rate, e.g. 0.001."


def test_the_chance_margin_is_one_and_a_half_times_chance():
    just_below = CHANCE_MARGIN / 10 - 0.001
    assert learning_verdict(just_below, 10, FALLING, 0.05).kind == "not learning"
    assert learning_verdict(just_below + 0.002, 10, FALLING, 0.05).kind == "learned"
    # two classes: chance is 50 %, so 70 % is still chance
    assert learning_verdict(0.70, 2, FALLING, 0.05).kind == "not learning"
    assert learning_verdict(0.80, 2, FALLING, 0.05).learned


def test_a_learning_run_is_judged_learned_with_its_accuracy_in_percent():
    v = learning_verdict(0.9724, 10, FALLING, 0.05)
    assert v.learned and v.kind == "learned" and v.advice == ""
    assert v.headline == "It learned: the test accuracy is 97.2 % (random guessing gets 10 %)."
    assert v.start_loss > 2.0 and v.end_loss < 0.6


def test_above_chance_with_a_loss_that_barely_fell_is_learning_slowly():
    slow = np.linspace(2.6, 2.2, 100)
    v = learning_verdict(0.23, 10, slow, learning_rate=0.001)
    assert v.kind == "slow" and not v.learned
    assert "slowly" in v.headline and "23.0 %" in v.headline
    assert v.advice == "Train for more epochs, or try a higher learning rate, e.g. 0.05."
    # at the usual rate already: more epochs (no rate to raise)
    assert learning_verdict(0.23, 10, slow, 0.05).advice == \
        "Train for more epochs (or on more images)."


def test_at_chance_with_a_small_rate_and_a_flat_loss_asks_for_more_steps_or_a_higher_rate():
    v = learning_verdict(0.10, 10, FLAT, learning_rate=0.0001)
    assert v.kind == "not learning"
    assert v.advice == "Train for more epochs, or try a higher learning rate, e.g. 0.05."


def test_a_first_batch_above_the_uniform_guess_does_not_count_as_a_fall():
    """A high rate: the loss jumps, then sits at ln(10) - below its start, not learning."""
    jumped = np.concatenate([[2.7, 3.9, 3.4, 3.0], np.full(16, 2.35)])   # medians of 4
    start, end = loss_ends(jumped)
    assert start > 2.9 and end < 0.8 * start                  # below the start ...
    assert learning_verdict(None, 10, jumped, 2.0).kind == "not learning"   # ... not a fall


def test_a_model_that_started_trained_and_stayed_good_has_learned():
    low = np.full(200, 0.05)
    assert learning_verdict(0.99, 10, low, 0.05).learned
    assert learning_verdict(None, 10, low, 0.05).learned


def test_divergence_and_non_finite_losses_say_lower_the_rate():
    v = learning_verdict(None, 10, [2.7, 9.4, 28.3], 5.0, diverged=True)
    assert v.kind == "diverged" and not v.learned and "exploded" in v.headline
    assert v.advice == "Try a lower learning rate, e.g. 0.05."
    v = learning_verdict(0.5, 10, [2.3, 1.0, math.inf], 0.03)
    assert v.kind == "diverged" and v.advice == "Try a lower learning rate, e.g. 0.003."


def test_without_an_evaluation_the_loss_decides_and_without_anything_it_is_too_short():
    assert learning_verdict(None, 10, FALLING, 0.05).headline == \
        "It is learning: the loss fell from 2.11 to 0.49."
    assert learning_verdict(math.nan, 10, FLAT, 0.05).kind == "not learning"
    v = learning_verdict(None, 10, [], 0.05)
    assert v.kind == "too short" and math.isnan(v.start_loss) and math.isnan(v.end_loss)
    # an accuracy without losses is judged by the accuracy alone
    assert learning_verdict(0.9, 10, [], 0.05).learned
    assert learning_verdict(0.1, 10, [], 0.05).advice == \
        "Train for more epochs (or on more images)."


def test_the_verdict_is_deterministic_and_bad_arguments_are_refused():
    assert learning_verdict(0.5, 10, FLAT, 0.05) == learning_verdict(0.5, 10, list(FLAT), 0.05)
    assert {learning_verdict(a, 10, l, r, d).kind
            for a, l, r, d in [(0.97, FALLING, 0.05, False), (0.1, FLAT, 2.0, False),
                               (0.2, FLAT, 0.001, False), (None, [3.0], 9.0, True),
                               (None, [], 0.05, False)]} == set(KINDS)
    with pytest.raises(ValueError):
        learning_verdict(0.5, 1, FLAT, 0.05)
    for rate in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError):
            learning_verdict(0.5, 10, FLAT, rate)


def test_the_text_helpers():
    assert percent(0.0972) == "9.7 %" and percent(1.0) == "100.0 %"
    assert chance_text(10) == "10 %" and chance_text(3) == "33.3 %"
    assert loss_ends([5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]) == (3.0, 0.75)


# ------------------------------------------------------------------ real runs
@pytest.fixture(scope="module")
def tiny_data(mnist_data):
    """1,500 training images and 1,000 test images."""
    return Dataset(mnist_data.train_images[:1500], mnist_data.train_labels[:1500],
                   mnist_data.test_images[:1000], mnist_data.test_labels[:1000])


def _judge(data, lr: float) -> Verdict:
    model = presets.build("tiny", np.random.default_rng(0))
    config = TrainConfig(epochs=1, batch_size=64, lr=lr, augment=False, seed=0, workers=1)
    reports = list(Trainer(model, data, config).run())
    final = reports[-1]
    assert isinstance(final, FinishedReport)
    losses = [r.loss for r in reports if isinstance(r, StepReport)]
    assert len(losses) == 24
    return learning_verdict(final.test_accuracy, 10, losses, lr, final.reason == "diverged")


def test_a_real_run_with_learning_rate_2_is_not_learning(tiny_data):
    v = _judge(tiny_data, 2.0)
    assert v.kind in ("not learning", "diverged") and not v.learned
    assert v.advice == "Try a lower learning rate, e.g. 0.05."


def test_a_real_run_with_learning_rate_0_05_has_learned(tiny_data):
    v = _judge(tiny_data, 0.05)
    assert v.learned, v
    assert v.end_loss < 0.8 * v.start_loss

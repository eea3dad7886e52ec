"""engine.explain.morph: "what would make this a 7?" on the bundled model
and MNIST test digits, and the untargeted flip (an adversarial example)."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.explain import MorphResult, adversarial, morph


@pytest.fixture(scope="module")
def bundled():
    return engine.load_model()


@pytest.fixture(scope="module")
def digits(mnist_data):
    """30 MNIST test digits (fixed choice) as model inputs, and their labels."""
    idx = np.random.default_rng(0).choice(len(mnist_data.test_images), 30, replace=False)
    return mnist_data.test_images[idx, None].astype(np.float32) / 255, mnist_data.test_labels[idx]


def test_morph_makes_most_digits_the_target(bundled, digits):
    """30 (digit, target) pairs, every target once per three digits: the target's
    probability rises above 0.9 for at least 80 % of them within 50 steps."""
    images, labels = digits
    reached, changes = 0, []
    for n, (x, label) in enumerate(zip(images, labels)):
        target = int((label + 1 + n % 9) % 10)
        result = morph(bundled, x, target)
        p = bundled.predict_proba(result.image[None])[0]
        reached += p[target] > 0.9
        changes.append(result.change)
        assert result.target_prob[-1] == pytest.approx(p[target], abs=1e-5)
    assert reached >= 24, f"only {reached} of 30 reached p > 0.9"
    assert np.median(changes) < 6.0          # a small change, not a new drawing


def test_the_result_and_its_path(bundled, digits):
    x = digits[0][0]
    result = morph(bundled, x, 3, steps=40)
    assert isinstance(result, MorphResult)
    assert result.image.shape == x.shape and result.image.dtype == np.float32
    assert result.image.min() >= 0 and result.image.max() <= 1
    steps = len(result.path) - 1
    assert 1 <= steps <= 40
    assert result.path.shape == (steps + 1, 1, 28, 28)
    assert result.probs.shape == (steps + 1, 10)
    np.testing.assert_array_equal(result.path[0], x)
    np.testing.assert_array_equal(result.path[-1], result.image)
    assert result.start_class == int(digits[1][0]) and result.target == 3
    assert result.target_prob[-1] > result.target_prob[0]
    assert result.reached == (result.target_prob[-1] >= 0.95)
    assert result.change == pytest.approx(np.linalg.norm(result.image - x), rel=1e-5)
    # each step is at most `strength` long (clipping only shortens it)
    lengths = np.linalg.norm((result.path[1:] - result.path[:-1]).reshape(steps, -1), axis=1)
    assert lengths.max() <= 0.25 + 1e-5


def test_strength_and_steps_bound_the_walk(bundled, digits):
    x = digits[0][0]
    short = morph(bundled, x, 3, steps=3, goal=1.1)        # a goal above 1 is never met
    assert len(short.path) == 4 and not short.reached
    assert short.change <= 3 * 0.25 + 1e-5
    small = morph(bundled, x, 3, steps=3, strength=0.1, goal=1.1)
    assert small.change <= 0.3 + 1e-5 and small.change < short.change
    with pytest.raises(ValueError, match="target class"):
        morph(bundled, x, 10)


def test_progress_can_stop_the_walk(bundled, digits):
    seen = []

    def progress(step, total):
        seen.append((step, total))
        return step < 2

    result = morph(bundled, digits[0][0], 3, goal=1.1, progress=progress)
    assert seen == [(1, 50), (2, 50)]
    assert len(result.path) == 3


def test_adversarial_flips_the_answer_with_a_small_change(bundled, digits):
    images, labels = digits
    flipped, changes = 0, []
    ok = bundled.predict(images) == labels                  # digits it reads right
    for x, label in zip(images[ok][:10], labels[ok][:10]):
        result = adversarial(bundled, x)
        assert result.target is None and result.start_class == int(label)
        predicted = int(bundled.predict_proba(result.image[None]).argmax())
        assert predicted == result.final_class
        flipped += result.reached and predicted != int(label)
        changes.append(result.change)
        assert result.target_prob[-1] < result.target_prob[0]     # the start class fell
    assert flipped >= 9
    assert np.median(changes) < 3.0


def test_the_model_is_not_changed(bundled, digits):
    before = {k: v.copy() for k, v in bundled.named_params().items()}
    grads = {k: v.copy() for k, v in bundled.named_grads().items()}
    morph(bundled, digits[0][0], 5, steps=5)
    for k, v in bundled.named_params().items():
        np.testing.assert_array_equal(v, before[k])
        np.testing.assert_array_equal(bundled.named_grads()[k], grads[k])
    assert not any(layer.training for layer in bundled.layers)

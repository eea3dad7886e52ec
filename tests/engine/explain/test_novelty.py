"""engine.explain.novelty: non-digits made by code (letters, symbols, shapes,
scribbles, noise; :mod:`engine.explain.non_digits`) rank above MNIST test
digits; the score's scale (1.0 = the most unusual 1 % of training digits);
the statistics follow the weights; the shipped model carries them."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.explain import (UNFAMILIAR, NoveltyUnavailable, fit_novelty, has_novelty, novelty,
                            novelty_scores)
from engine.explain.non_digits import GLYPHS, KINDS, non_digits
from engine.explain.novelty import default_stages
from engine.explain.novelty_check import auroc, check_novelty
from engine.training.optim import SGD


@pytest.fixture(scope="module")
def fitted(mnist_data):
    """The bundled model with statistics fitted on 12,000 training digits."""
    model = engine.load_model()
    model.set_novelty_stats(None)
    idx = np.random.default_rng(1).choice(len(mnist_data.train_images), 12_000, replace=False)
    fit_novelty(model, mnist_data.train_images[idx], mnist_data.train_labels[idx])
    return model


@pytest.fixture(scope="module")
def evaluation_set():
    return non_digits("evaluation", per_kind=60)


def test_non_digits_rank_above_digits(fitted, mnist_data, evaluation_set):
    digits = mnist_data.test_images[5000:7000]          # the evaluation half
    others, kinds = evaluation_set
    d, n = novelty_scores(fitted, digits), novelty_scores(fitted, others)
    assert auroc(d, n) > 0.92
    for kind in KINDS:
        assert auroc(d, n[kinds == kind]) > 0.8, kind
    assert np.mean(d > UNFAMILIAR) < 0.03                 # ~1 % of training digits by design
    assert np.mean(n > UNFAMILIAR) > 0.5


def test_the_scale_is_set_on_held_out_training_digits(fitted, mnist_data):
    train = novelty_scores(fitted, mnist_data.train_images[:3000])
    assert 0.985 < np.mean(train <= UNFAMILIAR) < 0.999
    assert [fitted.layers[i].name for i in fitted.novelty_stats.layers] == \
        ["relu1", "relu2", "relu3", "fc2"]
    assert default_stages(fitted) == list(fitted.novelty_stats.layers)


def test_one_input_as_to_model_input_gives_it(fitted, mnist_data):
    x = mnist_data.test_images[0][None].astype(np.float32) / 255          # (1, 28, 28)
    score = novelty(fitted, x)
    assert isinstance(score, float) and np.isfinite(score)
    assert score == pytest.approx(novelty_scores(fitted, mnist_data.test_images[:1])[0])
    noise = np.random.default_rng(0).random((1, 28, 28), dtype=np.float32)
    assert novelty(fitted, noise) > 3 * score


def test_statistics_stop_applying_once_the_weights_change(fitted):
    model = fitted.clone()
    assert has_novelty(model)
    x, labels = np.random.default_rng(0).random((8, 1, 28, 28), dtype=np.float32), np.arange(8)
    model.loss_and_grads(x, labels)
    SGD(lr=0.01).step(model.named_params(), model.named_grads())
    assert not has_novelty(model)
    with pytest.raises(NoveltyUnavailable, match="python -m engine novelty"):
        novelty(model, x[0])


def test_fitting_checks_its_data():
    model = engine.load_model()
    x = np.random.default_rng(0).random((40, 1, 28, 28), dtype=np.float32)
    with pytest.raises(ValueError, match="one class"):
        fit_novelty(model, x, np.full(40, 10))
    with pytest.raises(ValueError, match="at least 2"):
        fit_novelty(model, x, np.arange(40) % 9)


def test_the_non_digits_are_reproducible_and_the_splits_share_no_glyph():
    a, kinds = non_digits("tuning", per_kind=3)
    b, _ = non_digits("tuning", per_kind=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3 * len(KINDS), 1, 28, 28) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    assert list(kinds) == [k for k in KINDS for _ in range(3)]
    c, _ = non_digits("evaluation", per_kind=3)
    assert not np.array_equal(a, c)
    for kind, glyphs in GLYPHS.items():
        names = list(glyphs)
        assert set(names[0::2]).isdisjoint(names[1::2]) and len(names) >= 10
    with pytest.raises(ValueError, match="split"):
        non_digits("test")


def test_auroc_is_the_probability_a_positive_ranks_above_a_negative():
    rng = np.random.default_rng(0)
    neg, pos = rng.integers(0, 5, 40).astype(float), rng.integers(2, 8, 30).astype(float)
    pairs = (pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean()
    assert auroc(neg, pos) == pytest.approx(pairs)
    assert auroc([0, 1], [2, 3]) == 1.0 and auroc([2, 3], [0, 1]) == 0.0


@pytest.mark.slow
def test_the_shipped_model_has_statistics_that_separate(mnist_data):
    model = engine.load_model()
    assert has_novelty(model)
    check = check_novelty(model, mnist_data.test_images, "evaluation", per_kind=100)
    assert check.auroc > 0.93
    assert check.digits_flagged < 0.03

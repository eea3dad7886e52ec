"""``engine.data.style_mix``: re-drawn training digits are seeded, come from the
training split only, follow the styled share, and train with the Trainer."""
from __future__ import annotations

import numpy as np
import pytest

from engine.cli import build_parser
from engine.data.dataset import Dataset
from engine.data.pen_strokes import extract_strokes
from engine.data.preprocess import to_model_input
from engine.data.style_mix import draw_digit, pen_digits, with_pen_digits
from engine.data.writer_styles import STYLES
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.reports import FinishedReport
from engine.training.trainer import Trainer


@pytest.fixture(scope="module")
def small(mnist_data) -> Dataset:
    """300 training and 50 test digits."""
    return Dataset(np.asarray(mnist_data.train_images[:300]),
                   np.asarray(mnist_data.train_labels[:300]),
                   np.asarray(mnist_data.test_images[:50]), np.asarray(mnist_data.test_labels[:50]))


def test_the_same_seed_gives_the_same_digits_and_another_seed_others(small):
    a = pen_digits(small.train_images, small.train_labels, 40, seed=3)
    b = pen_digits(small.train_images, small.train_labels, 40, seed=3)
    c = pen_digits(small.train_images, small.train_labels, 40, seed=4)
    assert a.images.shape == (40, 28, 28) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)
    assert a.styles == b.styles and np.array_equal(a.source, b.source)
    assert not np.array_equal(a.source, c.source)


def test_the_mix_reads_the_training_split_only(small):
    """Scrambling the test split changes nothing; every digit names the training
    image it was drawn from and carries that image's label."""
    mixed, extra = with_pen_digits(small, 0.1, seed=0)
    scrambled = Dataset(small.train_images, small.train_labels,
                        np.random.default_rng(1).integers(0, 256, small.test_images.shape,
                                                          np.uint8),
                        (small.test_labels + 1) % 10)
    mixed2, extra2 = with_pen_digits(scrambled, 0.1, seed=0)
    assert np.array_equal(extra.images, extra2.images)
    assert np.array_equal(extra.source, extra2.source)
    assert mixed.test_images is small.test_images and mixed.test_labels is small.test_labels
    assert len(extra.labels) == 30 and np.all(extra.source < len(small.train_labels))
    assert np.array_equal(extra.labels, small.train_labels[extra.source])
    assert len(set(extra.source.tolist())) == 30                       # distinct images
    assert np.array_equal(mixed.train_images[:300], small.train_images)
    assert np.array_equal(mixed.train_images[300:], extra.images)
    assert np.array_equal(mixed.train_labels, np.concatenate([small.train_labels, extra.labels]))


def test_a_zero_fraction_returns_the_data_itself(small):
    mixed, extra = with_pen_digits(small, 0.0)
    assert mixed is small and len(extra.labels) == 0
    with pytest.raises(ValueError):
        with_pen_digits(small, -0.5)


def test_styles_follow_the_share_and_only_digits_with_variants_get_one(small):
    every = pen_digits(small.train_images, small.train_labels, 60, styled_share=1.0)
    none = pen_digits(small.train_images, small.train_labels, 60, styled_share=0.0)
    assert set(none.styles) == {"plain"}
    for digit, style in zip(every.labels, every.styles):
        assert style in STYLES[digit] if digit in STYLES else style == "plain"
    assert sum(s != "plain" for s in every.styles) == int(np.isin(every.labels, list(STYLES)).sum())
    with pytest.raises(ValueError):
        pen_digits(small.train_images, small.train_labels, 5, styled_share=1.5)


def test_a_drawn_digit_is_framed_like_a_canvas_drawing(small):
    lines = extract_strokes(small.train_images[:1])[0]
    x = draw_digit(lines, np.random.default_rng(0))
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    assert x.max() == pytest.approx(1.0) and x.min() >= 0.0
    plain = pen_digits(small.train_images, small.train_labels, 5, styled_share=0.0)
    # stored as to_model_input x 255: a framed digit peaks at 255 and is centred
    assert np.all(plain.images.reshape(5, -1).max(1) == 255)
    rows = (plain.images.astype(float).sum(2) * np.arange(28)).sum(1) / plain.images.sum((1, 2))
    assert np.all(np.abs(rows - 14) < 1.5)
    assert to_model_input(np.zeros((280, 280), np.uint8)) is None


def test_the_trainer_trains_on_the_mixed_set(small):
    mixed, _ = with_pen_digits(small, 0.2, seed=0)
    model = presets.build("tiny", np.random.default_rng(0))
    trainer = Trainer(model, mixed, TrainConfig(epochs=1, batch_size=60, lr=0.05, workers=1))
    assert trainer.plan.train_images == 360
    reports = list(trainer.run())
    assert isinstance(reports[-1], FinishedReport) and reports[-1].reason == "completed"


def test_the_train_command_takes_a_pen_mix_fraction():
    args = build_parser().parse_args(["train", "--pen-mix", "0.25"])
    assert args.pen_mix == 0.25
    assert build_parser().parse_args(["train"]).pen_mix == 0.0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--pen-mix", "-1"])

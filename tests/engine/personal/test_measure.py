"""Honest measurement: held-out folds (never scoring a model on what it was
fine-tuned on), MNIST before/after, the report the GUI shows; the bench row."""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine.bench.personal import format_personal
from engine.data.dataset import images_to_input
from engine.personal import (FineTuneConfig, PersonalReport, content_id, measure_on_writer,
                             measure_personalisation, stratified_folds)
from engine.personal import measure as measure_module

QUICK = FineTuneConfig(steps=3, batch_size=16, personal_per_batch=4)


def test_stratified_folds_spread_every_digit():
    labels = np.repeat(np.arange(10), [5, 5, 5, 5, 5, 3, 3, 2, 1, 6])
    folds = stratified_folds(labels, 5, seed=0)
    sizes = np.bincount(folds, minlength=5)
    assert sizes.max() - sizes.min() <= 1
    for d in range(10):
        per = np.bincount(folds[labels == d], minlength=5)
        assert per.max() - per.min() <= 1
    assert np.array_equal(folds, stratified_folds(labels, 5, seed=0))


def test_every_sample_is_held_out_once_and_never_scored_by_a_model_trained_on_it(
        base_model, hard_writer, replay, mnist_data, monkeypatch):
    own = hard_writer.samples(2, seed=0)
    trained_on = []
    real = measure_module.fine_tune

    def spy(model, images, labels, **kw):
        trained_on.append({content_id(x) for x in images})
        return real(model, images, labels, **kw)
    monkeypatch.setattr(measure_module, "fine_tune", spy)
    steps = []
    mnist = (images_to_input(mnist_data.test_images[:300]), mnist_data.test_labels[:300])
    report = measure_personalisation(base_model, own.images, own.labels, folds=5, rounds=5,
                                     replay=replay, mnist_test=mnist, config=QUICK,
                                     progress=lambda d, t: steps.append((d, t)))
    ids = [content_id(x) for x in own.images]
    assert len(trained_on) == 6 and trained_on[-1] == set(ids)      # 5 rounds + the final model
    for i in ids:
        assert sum(i not in run for run in trained_on[:5]) == 1
    assert report.held_out_count == 20 and report.fine_tunes == 6 and report.samples == 20
    assert report.held_out_before == pytest.approx(np.mean(base_model.predict(own.images) == own.labels))
    assert report.counts == (2,) * 10 and report.mnist_count == 300
    assert report.mnist_before == pytest.approx(np.mean(base_model.predict(mnist[0]) == mnist[1]))
    assert report.model is not None and report.model is not base_model
    assert steps[-1] == (18, 18) and [d for d, _ in steps] == list(range(1, 19))
    json.dumps(report.summary())


def test_one_round_holds_out_a_fifth_and_no_mnist_is_fine(base_model, hard_writer, replay):
    own = hard_writer.samples(3, seed=0)
    report = measure_personalisation(base_model, own.images, own.labels, replay=replay,
                                     mnist_test=None, config=QUICK, keep_model=False)
    assert report.held_out_count == 6 and report.fine_tunes == 1
    assert report.mnist_before is None and report.mnist_after is None and report.model is None
    assert report.summary()["mnist_before_pct"] is None
    with pytest.raises(ValueError, match="at least 2 samples"):
        measure_personalisation(base_model, own.images[:1], own.labels[:1], replay=replay,
                                config=QUICK)


def test_measure_on_writer_scores_other_samples(base_model, hard_writer, replay):
    report = measure_on_writer(base_model, hard_writer, train_per_digit=1, test_per_digit=2,
                               replay=replay, mnist_test=None, config=QUICK)
    assert isinstance(report, PersonalReport)
    assert report.samples == 10 and report.held_out_count == 20 and report.fine_tunes == 1
    assert 0 <= report.held_out_before <= 1 and 0 <= report.held_out_after <= 1


def test_the_bench_row_reads_well():
    row = {"samples": 50, "steps": 140, "fine_tune_seconds": [3.81, 3.95],
           "replay_load_seconds": 0.2, "target_seconds": 5.0, "held_out_before_pct": 84.0,
           "held_out_after_pct": 99.0, "held_out_count": 100, "mnist_before_pct": 99.6,
           "mnist_after_pct": 99.5, "mnist_count": 2000}
    text = "\n".join(format_personal(row))
    assert "fine-tune on 50 samples" in text and "3.81, 3.95" in text
    assert "84.0 -> 99.0" in text and "99.60 -> 99.50 (2000 images)" in text
    assert "no MNIST" in "\n".join(format_personal({**row, "mnist_count": 0}))

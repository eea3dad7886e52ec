"""fine_tune: a new model, inputs untouched, 100 % on its own samples, better
on the same writer's next samples, MNIST kept (within 0.3 points on the whole
test set); determinism, stopping, dense-only, errors."""
from __future__ import annotations

import numpy as np
import pytest

from engine.data.dataset import images_to_input
from engine.personal import FineTuneConfig, ReplayMissingError, fine_tune
from tests.engine.personal.conftest import read_only

QUICK = FineTuneConfig(steps=4, batch_size=16, personal_per_batch=4)


@pytest.fixture(scope="module")
def tuned(base_model, hard_writer, replay):
    """The default fine-tune on 5 samples of each digit by the hard writer,
    with read-only inputs, and what everything looked like before."""
    own = hard_writer.samples(5, seed=0)
    images, labels = read_only(own.images), read_only(own.labels)
    weights = base_model.get_weights()
    meta = dict(base_model.metadata)
    model = fine_tune(base_model, images, labels, replay=replay, seed=0)
    return {"model": model, "images": images, "labels": labels, "weights": weights,
            "meta": meta, "own_copy": own.images.copy()}


def test_the_input_model_and_arrays_are_untouched(tuned, base_model):
    for k, v in base_model.named_params().items():
        np.testing.assert_array_equal(v, tuned["weights"][k])
    assert base_model.metadata == tuned["meta"] and base_model.source is not None
    np.testing.assert_array_equal(tuned["images"], tuned["own_copy"])
    new = tuned["model"]
    assert new is not base_model and new.source is None
    assert not any(np.shares_memory(a, b) for a, b in
                   zip(new.named_params().values(), base_model.named_params().values()))
    assert new.metadata["personalised"]["samples"] == 50
    # the base model's measured accuracy is not the new model's: it is not claimed
    assert "test_accuracy" in base_model.metadata and "test_accuracy" not in new.metadata


def test_it_gets_its_own_samples_right(tuned):
    predicted = tuned["model"].predict(tuned["images"])
    assert np.mean(predicted == tuned["labels"]) == 1.0


def test_it_beats_the_base_model_on_the_same_writers_next_samples(tuned, base_model, hard_writer):
    held = hard_writer.samples(10, seed=1)                 # never trained on
    before = np.mean(base_model.predict(held.images) == held.labels)
    after = np.mean(tuned["model"].predict(held.images) == held.labels)
    assert before < 0.92, f"the writer should be hard for the bundled model: {before:.1%}"
    assert after >= 0.95 and after >= before + 0.05, (before, after)


def test_mnist_test_accuracy_stays_within_0_3_points(tuned, base_model, mnist_data):
    x, y = images_to_input(mnist_data.test_images), mnist_data.test_labels
    before = np.mean(base_model.predict(x) == y)
    after = np.mean(tuned["model"].predict(x) == y)
    assert before > 0.99
    assert after >= before - 0.003, f"MNIST test {before:.2%} -> {after:.2%}"


def test_same_seed_same_weights_other_seed_other_weights(base_model, hard_writer, replay):
    own = hard_writer.samples(1, seed=3)
    runs = [fine_tune(base_model, own.images, own.labels, replay=replay, seed=s, config=QUICK)
            for s in (1, 1, 2)]
    w = [r.get_weights() for r in runs]
    assert all(np.array_equal(w[0][k], w[1][k]) for k in w[0])
    assert not all(np.array_equal(w[0][k], w[2][k]) for k in w[0])


def test_progress_counts_steps_and_an_exception_stops(base_model, hard_writer, replay):
    own = hard_writer.samples(1, seed=3)
    seen = []
    fine_tune(base_model, own.images, own.labels, replay=replay, config=QUICK,
              progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]

    class Stop(Exception):
        pass

    calls = []

    def stop_at_two(done, total):
        calls.append(done)
        if done == 2:
            raise Stop
    with pytest.raises(Stop):
        fine_tune(base_model, own.images, own.labels, replay=replay, config=QUICK,
                  progress=stop_at_two)
    assert calls == [1, 2]


def test_dense_only_keeps_the_convolutions(base_model, hard_writer, replay):
    own = hard_writer.samples(1, seed=3)
    cfg = FineTuneConfig(steps=3, batch_size=16, personal_per_batch=4, layers="dense", lr=1e-2)
    new = fine_tune(base_model, own.images, own.labels, replay=replay, config=cfg)
    old = base_model.named_params()
    for k, v in new.named_params().items():
        assert np.array_equal(v, old[k]) == k.startswith("conv"), k


def test_float_replay_works_and_is_not_changed(base_model, hard_writer, replay):
    own = hard_writer.samples(1, seed=3)
    x = read_only(images_to_input(replay[0][:500]))
    y = read_only(replay[1][:500])
    new = fine_tune(base_model, own.images, own.labels, replay=(x, y), config=QUICK)
    np.testing.assert_array_equal(x, images_to_input(replay[0][:500]))
    assert new.outputs_are_finite()


def test_without_any_mnist_the_error_says_what_to_do(base_model, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(tmp_path))
    x = np.zeros((2, 1, 28, 28), np.float32)
    with pytest.raises(ReplayMissingError, match="replay=\\(images, labels\\)") as info:
        fine_tune(base_model, x, np.array([1, 2]), config=QUICK)
    assert isinstance(info.value, FileNotFoundError) and "CNN_PLAYGROUND_DATA" in str(info.value)


@pytest.mark.parametrize("images, labels, match", [
    (np.zeros((2, 28, 28), np.float32), [1, 2], "personal images must be"),
    (np.zeros((0, 1, 28, 28), np.float32), np.zeros(0, int), "no personal samples"),
    (np.zeros((2, 1, 28, 28), np.float32), [1], "labels must be"),
    (np.zeros((2, 1, 28, 28), np.float32), [1, 10], "from 0 to 9"),
    (np.zeros((2, 1, 28, 28), np.float32), [1.0, 2.0], "integers"),
    (np.full((2, 1, 28, 28), np.nan, np.float32), [1, 2], r"finite values in \[0, 1\]"),
    (np.full((2, 1, 28, 28), 3.0, np.float32), [1, 2], r"finite values in \[0, 1\]"),
])
def test_bad_samples_are_refused(base_model, replay, images, labels, match):
    with pytest.raises(ValueError, match=match):
        fine_tune(base_model, images, np.asarray(labels), replay=replay, config=QUICK)


@pytest.mark.parametrize("change, match", [
    ({"steps": 0}, "steps"), ({"personal_per_batch": 99}, "personal_per_batch"),
    ({"layers": "conv"}, "layers"), ({"lr": float("nan")}, "lr"), ({"optimizer": "rmsprop"}, "optimizer"),
])
def test_bad_configs_are_refused(change, match):
    with pytest.raises(ValueError, match=match):
        FineTuneConfig(**change).validate()

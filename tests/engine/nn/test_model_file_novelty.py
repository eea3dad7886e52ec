"""Novelty statistics in model files (engine.nn.novelty_stats, model_file,
model_load): saved with the model and read back exactly, files without them
load as before, statistics that no longer fit the weights are dropped (in
memory and on save), and malformed or oversized statistics are refused
quickly with a :class:`ModelFileError` naming the problem."""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine.explain.novelty import fit_novelty
from engine.nn.layers import Dense, Flatten, ReLU
from engine.nn.model import Model
from engine.nn.model_load import load_model
from engine.nn.novelty_stats import MAX_STAGE_FEATURES, NOVELTY_KEYS
from tests.support.model_files import arch_array, build, load_error, write_npz


def fitted(name="tiny", seed=0) -> Model:
    """A preset with non-zero biases and novelty statistics fitted on random images."""
    model = build(name, seed=seed)
    rng = np.random.default_rng(seed)
    fit_novelty(model, rng.random((300, 1, 28, 28), dtype=np.float32), np.arange(300) % 10)
    return model


def members_of(model: Model) -> dict:
    out = {"architecture": arch_array(model.config())}
    out.update({k: v.copy() for k, v in model.named_params().items()})
    out.update(model.novelty_stats.to_arrays())
    return out


def test_statistics_round_trip_with_bit_identical_weights(tmp_path):
    model = fitted()
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        assert set(NOVELTY_KEYS) <= set(z.files)
        assert z["novelty_layers"].dtype == np.int64
    loaded = load_model(tmp_path / "m.npz")
    for k, v in model.named_params().items():
        assert loaded.named_params()[k].tobytes() == v.tobytes()
    saved, read = model.novelty_stats.to_arrays(), loaded.novelty_stats.to_arrays()
    for key in NOVELTY_KEYS:
        np.testing.assert_array_equal(read[key], saved[key])
    loaded.save(tmp_path / "again.npz")                  # saving keeps them
    assert load_model(tmp_path / "again.npz").novelty_stats is not None


def test_files_without_statistics_load_as_before(tmp_path):
    model = build("tiny")
    model.save(tmp_path / "old.npz")
    with np.load(tmp_path / "old.npz", allow_pickle=False) as z:
        assert not set(NOVELTY_KEYS) & set(z.files)
    assert load_model(tmp_path / "old.npz").novelty_stats is None


def test_statistics_of_other_weights_are_dropped(tmp_path):
    model = fitted()
    clone = model.clone()
    assert clone.novelty_stats is not None               # a copy has the same weights
    model.named_params()["fc1.b"][0] += 0.01             # e.g. a training step
    assert model.novelty_stats is None
    model.save(tmp_path / "trained.npz")
    with np.load(tmp_path / "trained.npz", allow_pickle=False) as z:
        assert not set(NOVELTY_KEYS) & set(z.files)
    members = members_of(clone)
    members["fc1.b"] = members["fc1.b"] + 0.01           # a file whose stats do not fit
    loaded = load_model(write_npz(tmp_path / "stale.npz", members))
    assert loaded.novelty_stats is None


def test_attaching_statistics_that_do_not_fit_is_refused():
    tiny, bench = fitted("tiny"), build("bench")
    with pytest.raises(ValueError, match="do not fit"):
        bench.set_novelty_stats(tiny.novelty_stats)
    bench.set_novelty_stats(None)
    assert bench.novelty_stats is None


def _bad(tmp_path, change, match):
    members = members_of(fitted())
    change(members)
    return load_error(write_npz(tmp_path / "bad.npz", members), match)


@pytest.mark.reliability
@pytest.mark.parametrize("change, match", [
    (lambda m: m.pop("novelty_scales"), "incomplete novelty statistics"),
    (lambda m: m.update(novelty_layers=m["novelty_layers"].astype(np.float64)), "int64 vector"),
    (lambda m: m.update(novelty_layers=np.zeros((0,), np.int64)), "int64 vector"),
    (lambda m: m.update(novelty_layers=np.arange(200, dtype=np.int64)), "int64 vector"),
    (lambda m: m.update(novelty_layers=m["novelty_layers"][::-1].copy()), "not increasing"),
    (lambda m: m.update(novelty_layers=np.array([1, 99], np.int64)), "not increasing"),
    (lambda m: m.update(novelty_means=m["novelty_means"][:, 1:].copy()), "novelty_means is"),
    (lambda m: m.update(novelty_means=m["novelty_means"].astype(np.float32)), "novelty_means is"),
    (lambda m: m.update(novelty_whiteners=m["novelty_whiteners"][:-1].copy()), "whiteners is"),
    (lambda m: m.update(novelty_fingerprint=np.zeros((3, 2))), "fingerprint is"),
    (lambda m: m["novelty_means"].__setitem__((0, 0), np.nan), "finite"),
    (lambda m: m["novelty_whiteners"].__setitem__(0, np.inf), "finite"),
    (lambda m: m["novelty_scales"].__setitem__(0, -1.0), "positive"),
    (lambda m: m["novelty_scales"].__setitem__(-1, 0.0), "positive"),
])
def test_malformed_statistics_are_refused(tmp_path, change, match):
    _bad(tmp_path, change, match)


@pytest.mark.reliability
def test_statistics_too_costly_to_score_are_refused_before_reading_them(tmp_path):
    """A stage as wide as a layer allows (here 4096 values) would need a
    4096 x 4096 whitener: refused from the headers, whatever the arrays hold."""
    wide = MAX_STAGE_FEATURES * 4
    model = Model([Flatten(), Dense(784, wide), ReLU(), Dense(wide, 10)])
    members = {"architecture": arch_array(model.config())}
    members.update({k: v.copy() for k, v in model.named_params().items()})
    members.update(novelty_layers=np.array([2, 3], np.int64),
                   novelty_means=np.zeros((10, wide + 10)),
                   novelty_whiteners=np.zeros(8),           # far too small: never read
                   novelty_scales=np.ones(3), novelty_fingerprint=np.zeros((4, 2)))
    load_error(write_npz(tmp_path / "wide.npz", members), "novelty stage of 4096 features")


@pytest.mark.reliability
def test_statistics_members_do_not_pass_as_weights(tmp_path):
    members = members_of(fitted())
    members["novelty_extra"] = np.zeros(3)
    load_error(write_npz(tmp_path / "extra.npz", members), "unexpected")
    arch = json.loads(members["architecture"].tobytes())
    arch["layers"][0]["name"] = "novelty_layers"             # a layer cannot borrow the names:
    members["architecture"] = arch_array(arch)                # its arrays are "layer.key"
    members.pop("novelty_extra")
    members["novelty_layers.K"] = members.pop("conv1.K")
    members["novelty_layers.b"] = members.pop("conv1.b")
    loaded = load_model(write_npz(tmp_path / "named.npz", members))
    assert loaded.layers[0].name == "novelty_layers" and loaded.novelty_stats is not None

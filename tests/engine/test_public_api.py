"""The engine's public face (``import engine``): ``load_model`` (``None`` ->
the bundled model), ``bundled_model_path``, ``save_model``, ``Model``,
``ModelFileError``, ``describe_architecture``, ``one_step`` (with its
``StepTrace``) and the run files' ``load_run``, ``save_run``, ``TrainingRun``
and ``RunFileError`` are the objects of the modules that implement them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import engine
from engine.nn import presets
from engine.nn.architecture import describe_architecture
from engine.nn.model import Model
from engine.nn.model_file import ModelFileError, save_model
from engine.training.config import TrainConfig
from engine.training.one_step import StepTrace, one_step
from engine.training.run_file import RunFileError, load_run, save_run
from engine.training.run_record import RunRecorder, TrainingRun
from tests.support.data_fixtures import REPO_ROOT


def test_public_names_are_the_implementing_objects():
    assert set(engine.__all__) == {"Model", "ModelFileError", "load_model", "save_model",
                                   "bundled_model_path", "describe_architecture", "one_step",
                                   "StepTrace", "load_run", "save_run", "TrainingRun",
                                   "RunFileError"}
    assert engine.load_run is load_run and engine.save_run is save_run
    assert engine.TrainingRun is TrainingRun
    assert engine.RunFileError is RunFileError and issubclass(RunFileError, ValueError)
    assert engine.describe_architecture is describe_architecture
    assert engine.one_step is one_step and engine.StepTrace is StepTrace
    assert engine.Model is Model
    assert engine.ModelFileError is ModelFileError and issubclass(ModelFileError, ValueError)
    assert engine.save_model is save_model
    assert all(callable(getattr(engine, name)) for name in engine.__all__)


def test_bundled_model_path_is_the_assets_file():
    path = engine.bundled_model_path()
    assert isinstance(path, Path) and path.name == "model.npz"
    assert path == REPO_ROOT / "assets" / "model.npz"


def test_load_model_none_uses_bundled_model():
    path = engine.bundled_model_path()
    assert path.name == "model.npz"
    if path.is_file():
        model = engine.load_model(None)
        assert isinstance(model, Model)
        assert Path(model.source) == path
        proba = model.predict_proba(np.zeros((2, 1, 28, 28), dtype=np.float32))
        assert proba.shape == (2, 10)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
        assert engine.load_model().config() == model.config()
    else:
        with pytest.raises(FileNotFoundError):
            engine.load_model(None)


def test_save_model_and_load_model_round_trip(tmp_path):
    """``engine.save_model`` writes what ``engine.load_model`` reads back (str or Path)."""
    model = presets.build("tiny", np.random.default_rng(4))
    save_model(model, str(tmp_path / "m.npz"))
    loaded = engine.load_model(tmp_path / "m.npz")
    assert loaded.config() == model.config() and loaded.source == str(tmp_path / "m.npz")
    for name, value in model.named_params().items():
        np.testing.assert_array_equal(loaded.named_params()[name], value)


def test_load_model_errors_are_typed(tmp_path):
    """A missing file is a ``FileNotFoundError``, a bad one a ``ModelFileError``."""
    with pytest.raises(FileNotFoundError):
        engine.load_model(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    with pytest.raises(engine.ModelFileError, match="bad.npz"):
        engine.load_model(tmp_path / "bad.npz")


def test_save_run_and_load_run_round_trip(tmp_path):
    """A run recorded before any step (no checkpoints) saves and loads through ``engine``."""
    model = presets.build("tiny", np.random.default_rng(4))
    run = RunRecorder(model, TrainConfig(epochs=1), "api").result()
    engine.save_run(run, tmp_path / "r.run.npz")
    loaded = engine.load_run(str(tmp_path / "r.run.npz"))
    assert isinstance(loaded, TrainingRun) and loaded.label == "api"
    assert loaded.checkpoints == () and loaded.finished_reason == "running"
    with pytest.raises(FileNotFoundError):
        engine.load_run(tmp_path / "missing.run.npz")
    (tmp_path / "bad.run.npz").write_bytes(b"not a run")
    with pytest.raises(engine.RunFileError, match="bad.run.npz"):
        engine.load_run(tmp_path / "bad.run.npz")

"""Which model the window opens with, and what it says when a file fails."""
from __future__ import annotations

import engine
from engine.nn.metadata import ModelCard
from gui.state.startup import initial_model


def test_the_bundled_model_without_a_problem():
    model, problem = initial_model(None)
    assert problem is None and model.source == str(engine.bundled_model_path())


def test_a_broken_file_falls_back_to_the_bundled_model(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"\x00" * 64)
    model, problem = initial_model(bad)
    assert model.source == str(engine.bundled_model_path())
    assert problem.startswith("Could not open bad.npz:") and "bundled model instead" in problem


def test_without_any_model_file_an_untrained_network(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "bundled_model_path", lambda: tmp_path / "absent.npz")
    model, problem = initial_model(tmp_path / "missing.npz")
    assert ModelCard.read(model.metadata).untrained and model.source is None
    assert "missing.npz" in problem and "untrained" in problem

"""A convolutional network in pure NumPy: layers with explicit forward and
backward passes, optimisers, a trainer, MNIST loading and drawing
preprocessing. No Qt, no plotting: the GUI drives this package.

Public API::

    model = engine.load_model()            # the bundled pretrained model
    probs = model.predict_proba(x)         # x: (N, 1, 28, 28) float32 in [0, 1]
    logits, acts = model.forward(x, keep_activations=True)
"""
from __future__ import annotations

from pathlib import Path

from .model import Model
from .model_io import ModelFileError, save_model
from .model_io import load_model as _load_model_file

__all__ = ["Model", "ModelFileError", "load_model", "save_model", "bundled_model_path"]


def bundled_model_path() -> Path:
    """Path of the pretrained model shipped in ``assets/model.npz``."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "assets" / "model.npz", here / "assets" / "model.npz"):
        if candidate.is_file():
            return candidate
    return here.parent / "assets" / "model.npz"


def load_model(path=None) -> Model:
    """Load a model file (validated, never unpickled); ``None`` -> the bundled model."""
    return _load_model_file(bundled_model_path() if path is None else path)

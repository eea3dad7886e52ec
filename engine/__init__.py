"""A convolutional network in pure NumPy: layers with explicit forward and
backward passes, optimisers, a trainer, MNIST loading and drawing
preprocessing. No Qt, no plotting: the GUI drives this package.

Where things are:

* :mod:`engine.nn` - the network: the seed's functional API
  (:mod:`engine.nn.functional`), layers, the model, architectures, model files;
* :mod:`engine.data` - MNIST, datasets, drawing preprocessing, augmentation;
* :mod:`engine.training` - configuration, reports, optimisers, schedules,
  data parallelism, evaluation, the trainer, its watchers, checkpoints and
  run records / run files;
* :mod:`engine.system` - BLAS threads, the allocator, atomic writes;
* :mod:`engine.cli` (``python -m engine``), :mod:`engine.bench`
  (``python -m engine.bench``), :mod:`engine.tools` (offline experiments).

Public API::

    model = engine.load_model()            # the bundled pretrained model
    probs = model.predict_proba(x)         # x: (N, 1, 28, 28) float32 in [0, 1]
    logits, acts = model.forward(x, keep_activations=True)
    summary = engine.describe_architecture(model.config())   # per-layer shapes, costs;
    print(model.summary())                                    # ValueError saying why if invalid

    run = engine.load_run("model.run.npz")  # a run saved by ``train --checkpoints``
    for checkpoint in run.checkpoints:     # steps 0, 1, 2, 5, 10, ... and every epoch's end
        print(checkpoint.step, checkpoint.model.predict_proba(x).argmax(axis=1))
    engine.save_run(run, "copy.run.npz")   # a TrainingRun: settings, curves, checkpoints
"""
from __future__ import annotations

from pathlib import Path

from .nn.architecture import describe_architecture
from .nn.model import Model
from .nn.model_file import ModelFileError, save_model
from .nn.model_load import load_model as _load_model_file
from .system.moved_modules import install as _keep_old_import_paths
from .training.one_step import StepTrace, one_step
from .training.run_file import RunFileError, load_run, save_run
from .training.run_record import TrainingRun

__all__ = ["Model", "ModelFileError", "RunFileError", "StepTrace", "TrainingRun",
           "bundled_model_path", "describe_architecture", "load_model", "load_run", "one_step",
           "save_model", "save_run"]

_keep_old_import_paths({
    "engine.functional": "engine.nn.functional", "engine.im2col": "engine.nn.im2col",
    "engine.pooling": "engine.nn.pooling", "engine.layers": "engine.nn.layers",
    "engine.model": "engine.nn.model", "engine.model_io": "engine.nn.model_load",
    "engine.presets": "engine.nn.presets", "engine.mnist": "engine.data.mnist",
    "engine.preprocess": "engine.data.preprocess", "engine.augment": "engine.data.augment",
    "engine.optim": "engine.training.optim", "engine.schedules": "engine.training.schedules",
    "engine.parallel": "engine.training.parallel", "engine.evaluate": "engine.training.evaluate",
    "engine.train": "engine.training.trainer", "engine.runtime": "engine.system.runtime",
    "engine.atomic": "engine.system.atomic",
})


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

"""Which model the window opens with: the file asked for, else the bundled
model, else an untrained network - and, when one of them failed, a sentence
saying what happened (the window shows it in a banner)."""
from __future__ import annotations


import numpy as np

import engine
from engine import Model, ModelFileError
from engine.nn import presets
from engine.nn.metadata import mark_untrained

from .model_info import file_label
from .prediction import IncompatibleModelError, check_model

#: What can go wrong opening a model file.
LOAD_ERRORS = (ModelFileError, IncompatibleModelError, OSError, ValueError)


def load_usable_model(path) -> Model:
    """A model file (None: the bundled one) that can read drawings; raises one of
    :data:`LOAD_ERRORS` otherwise."""
    model = engine.load_model(path)
    check_model(model)
    return model


def untrained_model() -> Model:
    """The bundled architecture with random weights (used when no model file loads)."""
    model = presets.build("playground", np.random.default_rng(0))
    mark_untrained(model.metadata)
    return model


def initial_model(model_path=None) -> tuple[Model, str | None]:
    """``(model, problem)``: ``model_path``, else the bundled model, else an
    untrained one; ``problem`` says what failed on the way (None if nothing did)."""
    problems = []
    if model_path is not None:
        try:
            return load_usable_model(model_path), None
        except LOAD_ERRORS as exc:
            problems.append(f"Could not open {file_label(model_path)}: {exc}. Showing the "
                            f"bundled model instead.")
    try:
        model = load_usable_model(None)
    except LOAD_ERRORS as exc:
        problems.append(f"The bundled model could not be loaded ({exc}). This network is "
                        f"untrained, so its guesses are random: open a trained model with "
                        f"Ctrl+O.")
        model = untrained_model()
    return model, " ".join(problems) or None

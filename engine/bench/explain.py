"""Timings of :mod:`engine.explain` for one drawing on the bundled model (a
freshly initialised ``playground`` net if the bundled file is missing), BLAS
held to one thread as in the app. Medians over ``repeats`` timings, each the
mean of a few calls; the issue's targets are listed beside them."""
from __future__ import annotations

import numpy as np

from ..data.pen_render import draw
from ..data.preprocess import to_model_input
from ..nn import presets
from ..system.runtime import blas_threads
from .timing import median_time

#: Milliseconds each measurement should stay under (2 cores).
TARGETS_MS = {"gradient": 2.0, "gradient_x_input": 2.0, "gradcam": 2.0, "smoothgrad_16": 20.0,
              "occlusion": 30.0, "morph_50_steps": 100.0, "visualize_unit": 1000.0,
              "novelty": 2.0}


def drawn_seven() -> np.ndarray:
    """A "7" drawn with the default pen on a 280 px canvas, framed: ``(1, 28, 28)``."""
    stroke = np.array([[62.0, 84.0], [62.0, 196.0], [230.0, 129.0]])     # (row, col)
    return to_model_input(draw([stroke], 280, 25.0))


def _model():
    from .. import bundled_model_path, load_model
    path = bundled_model_path()
    return load_model(path) if path.is_file() else \
        presets.build("playground", np.random.default_rng(0))


def explain_ms(repeats: int = 7) -> dict:
    """``{measurement: milliseconds}`` (``novelty`` only if the model has
    statistics), plus ``"targets"`` (:data:`TARGETS_MS`)."""
    from ..explain import has_novelty, morph, novelty, saliency, visualize_unit
    model, x = _model(), drawn_seven()
    calls = {
        "gradient": (lambda: saliency(model, x, method="gradient"), 20),
        "gradient_x_input": (lambda: saliency(model, x, method="gradient_x_input"), 20),
        "gradcam": (lambda: saliency(model, x, method="gradcam"), 20),
        "smoothgrad_16": (lambda: saliency(model, x, method="smoothgrad", samples=16), 4),
        "occlusion": (lambda: saliency(model, x, method="occlusion"), 4),
        # a goal above 1 is never met: always the full 50 steps (51 passes)
        "morph_50_steps": (lambda: morph(model, x, 3, steps=50, goal=1.1), 1),
        "visualize_unit": (lambda: visualize_unit(model, -1, 3), 1),
    }
    if has_novelty(model):
        calls["novelty"] = (lambda: novelty(model, x), 20)
    out = {}
    with blas_threads(1):
        for name, (fn, inner) in calls.items():
            fn()
            out[name] = 1e3 * median_time(fn, repeats if inner > 1 else max(3, repeats // 2), inner)
    out["targets"] = {k: v for k, v in TARGETS_MS.items() if k in out}
    return out

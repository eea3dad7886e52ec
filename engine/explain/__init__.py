"""Why the network answers what it does (no Qt; NumPy only)::

    from engine.explain import saliency, morph, visualize_unit, novelty, METHODS

    heat = saliency(model, x, method="gradcam")      # (28, 28) float32
    walk = morph(model, x, target=7)                 # .image (1, 28, 28), .path (S+1, 1, 28, 28)
    wants = visualize_unit(model, "relu2", 5)        # (28, 28) float32 in [0, 1]
    odd = novelty(model, x)                          # float; > 1.0: not like the training digits

``x`` is one input ``(1, 28, 28)`` float32 in [0, 1] as
:func:`engine.data.preprocess.to_model_input` returns it (any model input
shape ``(C, H, W)`` works). Nothing here changes the model: every pass uses
the layers' side-effect-free ``pure_forward`` / ``pure_backward``, so it is
safe while the model trains in another thread (it reads the weights as they
are at that moment).

Modules: :mod:`~engine.explain.input_gradients` (gradients of class scores
and units w.r.t. the input), :mod:`~engine.explain.saliency`,
:mod:`~engine.explain.gradcam`, :mod:`~engine.explain.occlusion`,
:mod:`~engine.explain.morph`, :mod:`~engine.explain.unit_visualization`,
:mod:`~engine.explain.geometry` (receptive fields),
:mod:`~engine.explain.arithmetic` (the multiply-and-sum behind one value),
:mod:`~engine.explain.novelty` (with :mod:`~engine.explain.non_digits` and
:mod:`~engine.explain.novelty_check` to measure it).
"""
from __future__ import annotations

from .arithmetic import (Arithmetic, ConvArithmetic, DenseArithmetic, PoolArithmetic,
                         receptive_field, unit_arithmetic)
from .geometry import MapGeometry, map_geometry
from .input_gradients import InputGradient, input_gradient, unit_gradient, unit_value
from .morph import MorphResult, adversarial, morph
from .novelty import (UNFAMILIAR, NoveltyUnavailable, fit_novelty, has_novelty, novelty,
                      novelty_scores)
from .saliency import METHOD_INFO, METHODS, MethodInfo, saliency
from .unit_visualization import visualize_unit

__all__ = ["METHODS", "METHOD_INFO", "MethodInfo", "saliency", "morph", "adversarial",
           "MorphResult", "visualize_unit", "novelty", "novelty_scores", "fit_novelty",
           "has_novelty", "NoveltyUnavailable", "UNFAMILIAR", "input_gradient", "unit_gradient",
           "unit_value", "InputGradient", "map_geometry", "MapGeometry", "unit_arithmetic",
           "receptive_field", "Arithmetic", "ConvArithmetic", "PoolArithmetic", "DenseArithmetic"]

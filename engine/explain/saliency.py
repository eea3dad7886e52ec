"""Saliency maps: which pixels of one input the answer depends on.

``saliency(model, x, target=None, method="gradient", **options)`` returns an
``(H, W)`` float32 map (``(28, 28)`` for MNIST inputs) for one input
``x: (C, H, W)`` as :func:`engine.data.preprocess.to_model_input` returns it;
``target=None`` explains the predicted class. Channels, if there are
several, are summed. :data:`METHODS` lists the methods, :data:`METHOD_INFO`
says what each one's values mean (signed or not) for drawing them:

* ``"gradient"`` - d score / d pixel (signed: more ink here raises the score
  where positive, lowers it where negative);
* ``"gradient_x_input"`` - the gradient times the pixel: each pixel's share
  of a first-order account of the score (signed, zero where there is no ink);
* ``"smoothgrad"`` - the gradient averaged over ``samples`` (16) copies with
  Gaussian noise of ``noise`` (0.2) times the input's value range added,
  seeded (``seed``, default 0, or an ``rng``), in one batched pass (signed);
* ``"gradcam"`` - Grad-CAM on the last convolution's maps, on the input
  grid (>= 0), see :mod:`engine.explain.gradcam`;
* ``"occlusion"`` - the drop of the target's score (logit) when a patch
  around the pixel is erased, see :mod:`engine.explain.occlusion` (signed).

The gradient methods take ``score="logit"`` (default), ``"log_prob"`` or
``"prob"``; the model is never changed (see
:mod:`engine.explain.input_gradients`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.model import Model
from .gradcam import gradcam
from .input_gradients import as_batch, input_gradient, pure_logits, targets_for
from .occlusion import occlusion

METHODS = ("gradient", "gradient_x_input", "smoothgrad", "gradcam", "occlusion")


@dataclass(frozen=True)
class MethodInfo:
    """How to read a saliency method's map.

    :ivar label: a short name for a menu
    :ivar signed: True if the map has both signs (draw with a diverging colour
        map centred on 0); False if it is >= 0
    :ivar summary: one sentence on what a bright pixel means
    """
    label: str
    signed: bool
    summary: str


METHOD_INFO = {
    "gradient": MethodInfo("Gradient", True, "How fast the class score changes when this pixel "
                           "gets more ink (red raises it, blue lowers it)."),
    "gradient_x_input": MethodInfo("Gradient × input", True, "Each inked pixel's share of the "
                                   "class score, to a first approximation."),
    "smoothgrad": MethodInfo("SmoothGrad", True, "The gradient averaged over noisy copies of "
                             "the drawing: less speckle, the same meaning."),
    "gradcam": MethodInfo("Grad-CAM", False, "Where the last feature maps found the evidence "
                          "the class score rests on."),
    "occlusion": MethodInfo("Occlusion", True, "How much the class score drops when a small "
                            "patch around the pixel is erased."),
}


def smoothgrad(model: Model, x: np.ndarray, target: int | None = None, *, samples: int = 16,
               noise: float = 0.2, seed: int = 0, rng: np.random.Generator | None = None,
               score: str = "logit") -> np.ndarray:
    """Mean input gradient over ``samples`` noisy copies of one input
    ``x: (C, H, W)`` -> ``(C, H, W)``; noise standard deviation ``noise`` times
    ``max(x) - min(x)`` (1 for an empty input); ``rng`` (else ``default_rng(seed)``).
    The target is the class predicted for ``x`` itself when None."""
    x1 = as_batch(model, x)[:1]
    rng = rng if rng is not None else np.random.default_rng(seed)
    if target is None:
        target = int(targets_for(pure_logits(model, x1), None)[0])
    spread = float(x1.max() - x1.min()) or 1.0
    noisy = x1 + (noise * spread * rng.standard_normal((max(1, samples),) + x1.shape[1:])
                  ).astype(x1.dtype)
    return input_gradient(model, noisy, target, score).grad.mean(axis=0)


def saliency(model: Model, x: np.ndarray, target: int | None = None, method: str = "gradient",
             **options) -> np.ndarray:
    """Saliency map of class ``target`` (None: predicted) for one input
    ``x: (C, H, W)`` -> ``(H, W)`` float32; see the module docstring for the
    methods and their ``options``."""
    if method not in METHODS:
        raise ValueError(f"unknown saliency method {method!r}; choose from {METHODS}")
    if method == "gradcam":
        return gradcam(model, x, target, **options)
    if method == "occlusion":
        return occlusion(model, x, target, **options)
    if method == "smoothgrad":
        grad = smoothgrad(model, x, target, **options)
    else:
        x1 = as_batch(model, x)[:1]
        grad = input_gradient(model, x1, target, **options).grad[0]
        if method == "gradient_x_input":
            grad = grad * x1[0]
    return grad.sum(axis=0).astype(np.float32)

"""Grad-CAM: which places of the last feature maps the answer rests on.

For the maps ``A: (C, h, w)`` of a layer (by default the last convolution's,
after the ReLU that follows it) and a class score ``y``, each channel gets
the weight ``alpha_c = mean_ij dy/dA_cij`` and the map is
``ReLU(sum_c alpha_c A_c)`` (Selvaraju et al. 2017). It is drawn on the
input by placing each map value at the centre of its receptive field and
interpolating (:mod:`engine.explain.geometry`), so a map that is smaller
than the input because of valid convolutions still lands where it belongs.
"""
from __future__ import annotations

import numpy as np

from ..nn.model import Model
from .geometry import map_geometry, to_input_grid
from .input_gradients import ForwardTrace, class_objective, layer_index, targets_for


def default_cam_layer(model: Model) -> int:
    """Index of the last convolution's output, taken after the element-wise
    layers (ReLU, dropout) that directly follow it; ``ValueError`` if the
    model has no convolution."""
    shapes = [shape for _, shape in model.layer_shapes()]
    convs = [i for i, layer in enumerate(model.layers) if layer.has_kernels]
    if not convs:
        raise ValueError("Grad-CAM needs a convolution; this model has none")
    i = convs[-1]
    while (i + 1 < len(model.layers) and model.layers[i + 1].spatial_window() is None
           and shapes[i + 1] == shapes[i] and model.layers[i + 1].keeps_channels):
        i += 1
    return i


def gradcam_maps(model: Model, x: np.ndarray, target: int | None = None,
                 layer: str | int | None = None, score: str = "logit"
                 ) -> tuple[np.ndarray, int, int]:
    """``(cam (h, w) float32 >= 0 at the layer's resolution, layer index,
    target class)`` for one input ``x: (C, H, W)``."""
    i = default_cam_layer(model) if layer is None else layer_index(model, layer)
    trace = ForwardTrace(model, x)
    maps = trace.outputs[i]
    if maps.ndim != 4:
        raise ValueError(f"Grad-CAM needs a layer with maps; {model.layers[i].name!r} "
                         f"outputs vectors {maps.shape[1:]}")
    t = targets_for(trace.logits, target)
    _, dlogits = class_objective(trace.logits, t, score)
    dmaps = trace.backward(len(model.layers) - 1, dlogits, stop=i)     # (1, C, h, w)
    alpha = dmaps[0].mean(axis=(1, 2))                                  # (C,)
    cam = np.tensordot(alpha, maps[0], axes=1)                          # (h, w)
    return np.maximum(cam, 0).astype(np.float32), i, int(t[0])


def gradcam(model: Model, x: np.ndarray, target: int | None = None, *,
            layer: str | int | None = None, score: str = "logit") -> np.ndarray:
    """Grad-CAM of class ``target`` (None: the predicted class) for one input
    ``x: (C, H, W)``, on the input grid: ``(H, W)`` float32 >= 0, in units of
    the score (``"logit"``, ``"log_prob"`` or ``"prob"``) per unit of activation."""
    cam, i, _ = gradcam_maps(model, x, target, layer, score)
    grid = to_input_grid(cam, map_geometry(model, i), model.input_shape[1:])
    return np.maximum(grid, 0)

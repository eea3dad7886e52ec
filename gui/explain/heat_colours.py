"""Saliency maps as translucent colour for display over a picture (the canvas
and the network input): ``heat (H, W) -> RGBA (H, W, 4)`` uint8.

* signed maps (gradient, occlusion, ...): red where the value is positive,
  blue where it is negative;
* non-negative maps (Grad-CAM): a warm orange turning yellow where strongest.

The opacity is proportional to ``|value| / max|value|`` (0 is fully
transparent, the strongest pixel :data:`MAX_ALPHA`), so the picture under the
colour stays visible. The colours are light enough to show on the black
canvas and saturated enough to show on white ink and on the grey input, in
both themes (the canvas is black in both).
"""
from __future__ import annotations

import numpy as np

MAX_ALPHA = 225
"""Opacity (0-255) of the strongest pixel."""

POSITIVE = (255, 48, 48)
"""Signed maps, positive values: red."""
NEGATIVE = (40, 130, 255)
"""Signed maps, negative values: a light blue (dark blue vanishes on black)."""
WARM_LOW = (255, 80, 0)
WARM_HIGH = (255, 214, 40)
"""Non-negative maps: orange for weak evidence, yellow for the strongest."""


def heat_strength(heat: np.ndarray) -> np.ndarray:
    """``|heat| / max|heat|`` as float32 in [0, 1], same shape; non-finite
    values count as 0, and an all-zero map gives all zeros."""
    values = np.nan_to_num(np.asarray(heat, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    magnitude = np.abs(values)
    peak = float(magnitude.max()) if magnitude.size else 0.0
    if peak <= 0.0:
        return np.zeros(values.shape, np.float32)
    return magnitude / np.float32(peak)


def heat_to_rgba(heat: np.ndarray, signed: bool) -> np.ndarray:
    """``heat (H, W)`` -> ``(H, W, 4)`` uint8 RGBA (not premultiplied).

    :param signed: True: red for positive, blue for negative values; False:
        the warm ramp (negative values, if any, are drawn by magnitude)
    """
    values = np.nan_to_num(np.asarray(heat, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    strength = heat_strength(values)                      # (H, W) in [0, 1]
    rgba = np.zeros(values.shape + (4,), np.uint8)
    if signed:
        rgb = np.where((values >= 0)[..., None], np.array(POSITIVE, np.float32),
                       np.array(NEGATIVE, np.float32))
    else:
        low, high = np.array(WARM_LOW, np.float32), np.array(WARM_HIGH, np.float32)
        rgb = low + strength[..., None] * (high - low)
    rgba[..., :3] = np.rint(rgb).astype(np.uint8)
    rgba[..., 3] = np.rint(strength * MAX_ALPHA).astype(np.uint8)
    return rgba


__all__ = ["heat_to_rgba", "heat_strength", "MAX_ALPHA", "POSITIVE", "NEGATIVE", "WARM_LOW",
           "WARM_HIGH"]

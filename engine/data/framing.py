"""How a drawing becomes the network's 28x28 input: two framings a learner
can compare.

* ``"mnist"`` (the default): crop to the ink, scale the longer side to 20
  pixels and centre by mass in 28x28, as MNIST's digits were made
  (:func:`engine.data.preprocess.frame_like_mnist`);
* ``"plain"``: the whole square plainly shrunk to 28x28 (area averaging, no
  crop, no centring, no peak normalisation), so a small or off-centre digit
  stays small or off-centre.

Both return the input with its :class:`~engine.data.frame_map.FrameMap`, or
None when nothing (enough) is drawn (the same rule for both).
"""
from __future__ import annotations

import numpy as np

from .frame_map import FrameMap
from .preprocess import MNIST_SIZE, area_weights, frame_like_mnist

FRAMINGS = ("mnist", "plain")
"""The framings :func:`frame_drawing` knows, the default first."""

FRAMING_LABELS = {"mnist": "MNIST-style centring", "plain": "plain resize"}


def plain_resize(image: np.ndarray) -> tuple[np.ndarray, FrameMap]:
    """``image (H, W)`` (uint8 0..255 or float 0..1, white ink on black) area-
    averaged into ``(1, 28, 28)`` float32 in [0, 1], aspect kept and centred;
    with its frame map."""
    image = np.asarray(image)
    h, w = image.shape
    if np.issubdtype(image.dtype, np.integer):
        unit = image.astype(np.float32) * np.float32(1.0 / 255.0)
    else:
        unit = np.clip(np.nan_to_num(image.astype(np.float32), nan=0.0), 0.0, 1.0)
    s = MNIST_SIZE / max(h, w)
    dy, dx = (MNIST_SIZE - h * s) / 2.0, (MNIST_SIZE - w * s) / 2.0
    wy = area_weights(MNIST_SIZE, h, s, dy)   # (28, H)
    wx = area_weights(MNIST_SIZE, w, s, dx)   # (28, W)
    out = np.clip(wy @ unit @ wx.T, 0.0, 1.0).astype(np.float32)[None]
    return out, FrameMap.placement(s, dy, dx, 0.0, 0.0)


def frame_drawing(image: np.ndarray, framing: str = "mnist") -> tuple[np.ndarray, FrameMap] | None:
    """The network input ``(1, 28, 28)`` float32 for a drawing ``(H, W)`` and
    its :class:`FrameMap`, framed as ``framing`` (one of :data:`FRAMINGS`);
    None when nothing (enough) is drawn."""
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; expected one of {FRAMINGS}")
    framed = frame_like_mnist(image)
    if framed is None or framing == "mnist":
        return framed
    return plain_resize(image)


__all__ = ["FRAMINGS", "FRAMING_LABELS", "FrameMap", "frame_drawing", "plain_resize"]

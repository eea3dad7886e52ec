"""What a unit "wants": the input that drives one channel, dense unit or
class score as high as it goes (activation maximisation, as in DeepVis,
Yosinski et al. 2015).

Gradient ascent in input space from a faint, seeded noise image, with the
usual regularisers that keep the result a picture rather than noise:

* jitter - each step looks at the image shifted by up to ``jitter`` pixels
  (seeded), so the pattern cannot rely on exact pixel positions;
* blur - every ``blur_every`` steps the image is blurred by ``blur_sigma`` px;
  jitter and blur are scaled by the share of the input the unit sees
  (:func:`field_fraction`: a first-layer 5x5 kernel gets neither);
* a norm penalty - each step also shrinks the image by ``decay`` (an L2
  penalty on the pixel values), so pixels that do not help fade to black;
* the pixels stay in [0, 1] (clipped), like a drawing's.

The unit (``index``): for a layer with maps an int is a channel (by default
its unit at the centre of the map, or its mean over the map), ``(c, i, j)``
one position; for a vector layer an int is one unit (a class score for the
last layer). A unit of a ReLU, dropout or max-pool is optimised through the
layer whose values it passes on (:func:`rectified_chain`), so a unit that
starts switched off still gets a gradient.

Cost: one forward and backward pass per step, up to the unit's layer
(128 steps: 0.05-0.2 s for the bundled model).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..nn.layers import MaxPool2D
from ..nn.model import Model
from .filters import blur, shift
from .geometry import map_geometry
from .input_gradients import ForwardTrace, as_batch, layer_index, unit_objective


def start_image(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """The seeded start of :func:`visualize_unit`: ``shape`` (``(C, H, W)``)
    float32 uniform noise in [0, 0.1) (a faint grey haze)."""
    return (0.1 * np.random.default_rng(seed).random(shape)).astype(np.float32)


def rectified_chain(model: Model, layer: int) -> tuple[int, list[int]]:
    """``(producer, chain)`` for optimising layer ``layer``'s units without
    dead gradients: walking back over ReLUs, dropouts and max-pools (layers
    that keep channels) to the layer that made the values, ``chain`` lists the
    max-pools between them in order. ReLU and max-pooling commute (ReLU is
    monotone, pooling pads with zeros), so ``pool(relu(v))`` and
    ``relu(pool(v))`` agree; optimising ``pool(v)`` instead gives the same
    unit where it is positive and a gradient where it is not."""
    i = layer
    chain: list[int] = []
    while i > 0 and model.layers[i].keeps_channels:
        if model.layers[i].spatial_window() is not None:
            if not isinstance(model.layers[i], MaxPool2D):
                break
            chain.insert(0, i)
        i -= 1
    return i, chain


def field_fraction(model: Model, layer: int) -> float:
    """How much of the input one unit of layer ``layer`` sees: its receptive
    field's longer side over the input's (1 after a flatten). Jitter and blur
    are scaled by it: shifting a 5-pixel kernel's picture by 2 pixels would
    blur it away."""
    if len(model.layer_shapes()[layer][1]) != 3:
        return 1.0
    size = map_geometry(model, layer).size
    return min(1.0, max(size[0] / model.input_shape[1], size[1] / model.input_shape[2]))


def centre_unit(model: Model, layer: int, index: int | tuple[int, int, int]
                ) -> int | tuple[int, int, int]:
    """``(index, H // 2, W // 2)`` for a channel ``index`` of a layer with maps; else ``index``."""
    shape = model.layer_shapes()[layer][1]
    if isinstance(index, (tuple, list)) or len(shape) != 3:
        return index
    return int(index), shape[1] // 2, shape[2] // 2


def _ascent_gradient(model: Model, z: np.ndarray, producer: int, chain: list[int],
                     index) -> np.ndarray:
    """Gradient w.r.t. ``z`` of unit ``index`` of ``chain`` applied to layer
    ``producer``'s output (see :func:`rectified_chain`)."""
    trace = ForwardTrace(model, z, upto=producer)
    h, memos = trace.outputs[producer], []
    for i in chain:
        h, memo = model.layers[i].pure_forward(h)
        memos.append(memo)
    _, g = unit_objective(h, index)
    for i, memo in zip(reversed(chain), reversed(memos)):
        g = model.layers[i].pure_backward(g, memo)
    return trace.backward(producer, g)


def visualize_unit(model: Model, layer: str | int, index: int | tuple[int, int, int], *,
                   steps: int = 128, seed: int = 0, lr: float = 0.05, jitter: int = 2,
                   blur_sigma: float = 0.5, blur_every: int = 4, decay: float = 0.01,
                   channel: str = "centre", start: np.ndarray | None = None,
                   progress: Callable[[int, int], object] | None = None) -> np.ndarray:
    """The input that maximises unit ``index`` of layer ``layer`` (a name or
    index), found by ``steps`` steps of regularised gradient ascent (see the
    module docstring).

    :param channel: for an int ``index`` of a layer with maps: ``"centre"``
        (default) optimises the channel's unit at the centre of the map (a
        picture of the pattern its kernel looks for, within that unit's
        receptive field, :func:`engine.explain.geometry.map_geometry`);
        ``"mean"`` the channel's mean over the whole map (the pattern tiled
        everywhere)
    :param lr: length of each step: the gradient is scaled so that its largest
        pixel moves by ``lr`` (pixel-intensity units)
    :param seed: seeds the start image (:func:`start_image`) and the jitter
    :param start: start from this ``(C, H, W)`` image instead
    :param progress: called as ``progress(step, steps)`` after each step; if it
        returns False the ascent stops there (e.g. the user cancelled)
    :return: ``(H, W)`` float32 in [0, 1] for a one-channel input (MNIST:
        ``(28, 28)``), else ``(C, H, W)``
    """
    if channel not in ("centre", "mean"):
        raise ValueError(f"channel must be 'centre' or 'mean', got {channel!r}")
    i = layer_index(model, layer)
    if channel == "centre":
        index = centre_unit(model, i, index)
    unit_objective(np.zeros((1,) + model.layer_shapes()[i][1]), index)   # checks the index
    producer, chain = rectified_chain(model, i)
    reach = field_fraction(model, i)
    jitter = int(round(jitter * reach))
    blur_sigma = blur_sigma * reach
    rng = np.random.default_rng(seed)
    z = as_batch(model, start_image(model.input_shape, seed) if start is None else start)[:1]
    z = z.copy()
    for step in range(steps):
        dy, dx = (int(v) for v in rng.integers(-jitter, jitter + 1, 2)) if jitter else (0, 0)
        g = shift(_ascent_gradient(model, shift(z, dy, dx), producer, chain, index), -dy, -dx)
        peak = float(np.abs(g).max())
        if np.isfinite(peak) and peak > 0:
            z += g * (lr / peak)
        z *= 1.0 - decay
        if blur_every and (step + 1) % blur_every == 0:
            z = blur(z, blur_sigma)
        np.clip(z, 0.0, 1.0, out=z)
        if progress is not None and progress(step + 1, steps) is False:
            break
    return z[0, 0].copy() if z.shape[1] == 1 else z[0].copy()

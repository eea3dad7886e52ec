"""Where a layer's map positions sit on the input: receptive fields and
upsampling a map back onto the input grid.

Walking the layers from the input, a layer that slides a window (kernel
``k``, zero padding ``p``, stride ``s``, :meth:`Layer.spatial_window`) maps
its output index ``i`` onto the window ``s*i - p .. s*i - p + k - 1`` of its
input. Composed, map index ``i`` of any layer has its receptive field centred
at input pixel ``scale * i + offset`` (fractional pixel indices: pixel ``u``
has its centre at ``u``) and ``size`` input pixels wide; element-wise layers
(ReLU, dropout) change nothing, and there are no maps after a flatten.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.model import Model
from .input_gradients import layer_index


@dataclass(frozen=True)
class MapGeometry:
    """Receptive fields of a layer's map positions, per axis (rows, columns).

    :ivar scale: input pixels between neighbouring map positions (the total stride)
    :ivar offset: input pixel (centre, fractional) of map position 0
    :ivar size: input pixels spanned by one position's receptive field
    """
    scale: tuple[float, float]
    offset: tuple[float, float]
    size: tuple[int, int]

    def field(self, i: int, j: int) -> tuple[int, int, int, int]:
        """``(row0, col0, row1, col1)`` of map position ``(i, j)``'s receptive
        field on the input, end exclusive, unclipped (it may reach into the padding)."""
        r0 = int(round(self.scale[0] * i + self.offset[0] - (self.size[0] - 1) / 2))
        c0 = int(round(self.scale[1] * j + self.offset[1] - (self.size[1] - 1) / 2))
        return r0, c0, r0 + self.size[0], c0 + self.size[1]


def map_geometry(model: Model, layer: str | int) -> MapGeometry:
    """The :class:`MapGeometry` of layer ``layer``'s output (a ``(C, H, W)`` map);
    ``ValueError`` for a layer whose output is a vector."""
    last = layer_index(model, layer)
    scale, offset, size = [1.0, 1.0], [0.0, 0.0], [1, 1]
    shape = model.input_shape
    for lay in model.layers[:last + 1]:
        shape = lay.output_shape(shape)
        if len(shape) != 3:
            raise ValueError(f"layer {model.layers[last].name!r} has no maps (after "
                             f"{lay.name!r} the values are a vector)")
        window = lay.spatial_window()
        if window is None:
            continue
        for a in range(2):
            k, p, s = window[0][a], window[1][a], window[2][a]
            offset[a] += scale[a] * (-p + (k - 1) / 2.0)
            size[a] += int(round(scale[a] * (k - 1)))
            scale[a] *= s
    return MapGeometry((scale[0], scale[1]), (offset[0], offset[1]), (size[0], size[1]))


def to_input_grid(maps: np.ndarray, geometry: MapGeometry, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear interpolation of ``maps: (..., h, w)`` (values at the map
    positions' receptive-field centres) at every input pixel centre of an
    input ``shape = (H, W)`` -> ``(..., H, W)`` float32; beyond the outermost
    centres the edge values continue."""
    h, w = maps.shape[-2:]
    rows = _weights(shape[0], h, geometry.scale[0], geometry.offset[0])   # (H, h)
    cols = _weights(shape[1], w, geometry.scale[1], geometry.offset[1])   # (W, w)
    return (rows @ np.asarray(maps, dtype=np.float32) @ cols.T).astype(np.float32, copy=False)


def _weights(n_out: int, n_in: int, scale: float, offset: float) -> np.ndarray:
    """``(n_out, n_in)`` linear-interpolation weights at map coordinates
    ``(u - offset) / scale`` of input pixels ``u``, clamped to ``[0, n_in - 1]``."""
    t = np.clip((np.arange(n_out) - offset) / scale, 0.0, n_in - 1.0)
    i0 = np.minimum(np.floor(t).astype(int), max(n_in - 2, 0))
    frac = t - i0
    out = np.zeros((n_out, n_in), np.float32)
    rows = np.arange(n_out)
    out[rows, i0] += (1.0 - frac).astype(np.float32)
    if n_in > 1:
        out[rows, i0 + 1] += frac.astype(np.float32)
    else:
        out[rows, i0] += frac.astype(np.float32)
    return out

"""The arithmetic behind one value of one layer, for one input (as in CNN
Explainer's detail view): what was multiplied, added and compared to make it.

``unit_arithmetic(model, x, layer, unit)`` walks back from layer ``layer``
over element-wise layers (ReLU, dropout: they keep every position) to the
layer that computed the value and returns one of:

* :class:`ConvArithmetic` - a convolution map position ``(c, i, j)``: the
  input patch the kernel sees (zeros where it hangs over the padding), the
  kernel, their products, the sum, the bias and the value before and after
  a ReLU;
* :class:`PoolArithmetic` - a max-pooling position: the window's values and
  its winning tap;
* :class:`DenseArithmetic` - a dense unit: its inputs' contributions
  (input x weight), the largest first, the bias and the total.

Anything else (a flatten, a layer with nothing before it) gives None.
:func:`receptive_field` gives the input pixels a map position depends on
(:func:`engine.explain.geometry.map_geometry`, clipped to the input).

The values come from a side-effect-free forward pass (or from ``outputs``,
the layers' outputs the caller already has, e.g. the app's last prediction):
nothing here changes the model. Sums are taken in float64; they agree with
the model's float32 forward pass to float32 rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU
from ..nn.model import Model
from .geometry import map_geometry
from .input_gradients import ForwardTrace, layer_index

Rect = tuple[int, int, int, int]


@dataclass(frozen=True)
class ConvArithmetic:
    """Map position ``(channel, row, col)`` of ``layer``, made by convolution ``conv``.

    :ivar patch: ``(C_in, k1, k2)`` float32 input values under the kernel
        (zeros where the window covers the padding)
    :ivar kernel: ``(C_in, k1, k2)`` float32 weights ``K[:, channel]``
    :ivar products: ``patch * kernel``, ``(C_in, k1, k2)`` float32
    :ivar total: the sum of ``products`` (float64)
    :ivar bias: the kernel's bias; ``pre = total + bias`` is the convolution's output
    :ivar relu: True if a ReLU lies between ``conv`` and ``layer``
    :ivar value: the value of ``layer`` there: ``max(pre, 0)`` with a ReLU, else ``pre``
    :ivar origin: ``(row, col)`` of the patch's top-left tap in the
        convolution's input map (negative inside the padding)
    :ivar source: the layer whose output the patch is from (``"input"`` for the image)
    """
    layer: str
    conv: str
    unit: tuple[int, int, int]
    patch: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    pre: float
    relu: bool
    value: float
    origin: tuple[int, int]
    source: str


@dataclass(frozen=True)
class PoolArithmetic:
    """Map position ``(channel, row, col)`` of ``layer``, the maximum of a window
    of max-pooling layer ``pool``.

    :ivar window: ``(k1, k2)`` float32 values of the window in the pool's input
        map ``channel`` (zeros where it covers the padding)
    :ivar origin: ``(row, col)`` of the window's top-left tap in that map
    :ivar winner: ``(row, col)`` of the winning tap in that map (the first
        maximum, row-major, as the forward pass takes it)
    :ivar relu: True if a ReLU lies between ``pool`` and ``layer``
    :ivar value: the value of ``layer`` there (the window's maximum, after a ReLU)
    :ivar source: the layer whose output was pooled
    """
    layer: str
    pool: str
    unit: tuple[int, int, int]
    window: np.ndarray
    origin: tuple[int, int]
    winner: tuple[int, int]
    relu: bool
    value: float
    source: str

    @property
    def winner_tap(self) -> tuple[int, int]:
        """``(row, col)`` of the winner inside the window."""
        return self.winner[0] - self.origin[0], self.winner[1] - self.origin[1]


@dataclass(frozen=True)
class DenseArithmetic:
    """Unit ``unit`` of ``layer``, a weighted sum made by dense layer ``dense``.

    :ivar indices: ``(k,)`` int64 input indices of the largest contributions,
        sorted by ``|product|`` (largest first)
    :ivar inputs, weights, products: ``(k,)`` float32 input values, weights
        ``W[indices, unit]`` and their products
    :ivar all_products: ``(inputs_count,)`` float32 every input's product
        (in input order)
    :ivar rest: the sum of the other ``inputs_count - k`` products (float64)
    :ivar total: the sum of all products (float64); ``pre = total + bias``
    :ivar relu: True if a ReLU lies between ``dense`` and ``layer``
    :ivar value: the value of ``layer`` (``max(pre, 0)`` with a ReLU)
    :ivar source: the layer whose output is the dense layer's input
    :ivar source_shape: that layer's one-sample output shape (a flatten's
        input: index ``n`` is ``np.unravel_index(n, source_shape)`` of it)
    """
    layer: str
    dense: str
    unit: int
    indices: np.ndarray
    inputs: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    all_products: np.ndarray
    rest: float
    inputs_count: int
    total: float
    bias: float
    pre: float
    relu: bool
    value: float
    source: str
    source_shape: tuple[int, ...]


Arithmetic = ConvArithmetic | PoolArithmetic | DenseArithmetic


def producer_of(model: Model, layer: str | int) -> tuple[int, bool]:
    """``(index of the layer that computed layer's values, True if a ReLU lies
    between)``: walking back from ``layer`` over ReLUs and dropouts."""
    i = layer_index(model, layer)
    relu = False
    while i > 0 and isinstance(model.layers[i], (ReLU, Dropout)):
        relu |= isinstance(model.layers[i], ReLU)
        i -= 1
    return i, relu


def receptive_field(model: Model, layer: str | int, row: int, col: int) -> Rect:
    """``(top, left, bottom, right)`` input pixels (end exclusive, clipped to
    the input) that map position ``(row, col)`` of ``layer`` depends on."""
    top, left, bottom, right = map_geometry(model, layer).field(row, col)
    _, h, w = model.input_shape
    return max(top, 0), max(left, 0), min(bottom, h), min(right, w)


def window_at(maps: np.ndarray, top: int, left: int, k1: int, k2: int) -> np.ndarray:
    """``maps[:, top:top+k1, left:left+k2]`` of ``maps: (C, H, W)``, zeros where
    the window reaches outside (the zero padding) -> ``(C, k1, k2)``."""
    c, h, w = maps.shape
    out = np.zeros((c, k1, k2), dtype=maps.dtype)
    r0, r1 = max(top, 0), min(top + k1, h)
    c0, c1 = max(left, 0), min(left + k2, w)
    if r0 < r1 and c0 < c1:
        out[:, r0 - top:r1 - top, c0 - left:c1 - left] = maps[:, r0:r1, c0:c1]
    return out


def _layer_input(model: Model, x: np.ndarray | None, index: int,
                 outputs: Mapping[str, np.ndarray] | None) -> tuple[np.ndarray, str]:
    """``(one sample's input of layer index, name of where it came from)``."""
    source = "input" if index == 0 else model.layers[index - 1].name
    if index > 0 and outputs is not None and source in outputs:
        return np.asarray(outputs[source]), source
    if index == 0 and x is not None:
        return np.asarray(x).reshape(model.input_shape), source
    if x is None:
        raise ValueError("need the input x (or the outputs of the layer before)")
    if index == 0:
        return ForwardTrace(model, x, upto=0).x[0], source
    return ForwardTrace(model, x, upto=index - 1).outputs[index - 1][0], source


def unit_arithmetic(model: Model, x: np.ndarray | None, layer: str | int,
                    unit: int | tuple[int, int, int], *, top: int = 8,
                    outputs: Mapping[str, np.ndarray] | None = None) -> Arithmetic | None:
    """The arithmetic behind value ``unit`` of layer ``layer`` for input ``x``.

    :param x: one input ``(C, H, W)`` (MNIST ``(1, 28, 28)``), or None when
        ``outputs`` has the producing layer's input
    :param unit: ``(channel, row, col)`` for a layer with maps, an int for a vector
    :param top: how many contributions a :class:`DenseArithmetic` lists
    :param outputs: ``{layer name: one sample's output}`` already computed for
        ``x`` (skips the forward pass)
    :return: a :class:`ConvArithmetic`, :class:`PoolArithmetic` or
        :class:`DenseArithmetic`; None for other layers (flatten)
    """
    name = model.layers[layer_index(model, layer)].name
    p, relu = producer_of(model, layer)
    lay = model.layers[p]
    if isinstance(lay, (Conv2D, MaxPool2D)):
        c, i, j = (int(v) for v in unit)
        (k1, k2), (p1, p2), (s1, s2) = lay.spatial_window()
        top_row, left_col = s1 * i - p1, s2 * j - p2
        inp, source = _layer_input(model, x, p, outputs)
        if isinstance(lay, Conv2D):
            patch = window_at(inp, top_row, left_col, k1, k2).astype(np.float32)
            kernel, bias = lay.kernel_of(c)
            products = patch * kernel
            total = float(products.sum(dtype=np.float64))
            pre = total + bias
            return ConvArithmetic(name, lay.name, (c, i, j), patch, kernel, products, total,
                                  bias, pre, relu, max(pre, 0.0) if relu else pre,
                                  (top_row, left_col), source)
        window = window_at(inp[c:c + 1], top_row, left_col, k1, k2)[0].astype(np.float32)
        r, q = divmod(int(np.argmax(window)), k2)
        best = float(window[r, q])
        return PoolArithmetic(name, lay.name, (c, i, j), window, (top_row, left_col),
                              (top_row + r, left_col + q), relu,
                              max(best, 0.0) if relu else best, source)
    if isinstance(lay, Dense):
        return _dense(model, x, name, p, relu, int(unit), top, outputs)
    return None


def _dense(model: Model, x, name: str, p: int, relu: bool, unit: int, top: int,
           outputs) -> DenseArithmetic:
    lay = model.layers[p]
    inp, source = _layer_input(model, x, p, outputs)
    inp = np.asarray(inp, dtype=np.float32).reshape(-1)
    w = np.asarray(lay.params["W"][:, unit], dtype=np.float32)
    products = inp * w
    order = np.argsort(-np.abs(products), kind="stable")
    k = min(int(top), len(order))
    chosen = order[:k]
    total = float(products.sum(dtype=np.float64))
    rest = total - float(products[chosen].sum(dtype=np.float64))
    bias = float(lay.params["b"][unit])
    pre = total + bias
    shape = _source_shape(model, p)
    return DenseArithmetic(name, lay.name, unit, chosen.astype(np.int64), inp[chosen],
                           w[chosen], products[chosen], products, rest, len(inp), total, bias, pre, relu,
                           max(pre, 0.0) if relu else pre, *shape)


def _source_shape(model: Model, p: int) -> tuple[str, tuple[int, ...]]:
    """Where dense layer ``p``'s inputs come from: the layer before it, or
    before a flatten right before it (with that layer's output shape)."""
    shapes = [model.input_shape] + [shape for _, shape in model.layer_shapes()]
    names = ["input"] + [lay.name for lay in model.layers]
    i = p                                   # index into names/shapes of p's input
    if i > 0 and len(shapes[i]) == 1 and isinstance(model.layers[i - 1], Flatten):
        i -= 1
    return names[i], tuple(shapes[i])


__all__ = ["ConvArithmetic", "PoolArithmetic", "DenseArithmetic", "Arithmetic",
           "unit_arithmetic", "receptive_field", "producer_of", "window_at"]

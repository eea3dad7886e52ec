"""The arithmetic of one position of one layer in one SGD step
(:func:`engine.one_step`), forward and BACKWARD, with the step's own numbers::

    walk = StepArithmetic(model, x, trace)      # uses the weights as before the step
    for phase in walk.phases:                   # forward ..., the loss, backward ...
        record = walk.arithmetic(phase, walk.default_position(phase))

A phase's *target* (:meth:`StepArithmetic.target`) is the array its formula computes
one value of: a forward layer's output, the loss phase's scores (gradient ``p - one-hot``),
a backward layer's *input* gradient (``"input"``: the image's). Forward records come from
:func:`engine.explain.arithmetic.unit_arithmetic`. Kernels: ``K[c, d, u, v]`` (C_in, D_out,
k1, k2). Sums (float64) equal the trace's gradients to float32 rounding; the model is not changed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..explain.arithmetic import PoolArithmetic, unit_arithmetic
from ..nn import functional as F
from ..nn.layers import Conv2D, Dense, Dropout, Flatten, LeakyReLU, MaxPool2D, ReLU, Sigmoid, Tanh
from ..nn.model import Model
from .one_step import StepTrace

Position = tuple[int, ...]


@dataclass(frozen=True)
class Terms:
    """A sum written out, its largest terms first (by ``|term|``): ``where``
    ``(k, m)`` int64, what each listed term indexes (see the record); ``a``,
    ``b``, ``products`` ``(k,)`` float64 factors and ``a * b``; ``count`` terms
    in all, ``nonzero`` of them not 0; ``rest`` the unlisted ones' sum, ``total`` all's."""
    where: np.ndarray
    a: np.ndarray
    b: np.ndarray
    products: np.ndarray
    count: int
    nonzero: int
    rest: float
    total: float


@dataclass(frozen=True)
class Phase:
    """One stop of the walk: ``direction`` is ``"forward"``, ``"loss"`` or
    ``"backward"``; ``layer`` the layer's name (the loss: the output layer's);
    ``kind`` its type name (``"loss"``); ``description`` one plain line."""
    index: int
    layer: str
    kind: str
    direction: str
    description: str

    @property
    def title(self) -> str:
        if self.direction == "loss":
            return f"Loss: softmax and cross-entropy of {self.layer}'s scores"
        way = "Forward through" if self.direction == "forward" else "Backward through"
        return f"{way} {self.layer} ({self.kind})"


@dataclass(frozen=True)
class SoftmaxGradArithmetic:
    """The loss phase: ``(classes,)`` float64 ``logits``, ``probs`` (softmax),
    ``onehot`` and ``grads = probs - onehot``; ``loss = -log probs[label]``;
    ``unit``: the selected class."""
    layer: str
    label: int
    unit: int
    logits: np.ndarray
    probs: np.ndarray
    onehot: np.ndarray
    grads: np.ndarray
    loss: float


@dataclass(frozen=True)
class WeightGrad:
    """One weight's gradient: weight ``index`` (dense ``W[i, k]``, kernel
    ``K[c, d, u, v]``) as the sum ``terms`` of input × output gradient (dense:
    one term; kernel: ``where`` rows ``(oi, oj)``), bias ``bias``'s gradient
    ``bias_grad``, and what the step changed both by (``update``, ``bias_update``)."""
    index: tuple[int, ...]
    terms: Terms
    bias: int
    bias_grad: float
    update: float
    bias_update: float


@dataclass(frozen=True)
class DenseGradArithmetic:
    """Backward through dense ``layer`` at input ``unit`` (an index into
    ``source``'s flat output): ``input_grad`` terms ``W[unit, k] * dL/dy_k``
    (``where`` rows ``(k,)``); ``weight``: ``W[i, k]``'s gradient ``x_i * dL/dy_k``."""
    layer: str
    source: str
    unit: int
    input_grad: Terms
    weight: WeightGrad


@dataclass(frozen=True)
class ActivationArithmetic:
    """An element-wise activation at ``unit``: ``a = f(z)`` with ``z`` the
    value of ``source``; ``local = f'(z)`` (ReLU: the mask 0 or 1). Backward:
    ``grad_in = grad_out * local`` (``dL/dz = dL/da * f'(z)``); forward: both None."""
    layer: str
    kind: str
    direction: str
    unit: Position
    source: str
    z: float
    a: float
    local: float
    grad_out: float | None
    grad_in: float | None


@dataclass(frozen=True)
class PoolRoute:
    """One max-pool window: ``out`` its pooled position ``(c, oi, oj)``,
    ``window`` its values and winner, ``grad`` = dL/d that pooled value (all
    of it goes to the winner, 0 to the other taps), ``received`` what the
    selected input position gets from it."""
    out: Position
    window: PoolArithmetic
    grad: float
    received: float


@dataclass(frozen=True)
class PoolGradArithmetic:
    """Backward through max pool ``layer`` at input position ``unit`` of
    ``source``: every window that holds it; ``total`` = the sum of what it receives."""
    layer: str
    source: str
    unit: Position
    routes: tuple[PoolRoute, ...]
    total: float


@dataclass(frozen=True)
class ConvGradArithmetic:
    """Backward through convolution ``layer`` at input position ``unit =
    (c, i, j)`` of ``source``: ``input_grad`` terms ``K[c, d, u, v] * dL/dy[d, oi, oj]``
    over the ``maps`` output maps and the taps that touched it (``where`` rows
    ``(d, u, v, oi, oj)``); ``weight``: ``K[c, d, u, v]``'s gradient, terms
    ``xpad[c, s1 oi + u, s2 oj + v] * dL/dy[d, oi, oj]`` (``xpad``: the zero-padded input)."""
    layer: str
    source: str
    unit: Position
    maps: int
    input_grad: Terms
    weight: WeightGrad


@dataclass(frozen=True)
class PassArithmetic:
    """Flatten or dropout (off in the step): ``unit`` of the target is
    ``source_unit`` of ``source``, unchanged: ``value``."""
    layer: str
    kind: str
    direction: str
    unit: Position
    source: str
    source_unit: Position
    value: float


#: ``{layer type: (what the forward pass does, what the backward pass does)}``, plain words.
_WORDS = {
    "Conv2D": ("Convolution: each output is an input patch times a kernel, summed, plus a bias",
               "each input collects weight × gradient from the outputs its kernel taps touched; "
               "each weight collects input × gradient"),
    "ReLU": ("ReLU: keeps positive values, sets the rest to 0",
             "the gradient passes where the input was positive, is blocked where it was not"),
    "LeakyReLU": ("Leaky ReLU: keeps positive values, scales the rest down",
                  "the gradient passes where the input was positive, is scaled down elsewhere"),
    "Tanh": ("Tanh: squashes every value into −1 … 1",
             "the gradient times 1 − tanh², small where the unit saturated"),
    "Sigmoid": ("Sigmoid: squashes every value into 0 … 1",
                "the gradient times s·(1 − s), small where the unit saturated"),
    "MaxPool2D": ("Max pooling: each output is the largest value of its window",
                  "each window's gradient goes to the value that won the max, the others get 0"),
    "Flatten": ("Flatten: the maps laid end to end as one vector",
                "the gradient vector folded back into maps"),
    "Dense": ("Dense: each output is the sum of every input × its weight, plus a bias",
              "each input's gradient is the sum of weight × output gradient; each weight's is "
              "input × output gradient"),
    "Dropout": ("Dropout: off for this step, values pass unchanged",
                "off for this step, the gradient passes unchanged"),
}
LOSS_WORDS = ("Loss: softmax turns the scores into probabilities p, the loss is −log p(label), "
              "and its gradient is p − one-hot")


def phases(model: Model) -> list[Phase]:
    """The learner's walk through one step of ``model``: forward through each
    layer, the loss, backward through each layer (output to input)."""
    def step(layer, direction: str) -> tuple[str, str, str, str]:
        kind = type(layer).__name__
        ahead, back = _WORDS.get(kind, (f"{kind}: its arithmetic is not written out here",
                                        "not written out here"))
        noun = ahead.split(":")[0]
        if not any(ch.isupper() for ch in noun.split()[0][1:]):             # ReLU stays ReLU
            noun = noun[0].lower() + noun[1:]
        return layer.name, kind, direction, \
            ahead if direction == "forward" else f"Backward through {noun}: {back}"
    steps = [step(lay, "forward") for lay in model.layers]
    steps.append((model.layers[-1].name, "loss", "loss", LOSS_WORDS))
    steps += [step(lay, "backward") for lay in reversed(model.layers)]
    return [Phase(i, *s) for i, s in enumerate(steps)]


def _terms(where: np.ndarray, a, b, top: int) -> Terms:
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    products = a * b
    order = np.argsort(-np.abs(products), kind="stable")
    nonzero = int(np.count_nonzero(products[order[:top]]))
    shown, others = order[:max(1, nonzero)], order[max(1, nonzero):]   # zero terms: not "largest"
    return Terms(np.asarray(where, np.int64).reshape(len(a), -1)[shown], a[shown], b[shown],
                 products[shown], len(a), int(np.count_nonzero(products)),
                 float(products[others].sum()), float(products.sum()))


class StepArithmetic:
    """The walk's numbers for ``trace``, one step of ``model`` (its architecture;
    the weights used are ``trace.before``) on input ``x`` ``(C, H, W)``;
    ``top`` terms are listed per sum. Raises ValueError when the layers or
    ``x`` do not belong to ``trace``."""

    def __init__(self, model: Model, x: np.ndarray, trace: StepTrace, top: int = 8):
        self.names = [lay.name for lay in model.layers]
        if list(trace.activations) != self.names or \
                trace.before.keys() != model.named_params().keys():
            raise ValueError("the step was taken on another architecture")
        self.model = model.clone()
        self.model.set_weights(trace.before)
        self.x = np.asarray(x).reshape(model.input_shape)
        self.trace, self.top = trace, int(top)
        first = self.model.layers[0]
        if isinstance(first, (Conv2D, Dense, MaxPool2D)):
            want = trace.activations[self.names[0]]
            out = first.pure_forward(self.x[None].astype(want.dtype))[0][0]
            scale = max(1.0, float(np.abs(want).max()))
            if not np.allclose(out, want, rtol=1e-4, atol=1e-5 * scale):
                raise ValueError("x is not the input this step was taken on")
        self.phases = phases(self.model)

    def _input(self, index: int) -> tuple[np.ndarray, str]:
        """``(one sample's input of layer index, its name)``."""
        if index == 0:
            return self.x, "input"
        return self.trace.activations[self.names[index - 1]], self.names[index - 1]

    def _input_grad(self, index: int) -> np.ndarray:
        return self.trace.input_grad if index == 0 else \
            self.trace.activation_grads[self.names[index - 1]]

    def target(self, phase: Phase) -> tuple[str, tuple[int, ...]]:
        """``(name, shape)`` of the array whose value at the selected position
        the phase computes: a layer's name, or ``"input"``."""
        index = self.names.index(phase.layer)
        if phase.direction == "backward":
            return self._input(index)[1], tuple(self._input_grad(index).shape)
        return phase.layer, tuple(self.trace.activations[phase.layer].shape)

    def default_position(self, phase: Phase) -> Position:
        """The largest activation (forward) or the largest ``|gradient|`` of the target."""
        index = self.names.index(phase.layer)
        if phase.direction == "forward":
            values = np.asarray(self.trace.activations[phase.layer], np.float64)
        else:
            grads = self.trace.activation_grads[phase.layer] if phase.direction == "loss" \
                else self._input_grad(index)
            values = np.abs(np.asarray(grads, np.float64))
        return tuple(int(v) for v in np.unravel_index(int(np.argmax(values)), values.shape))

    def arithmetic(self, phase: Phase, position: Position, weight: Position | None = None):
        """The record of ``phase`` at ``position`` of its target (see the module
        docstring); ``weight``: the weight whose gradient a dense / convolution
        record spells out (default: the one behind the largest term). None for
        layers whose arithmetic is not written out (average pooling, batch norm)."""
        index = self.names.index(phase.layer)
        layer = self.model.layers[index]
        position = tuple(int(v) for v in position)
        if phase.direction == "loss":
            return self._softmax(position[0])
        if isinstance(layer, (ReLU, LeakyReLU, Tanh, Sigmoid)):
            return self._activation(index, position, phase.direction)
        if isinstance(layer, (Flatten, Dropout)):
            return self._pass(index, position, phase.direction)
        if not isinstance(layer, (Conv2D, MaxPool2D, Dense)):
            return None                         # average pooling, batch norm: not written out
        if phase.direction == "forward":
            return unit_arithmetic(self.model, self.x, index, position[0] if isinstance(
                layer, Dense) else position, top=self.top, outputs=self.trace.activations)
        if isinstance(layer, MaxPool2D):
            return self._pool(index, position)
        return (self._dense if isinstance(layer, Dense) else self._conv)(index, position, weight)

    def _softmax(self, unit: int) -> SoftmaxGradArithmetic:
        logits = np.asarray(self.trace.activations[self.names[-1]], np.float64)
        logp, label = F.log_softmax(logits[None])[0], self.trace.label
        onehot = np.eye(len(logits))[label]
        return SoftmaxGradArithmetic(self.names[-1], label, unit, logits, np.exp(logp), onehot,
                                     np.exp(logp) - onehot, float(-logp[label]))

    def _activation(self, index: int, unit: Position, direction: str) -> ActivationArithmetic:
        layer = self.model.layers[index]
        inp, source = self._input(index)
        z = np.asarray(inp[unit]).reshape(1)
        out, memo = layer.pure_forward(z)
        local = layer.pure_backward(np.ones_like(out), memo)
        grad_out = grad_in = None
        if direction == "backward":
            g = np.asarray(self.trace.activation_grads[layer.name][unit]).reshape(1)
            grad_out, grad_in = float(g[0]), float(layer.pure_backward(g, memo)[0])
        return ActivationArithmetic(layer.name, type(layer).__name__, direction, unit, source,
                                    float(z[0]), float(out[0]), float(local[0]), grad_out, grad_in)

    def _pass(self, index: int, unit: Position, direction: str) -> PassArithmetic:
        layer = self.model.layers[index]
        inp, source = self._input(index)
        forward = direction == "forward"
        values = (self.trace.activations if forward else self.trace.activation_grads)[layer.name]
        here, there = (values.shape, inp.shape) if forward else (inp.shape, values.shape)
        other = tuple(int(v) for v in np.unravel_index(np.ravel_multi_index(unit, here), there))
        value = float(values[unit] if forward else values[other])
        return PassArithmetic(layer.name, type(layer).__name__, direction, unit,
                              source if forward else layer.name, other, value)

    def _weight(self, layer: str, key: str, index: tuple[int, ...], where, a, b, bias: int,
                bias_grad: float) -> WeightGrad:
        updates = self.trace.updates
        return WeightGrad(index, _terms(where, a, b, self.top), bias, bias_grad,
                          float(updates[f"{layer}.{key}"][index]),
                          float(updates[f"{layer}.b"][bias]))

    def _dense(self, index: int, pos: Position, weight: Position | None) -> DenseGradArithmetic:
        layer, unit = self.model.layers[index], pos[0]
        inp, source = self._input(index)
        g = self.trace.activation_grads[layer.name]             # (out,)
        terms = _terms(np.arange(len(g))[:, None], layer.params["W"][unit], g, self.top)
        x = np.asarray(inp).reshape(-1)   # default weight: the chosen input's (or, if it was 0,
        i, k = (int(weight[0]), int(weight[1])) if weight is not None else (  # the largest |x|)
            unit if x[unit] != 0 else int(np.argmax(np.abs(x))),
            int(terms.where[0, 0]) if len(terms.where) else 0)
        x_i = x[i]
        return DenseGradArithmetic(layer.name, source, unit, terms, self._weight(
            layer.name, "W", (i, k), [[k]], [x_i], [g[k]], k, float(g[k])))

    def _conv(self, index: int, unit: Position, weight: Position | None) -> ConvGradArithmetic:
        layer = self.model.layers[index]
        inp, source = self._input(index)
        kernel = layer.params["K"]                              # (C, D, k1, k2), before the step
        g = self.trace.activation_grads[layer.name]             # (D, Ho, Wo)
        (k1, k2), (p1, p2), (s1, s2) = layer.spatial_window()
        c, i, j = unit
        d_out, ho, wo = g.shape
        taps = [(u, v, (i + p1 - u) // s1, (j + p2 - v) // s2) for u in range(k1)
                for v in range(k2) if (i + p1 - u) % s1 == 0 and (j + p2 - v) % s2 == 0
                and 0 <= (i + p1 - u) // s1 < ho and 0 <= (j + p2 - v) // s2 < wo]
        where = np.array([(d, *tap) for d in range(d_out) for tap in taps], np.int64)
        d_, u_, v_, oi, oj = where.reshape(-1, 5).T
        terms = _terms(where, kernel[c, d_, u_, v_], g[d_, oi, oj], self.top)
        if weight is None:
            weight = (c, *terms.where[0, :3]) if len(terms.where) else (c, 0, 0, 0)
        wc, wd, wu, wv = (int(t) for t in weight)
        padded = np.pad(np.asarray(inp[wc], np.float64), ((p1, p1), (p2, p2)))
        seen = padded[wu:wu + s1 * (ho - 1) + 1:s1, wv:wv + s2 * (wo - 1) + 1:s2]   # (Ho, Wo)
        spots = np.stack(np.unravel_index(np.arange(ho * wo), (ho, wo)), axis=1)
        return ConvGradArithmetic(layer.name, source, unit, d_out, terms, self._weight(
            layer.name, "K", (wc, wd, wu, wv), spots, seen, g[wd], wd,
            float(np.sum(g[wd], dtype=np.float64))))

    def _pool(self, index: int, unit: Position) -> PoolGradArithmetic:
        layer = self.model.layers[index]
        _, source = self._input(index)
        g = self.trace.activation_grads[layer.name]             # (C, Ho, Wo)
        (k1, k2), (p1, p2), (s1, s2) = layer.spatial_window()
        c, i, j = unit
        routes = []
        for oi in [o for o in range(g.shape[1]) if 0 <= i + p1 - s1 * o < k1]:   # windows with i
            for oj in [o for o in range(g.shape[2]) if 0 <= j + p2 - s2 * o < k2]:
                window = unit_arithmetic(self.model, self.x, index, (c, oi, oj),
                                         outputs=self.trace.activations)
                grad = float(g[c, oi, oj])
                routes.append(PoolRoute((c, oi, oj), window, grad,
                                        grad if window.winner == (i, j) else 0.0))
        return PoolGradArithmetic(layer.name, source, unit, tuple(routes),
                                  float(sum(r.received for r in routes)))


__all__ = ["ActivationArithmetic", "ConvGradArithmetic", "DenseGradArithmetic", "PassArithmetic",
           "Phase", "PoolGradArithmetic", "PoolRoute", "SoftmaxGradArithmetic", "StepArithmetic",
           "Terms", "WeightGrad", "phases"]

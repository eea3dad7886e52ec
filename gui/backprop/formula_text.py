"""The formula of one phase of the step walk as plain text lines (no Qt): the
records of :mod:`engine.training.backward_arithmetic` (and, forward, of
:mod:`engine.explain.arithmetic`) with their numbers, for the formula panel::

    dL/d conv1[3, 12, 7] = dL/d relu1[3, 12, 7] × [z > 0]      <- heading
    z = conv1[3, 12, 7] = −0.231 ≤ 0: blocked                  <- blocks, side by side
    ...

Only formatting: every number is one the engine returned (no sums here).
Numbers have three significant digits and a real minus sign
(:func:`gui.inspect.arithmetic_text.num`); layer names come from model files
and are shown as plain text, shortened when long.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.explain import ConvArithmetic, DenseArithmetic, PoolArithmetic
from engine.training.backward_arithmetic import (ActivationArithmetic, ConvGradArithmetic,
                                                 DenseGradArithmetic, PassArithmetic,
                                                 PoolGradArithmetic, SoftmaxGradArithmetic)

from ..inspect.arithmetic_text import MINUS, input_name, num, short_name

#: Terms the engine lists for a sum (``StepArithmetic(top=ROWS)``); all are shown.
ROWS = 4
#: Largest window / kernel (per side) written out as a grid of numbers.
GRID_MAX = 7


@dataclass(frozen=True)
class Formula:
    """``heading``: the phase's equation at the position; ``blocks``: columns
    of lines shown side by side."""
    heading: str
    blocks: tuple[tuple[str, ...], ...]


def at(name: str, position) -> str:
    """``"conv1[3, 12, 7]"``."""
    return f"{short_name(name)}[{', '.join(str(int(v)) for v in position)}]"


def grad_of(name: str, position) -> str:
    """``"dL/d conv1[3, 12, 7]"``."""
    return f"dL/d {at(name, position)}"


def cell(value: float, mark: str = "", exact: bool = False) -> str:
    """One grid value and its mark (2 characters): two decimals, or with
    ``exact`` three significant digits."""
    if value == 0:
        text = "0"
    else:
        text = num(value) if exact else f"{float(value) + 0.0:.2f}".replace("-0.00", "0.00").replace("-", MINUS)
    return text.rjust(8 if exact else 5) + mark.ljust(2)


def grid(values: np.ndarray, marks: dict[tuple[int, int], str] | None = None,
         exact: bool = False) -> list[str]:
    """``(k1, k2)`` values as rows of cells (``marks``: ``{(r, c): "*"}``)."""
    marks = marks or {}
    return ["".join(cell(float(v), marks.get((r, c), ""), exact)
                    for c, v in enumerate(row)).rstrip() for r, row in enumerate(values)]


def term_lines(terms, label, heads: tuple[str, str, str, str], width: int) -> list[str]:
    """The terms the engine listed, one a line under column ``heads`` (where,
    a, b, term; ``label(where)`` fills a ``width``-character column), the sum
    of the others (the engine's ``rest``) and the total."""
    def row(where: str, a: str, b: str, p: str) -> str:
        return f"{where:<{width}} {a:>8} × {b:<9} {p:>10}"
    lines = [row(*heads)] + [row(label(w), num(a), num(b, True), num(p, True))
                             for w, a, b, p in zip(terms.where, terms.a, terms.b, terms.products)]
    full = width + 32
    others = terms.count - len(terms.where)
    if others:
        zeros = min(terms.count - terms.nonzero, others)
        more = f"{others} more" + (f" ({zeros} are 0)" if zeros else "")
        lines.append(f"{more:<{full - 11}} {num(terms.rest, True):>10}")
    lines.append(f"{'= ' + num(terms.total):>{full}}")
    return lines


# ------------------------------------------------------------------ forward
def conv_formula(a: ConvArithmetic) -> Formula:
    c_in, k1, k2 = a.patch.shape
    head = f"{at(a.layer, a.unit)} = Σ patch × kernel + bias"
    sums = (f"Σ {c_in * k1 * k2} products = {num(a.total)}", f"+ bias {num(a.bias)}",
            f"= {num(a.pre)}")
    if max(k1, k2) > GRID_MAX:
        return Formula(head, (sums,))
    maps = f" map 0 of {c_in}" if c_in > 1 else ""
    patch = (f"patch of {short_name(a.source)}{maps} at [{a.origin[0]}, {a.origin[1]}]",
             *grid(a.patch[0]))
    kernel = (f"× kernel K[0, {a.unit[0]}]{' (1 of ' + str(c_in) + ')' if c_in > 1 else ''}",
              *grid(a.kernel[0]))
    return Formula(head, (patch, kernel, sums))


def pool_formula(a: PoolArithmetic) -> Formula:
    k1, k2 = a.window.shape
    c = a.unit[0]
    window = (f"{k1}×{k2} window of {at(a.source, (c, *a.origin))}",
              *(grid(a.window, {a.winner_tap: "*"}) if max(k1, k2) <= GRID_MAX else []))
    return Formula(f"{at(a.layer, a.unit)} = max of the window",
                   (window, ("* the largest value:", f"{at(a.source, (c, *a.winner))}",
                             f"= {num(a.value)}")))


def dense_formula(a: DenseArithmetic) -> Formula:
    def row(where: str, v: str, w: str, p: str) -> str:
        return f"{where:<13} {v:>8} × {w:<9} {p:>10}"
    lines = [row("input", "value", "weight", "term")] + [
        row(input_name(a, int(i)), num(float(v)), num(float(w), True), num(float(p), True))
        for i, v, w, p in zip(a.indices, a.inputs, a.weights, a.products)]
    others = a.inputs_count - len(a.indices)
    if others:
        lines.append(f"{f'{others} more inputs':<34} {num(a.rest, True):>10}")
    lines += [f"{'bias':<34} {num(a.bias, True):>10}", f"{'= ' + num(a.pre):>45}"]
    return Formula(f"{at(a.layer, (a.unit,))} = Σ {a.inputs_count} inputs × weights + bias",
                   (tuple(lines),))


FUNCTIONS = {"ReLU": "max(0, z)", "LeakyReLU": "z if z > 0, else slope × z", "Tanh": "tanh(z)",
             "Sigmoid": "1 / (1 + e^−z)"}
DERIVATIVES = {"ReLU": "[z > 0]", "LeakyReLU": "(1 if z > 0, else slope)",
               "Tanh": "(1 − a²)", "Sigmoid": "a × (1 − a)"}


def activation_formula(a: ActivationArithmetic, target: str) -> Formula:
    z = f"z = {at(a.source, a.unit)} = {num(a.z)}"
    if a.direction == "forward":
        applied = {"ReLU": f"max(0, {num(a.z)})", "Tanh": f"tanh({num(a.z)})",
                   "Sigmoid": f"1 / (1 + e^−({num(a.z)}))",
                   "LeakyReLU": f"{num(a.local)} × {num(a.z)}" if a.z <= 0 else "z",
                   }.get(a.kind, f"f({num(a.z)})")
        return Formula(f"{at(a.layer, a.unit)} = {FUNCTIONS.get(a.kind, 'f(z)')}",
                       ((z, f"a = {applied} = {num(a.a)}"),))
    if a.kind == "ReLU":
        local = f"z {'> 0: the gradient passes' if a.local else '≤ 0: the gradient is blocked'}"
        factor = f"[z > 0] = {num(a.local)}"
    else:
        local = f"a = {a.kind.lower()}(z) = {num(a.a)}"
        factor = f"{DERIVATIVES.get(a.kind, 'f′(z)')} = {num(a.local)}"
    return Formula(f"{grad_of(target, a.unit)} = {grad_of(a.layer, a.unit)} × "
                   f"{DERIVATIVES.get(a.kind, 'f′(z)')}",
                   ((z, local, factor),
                    (f"{grad_of(a.layer, a.unit)} = {num(a.grad_out)}",
                     f"× {num(a.local)} = {num(a.grad_in)}")))


def pass_formula(a: PassArithmetic, target: str) -> Formula:
    why = "dropout is off for this step" if a.kind == "Dropout" else "flatten only moves values"
    if a.direction == "forward":
        return Formula(f"{at(a.layer, a.unit)} = {at(a.source, a.source_unit)}",
                       ((f"= {num(a.value)}", f"({why})"),))
    return Formula(f"{grad_of(target, a.unit)} = {grad_of(a.source, a.source_unit)}",
                   ((f"= {num(a.value)}", f"({why})"),))


# ----------------------------------------------------------------- the loss
def softmax_formula(a: SoftmaxGradArithmetic) -> Formula:
    rows = [f"{'▸' if k == a.unit else ' '}{k:<2}{num(z):>7} {num(p):>9} {y:>2.0f} "
            f"{num(g, True):>10}" for k, (z, p, y, g) in enumerate(zip(a.logits, a.probs,
                                                                      a.onehot, a.grads))]
    head = f"{'k':>3}{'score':>7} {'p':>9} {'y':>2} {'p − y':>10}"
    half = (len(rows) + 1) // 2 if len(rows) > 6 else len(rows)
    blocks = [(head, *rows[:half])] + ([(head, *rows[half:])] if rows[half:] else [])
    k = a.unit
    blocks.append((f"class {k}: p − y", f"= {num(a.probs[k])} − {a.onehot[k]:.0f}",
                   f"= {num(a.grads[k])}", f"loss = −log p({a.label})",
                   f"= −log {num(a.probs[a.label])} = {num(a.loss)}"))
    return Formula(f"{grad_of(a.layer, (k,))} = p{k} − y{k}  (softmax p, one-hot y of {a.label})",
                   tuple(blocks))


# ----------------------------------------------------------------- backward
def dense_grad_formula(a: DenseGradArithmetic) -> Formula:
    w = a.weight
    i, k = w.index
    terms = term_lines(a.input_grad, lambda where: str(int(where[0])),
                       ("k", f"W[{a.unit},k]", "dL/dy_k", "term"), 4)
    weight = (f"dL/dW[{i}, {k}] = {at(a.source, (i,))} × {grad_of(a.layer, (k,))}",
              f"= {num(w.terms.a[0])} × {num(w.terms.b[0])} = {num(w.terms.total)}",
              f"dL/db[{k}] = {grad_of(a.layer, (k,))} = {num(w.bias_grad)}",
              f"step changed W[{i}, {k}] by {num(w.update, True)}",
              f"and b[{k}] by {num(w.bias_update, True)}")
    return Formula(f"{grad_of(a.source, (a.unit,))} = Σ_k W[{a.unit}, k] × "
                   f"dL/d {short_name(a.layer)}[k]",
                   (tuple(terms), weight))


def conv_grad_formula(a: ConvGradArithmetic) -> Formula:
    w = a.weight
    c, d, u, v = w.index
    layer = short_name(a.layer)
    terms = term_lines(a.input_grad, lambda t: f"{t[0]:>3} [{t[1]},{t[2]}] [{t[3]},{t[4]}]",
                       ("  d [u,v] [i,j]", "K", "dL/dy", "term"), 15)
    kernel = term_lines(w.terms, lambda t: f"[{t[0]},{t[1]}]", ("[i,j]", "x", "dL/dy", "term"), 7)
    return Formula(f"{grad_of(a.source, a.unit)} = Σ K[{a.unit[0]}, d, u, v] × dL/d {layer}"
                   f"[d, i, j]",
                   ((f"over {a.maps} maps d, the taps [u, v] that touched it:", *terms),
                    (f"dL/dK[{c}, {d}, {u}, {v}] = Σ_ij x × dL/d {layer}[{d}, i, j]",
                     f"x: {short_name(a.source)} map {c} under tap [{u}, {v}]", *kernel,
                     f"dL/db[{d}] = Σ dL/d {layer}[{d}] = {num(w.bias_grad)}",
                     f"step: K {num(w.update, True)}, b {num(w.bias_update, True)}")))


def pool_grad_formula(a: PoolGradArithmetic) -> Formula:
    c, i, j = a.unit
    head = f"{grad_of(a.source, a.unit)} = what the windows holding it send back"
    if not a.routes:
        return Formula(head, (("no window holds this position:", "its gradient is 0"),))
    route = a.routes[0]
    win = route.window
    mine = (i - win.origin[0], j - win.origin[1])
    marks = {win.winner_tap: "*", mine: "◂"} if mine != win.winner_tap else {mine: "*◂"}
    sends = np.zeros(win.window.shape)
    sends[win.winner_tap] = route.grad          # placed for display: all of it to the winner
    gets = [f"◂ {at(a.source, a.unit)}"]
    if len(a.routes) == 1:
        gets += ["is the max *" if route.window.winner == (i, j) else "is not the max",
                 f"so it gets {num(a.total)}"]
    else:                                       # overlapping windows: it may win several
        gets += ["is in windows that send:"] + [f"{at(a.layer, r.out)}: {num(r.received)}"
                                                for r in a.routes] + [f"in all {num(a.total)}"]
    return Formula(head, ((f"window of {at(a.layer, route.out)}", *grid(win.window, marks),
                           "* max, ◂ this one"),
                          (f"{grad_of(a.layer, route.out)} = {num(route.grad)}",
                           "all to the max *:", *grid(sends, marks, exact=True)),
                          tuple(gets)))


def formula(record, target: str) -> Formula | None:
    """The formula of ``record`` (None: nothing to write out); ``target``: the
    name of the array the phase computes (a backward phase's layer input)."""
    makers = {ConvArithmetic: conv_formula, PoolArithmetic: pool_formula,
              DenseArithmetic: dense_formula, SoftmaxGradArithmetic: softmax_formula,
              DenseGradArithmetic: dense_grad_formula, ConvGradArithmetic: conv_grad_formula,
              PoolGradArithmetic: pool_grad_formula}
    if isinstance(record, ActivationArithmetic):
        return activation_formula(record, target)
    if isinstance(record, PassArithmetic):
        return pass_formula(record, target)
    maker = makers.get(type(record))
    return None if maker is None else maker(record)


__all__ = ["Formula", "formula", "at", "grad_of", "grid", "term_lines"]

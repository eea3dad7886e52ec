"""The arithmetic under the cursor as short lines of plain text (no Qt), for
the inspector's 236-pixel-wide column:

* a convolution position: ``"Σ patch × kernel = 3.21"`` and
  ``"+ bias −0.05 = 3.16 → ReLU 3.16"``;
* a max-pooling position: the window's values and ``"max 0.82 at relu2[5, 6]"``;
* a dense unit: its largest contributions ``input value × weight = product``,
  the rest, the bias and the total.

Numbers have three significant digits (:func:`num`) and a real minus sign.
Layer names come from model files: the lines are painted as plain text, and
a long name is shortened (:func:`short_name`).
"""
from __future__ import annotations

import numpy as np

from engine.explain import ConvArithmetic, DenseArithmetic, PoolArithmetic

MINUS = "\u2212"
NAME_CHARS = 14        # a layer name longer than this is shortened with an ellipsis


def num(value: float, signed: bool = False, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits and a real minus sign
    (``signed``: a plus sign for positive values)."""
    value = float(value) + 0.0          # never "-0"
    text = f"{value:+.{digits}g}" if signed else f"{value:.{digits}g}"
    return text.replace("-", MINUS)


def parse_num(text: str) -> float:
    """The number :func:`num` wrote."""
    return float(text.replace(MINUS, "-"))


def short_name(name: str, chars: int = NAME_CHARS) -> str:
    """``name`` cut to ``chars`` characters (ending in an ellipsis)."""
    return name if len(name) <= chars else name[:chars - 1] + "\u2026"


def position(i: int, j: int) -> str:
    return f"[{i}, {j}]"


def conv_title(a: ConvArithmetic) -> str:
    c, i, j = a.unit
    return f"{short_name(a.layer)} map {c} {position(i, j)}"


def conv_lines(a: ConvArithmetic) -> list[str]:
    """``["Σ patch × kernel = 3.21", "+ bias −0.05 = 3.16", "→ ReLU 3.16"]``
    (a multi-channel patch: ``"Σ 800 products = ..."``; no ReLU: two lines)."""
    c_in, k1, k2 = a.patch.shape
    what = "patch × kernel" if c_in == 1 else f"{c_in * k1 * k2} products"
    lines = [f"\u03a3 {what} = {num(a.total)}", f"+ bias {num(a.bias)} = {num(a.pre)}"]
    if a.relu:
        lines.append(f"\u2192 ReLU {num(a.value)}")
    return lines


def conv_caption(a: ConvArithmetic) -> str:
    """Where the patch is from: ``"5×5 of input at [-2, 3]"``."""
    c_in, k1, k2 = a.patch.shape
    maps = f"{c_in} maps of " if c_in > 1 else ""
    return f"{k1}\u00d7{k2} of {maps}{short_name(a.source)} at {position(*a.origin)}"


def pool_title(a: PoolArithmetic) -> str:
    c, i, j = a.unit
    return f"{short_name(a.layer)} map {c} {position(i, j)}"


def pool_lines(a: PoolArithmetic) -> list[str]:
    """The window's rows of values, then ``"max 0.82 at relu2[5, 6]"``."""
    k1, k2 = a.window.shape
    rows = []
    if k1 <= 3 and k2 <= 4:
        rows = ["  ".join(num(float(v)).rjust(6) for v in row) for row in a.window]
    last = f"max {num(float(a.window.max()))} at {short_name(a.source)}{position(*a.winner)}"
    if a.relu:
        last += f" \u2192 ReLU {num(a.value)}"
    return rows + [last]


def pool_caption(a: PoolArithmetic) -> str:
    k1, k2 = a.window.shape
    return f"the {k1}\u00d7{k2} window of {short_name(a.source)} map {a.unit[0]}"


def input_name(a: DenseArithmetic, index: int) -> str:
    """``"pool2[12,3,4]"`` for an input that came through a flatten, else ``"relu3[7]"``."""
    if len(a.source_shape) > 1:
        where = ",".join(str(int(v)) for v in np.unravel_index(index, a.source_shape))
    else:
        where = str(index)
    return f"{short_name(a.source, 8)}[{where}]"


def dense_title(a: DenseArithmetic, classes: bool = False) -> str:
    return f"{short_name(a.layer)} {'class' if classes else 'unit'} {a.unit}"


def dense_lines(a: DenseArithmetic, rows: int = 6) -> list[str]:
    """The ``rows`` largest contributions (``name value × weight = product``),
    the rest, the bias and the total (``= 7.32``, ``→ ReLU``)."""
    lines = [f"{input_name(a, int(i)):<13} {num(float(v), digits=2):>4}\u00d7"
             f"{num(float(w), True, 2):<6} {num(float(p), True):>7}"
             for i, v, w, p in zip(a.indices[:rows], a.inputs, a.weights, a.products)]
    shown = min(rows, len(a.indices))
    rest = a.total - float(np.sum(a.products[:shown], dtype=np.float64))
    others = a.inputs_count - shown
    if others:
        lines.append(f"{f'{others} more inputs':<26}{num(rest, True):>7}")
    lines.append(f"{'bias':<26}{num(a.bias, True):>7}")
    total = f"= {num(a.pre)}"
    if a.relu:
        total += f" \u2192 ReLU {num(a.value)}"
    lines.append(total)
    return lines

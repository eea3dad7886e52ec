"""Inputs that are not digits, made by code with a fixed seed, for measuring
how well :func:`engine.explain.novelty.novelty` tells them from digits.

Six kinds, each drawn on a 280 px canvas the way the app's canvas draws a
mouse stroke (:mod:`engine.data.pen_render`: a round pen, writers' slant,
size, pen width and position varied, every point jittered) and framed by
:func:`engine.data.preprocess.to_model_input` like a drawing:

* ``letters`` - capital and small letters, without the ones that are drawn
  like a digit (O, I, l, S, Z, B, G, b, g, q: 0, 1, 1, 5, 2, 8, 6, 6, 9, 9);
* ``symbols`` - + = # % ? ! & * < > and the like, arrows, a heart, a star;
* ``shapes`` - polygons, spirals, grids, a filled square, concentric rings;
* ``scribbles`` - random smooth strokes;
* ``noise`` - uniform noise, scattered dots and blobs (canvases, not strokes).

The glyphs are split in two fixed halves: the **tuning** set (for choosing
the method and its settings) and the **evaluation** set (for reporting),
which share no glyph and no random stream, so a number measured on the
evaluation set was not tuned on it.
"""
from __future__ import annotations

import math

import numpy as np

from ..data.pen_render import draw, pen_px, place
from ..data.preprocess import to_model_input

KINDS = ("letters", "symbols", "shapes", "scribbles", "noise")
SIDE = 280


def _arc(cx, cy, rx, ry, a0, a1, n=24):
    """Points ``(x, y)`` on an ellipse from ``a0`` to ``a1`` degrees (y down)."""
    t = np.radians(np.linspace(a0, a1, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in t]


def _poly(n, r=0.35, start=-90.0, c=(0.5, 0.5)):
    return _arc(c[0], c[1], r, r, start, start + 360, n + 1)


#: ``{kind: {name: [stroke, ...]}}``, a stroke a list of ``(x, y)`` points in a unit box, y down.
GLYPHS: dict[str, dict[str, list]] = {
    "letters": {
        "A": [[(.2, .9), (.5, .1), (.8, .9)], [(.33, .6), (.67, .6)]],
        "C": [_arc(.55, .5, .3, .4, -50, -310)],
        "D": [[(.25, .1), (.25, .9)], [(.25, .1)] + _arc(.35, .5, .35, .4, -90, 90) + [(.25, .9)]],
        "E": [[(.7, .1), (.25, .1), (.25, .9), (.7, .9)], [(.25, .5), (.6, .5)]],
        "F": [[(.7, .1), (.25, .1), (.25, .9)], [(.25, .5), (.6, .5)]],
        "H": [[(.25, .1), (.25, .9)], [(.75, .1), (.75, .9)], [(.25, .5), (.75, .5)]],
        "J": [[(.4, .1), (.8, .1)], [(.65, .1), (.65, .7)] + _arc(.45, .7, .2, .2, 0, 160)],
        "K": [[(.25, .1), (.25, .9)], [(.75, .1), (.25, .55), (.75, .9)]],
        "L": [[(.3, .1), (.3, .9), (.75, .9)]],
        "M": [[(.15, .9), (.2, .1), (.5, .6), (.8, .1), (.85, .9)]],
        "N": [[(.25, .9), (.25, .1), (.75, .9), (.75, .1)]],
        "P": [[(.3, .9), (.3, .1)] + _arc(.45, .3, .25, .2, -90, 90) + [(.3, .5)]],
        "Q": [_arc(.5, .5, .3, .38, 0, 360, 32), [(.55, .7), (.85, .95)]],
        "R": [[(.3, .9), (.3, .1)] + _arc(.45, .3, .25, .2, -90, 90) + [(.3, .5), (.75, .9)]],
        "T": [[(.15, .1), (.85, .1)], [(.5, .1), (.5, .9)]],
        "U": [[(.25, .1)] + _arc(.5, .6, .25, .3, 180, 0) + [(.75, .1)]],
        "V": [[(.2, .1), (.5, .9), (.8, .1)]],
        "W": [[(.1, .1), (.3, .9), (.5, .35), (.7, .9), (.9, .1)]],
        "X": [[(.2, .1), (.8, .9)], [(.8, .1), (.2, .9)]],
        "Y": [[(.2, .1), (.5, .5), (.8, .1)], [(.5, .5), (.5, .9)]],
        "a": [_arc(.45, .65, .22, .25, -20, 340), [(.67, .4), (.7, .9)]],
        "e": [[(.25, .6), (.72, .6)] + _arc(.5, .6, .23, .28, 0, -300)],
        "h": [[(.3, .05), (.3, .9)], [(.3, .55)] + _arc(.5, .6, .2, .15, 200, 360) + [(.7, .9)]],
        "k": [[(.3, .05), (.3, .9)], [(.7, .4), (.3, .7), (.72, .92)]],
        "m": [[(.15, .9), (.15, .4)] + _arc(.3, .5, .15, .12, 180, 360) + [(.45, .9)],
              [(.45, .55)] + _arc(.6, .5, .15, .12, 180, 360) + [(.75, .9)]],
        "n": [[(.3, .9), (.3, .4)] + _arc(.5, .52, .2, .15, 180, 360) + [(.7, .9)]],
        "r": [[(.35, .9), (.35, .4)], [(.35, .6)] + _arc(.52, .55, .17, .13, 180, 300)],
        "t": [[(.45, .1), (.45, .85), (.65, .9)], [(.25, .35), (.7, .35)]],
        "u": [[(.3, .4)] + _arc(.5, .68, .2, .22, 180, 0) + [(.7, .4), (.72, .92)]],
        "w": [[(.1, .4), (.3, .9), (.5, .5), (.7, .9), (.9, .4)]],
        "x": [[(.25, .4), (.75, .9)], [(.75, .4), (.25, .9)]],
        "y": [[(.25, .35), (.5, .7)], [(.75, .35), (.35, 1.0)]],
    },
    "symbols": {
        "+": [[(.5, .15), (.5, .85)], [(.15, .5), (.85, .5)]],
        "=": [[(.15, .35), (.85, .35)], [(.15, .65), (.85, .65)]],
        "#": [[(.4, .1), (.3, .9)], [(.7, .1), (.6, .9)], [(.1, .35), (.9, .35)],
              [(.1, .65), (.9, .65)]],
        "%": [_arc(.25, .22, .12, .12, 0, 360, 16), [(.8, .1), (.2, .9)],
              _arc(.75, .78, .12, .12, 0, 360, 16)],
        "?": [_arc(.5, .3, .22, .2, 200, 420) + [(.5, .6)], [(.5, .85), (.5, .9)]],
        "!": [[(.5, .1), (.5, .65)], [(.5, .85), (.5, .9)]],
        "&": [[(.8, .9), (.3, .35)] + _arc(.4, .25, .12, .13, 150, 390) + [(.25, .65)]
              + _arc(.4, .72, .17, .17, 180, 60) + [(.8, .5)]],
        "*": [[(.5, .1), (.5, .9)], [(.15, .3), (.85, .7)], [(.85, .3), (.15, .7)]],
        "<": [[(.8, .15), (.2, .5), (.8, .85)]],
        ">": [[(.2, .15), (.8, .5), (.2, .85)]],
        "->": [[(.1, .5), (.9, .5)], [(.65, .25), (.9, .5), (.65, .75)]],
        "up": [[(.5, .9), (.5, .1)], [(.25, .35), (.5, .1), (.75, .35)]],
        "heart": [[(.5, .9), (.15, .45)] + _arc(.3, .3, .17, .17, 150, 360) +
                  _arc(.7, .3, .17, .17, 180, 390) + [(.5, .9)]],
        "star": [[_poly(5, .4)[i % 5] for i in (0, 2, 4, 1, 3, 0)]],
        "~": [[(.1 + .8 * t, .5 - .12 * math.sin(2 * math.pi * t)) for t in np.linspace(0, 1, 20)]],
        "$": [_arc(.5, .33, .22, .17, -30, -270) + _arc(.5, .67, .22, .17, -90, 150),
              [(.5, .05), (.5, .95)]],
        "@": [_arc(.52, .5, .13, .15, 0, 360, 20), [(.65, .35), (.66, .6)]
              + _arc(.5, .5, .35, .38, 20, 330, 30)],
        "pi": [[(.15, .25), (.85, .25)], [(.35, .25), (.3, .9)], [(.65, .25), (.7, .9)]],
        "smile": [_arc(.5, .5, .4, .4, 0, 360, 32), [(.35, .35), (.35, .4)],
                  [(.65, .35), (.65, .4)], _arc(.5, .55, .2, .15, 20, 160)],
    },
    "shapes": {
        "triangle": [_poly(3)],
        "square": [_poly(4, start=-45)],
        "diamond": [_poly(4)],
        "pentagon": [_poly(5)],
        "hexagon": [_poly(6)],
        "rectangle": [[(.1, .3), (.9, .3), (.9, .7), (.1, .7), (.1, .3)]],
        "spiral": [[(.5 + .04 * t * math.cos(t), .5 + .04 * t * math.sin(t))
                    for t in np.linspace(0, 10, 80)]],
        "grid": [[(.1 + .27 * i, .1), (.1 + .27 * i, .9)] for i in range(4)]
        + [[(.1, .1 + .27 * i), (.9, .1 + .27 * i)] for i in range(4)],
        "filled": [[(.2, .2 + .05 * i), (.8, .2 + .05 * i)] for i in range(13)],
        "rings": [_arc(.5, .5, r, r, 0, 360, 32) for r in (.15, .3, .45)],
        "zigzag": [[(.1 + .1 * i, .3 + .4 * (i % 2)) for i in range(9)]],
        "crosshatch": [[(.1 + .2 * i, .1), (.1 + .2 * i - .3, .9)] for i in range(5)]
        + [[(.1 + .2 * i, .1), (.1 + .2 * i + .3, .9)] for i in range(5)],
        "bowtie": [[(.1, .2), (.9, .8), (.9, .2), (.1, .8), (.1, .2)]],
        "tick": [[(.15, .55), (.4, .85), (.9, .15)]],
        "house": [[(.2, .9), (.2, .45), (.5, .1), (.8, .45), (.8, .9), (.2, .9)]],
        "wave": [[(.05 + .9 * t, .5 + .3 * math.sin(4 * math.pi * t)) for t in np.linspace(0, 1, 40)]],
    },
}


def _halves(kind: str) -> tuple[list[str], list[str]]:
    """The glyph names of ``kind`` split alternately into (tuning, evaluation)."""
    names = list(GLYPHS[kind])
    return names[0::2], names[1::2]


def _draw_glyph(strokes, rng: np.random.Generator) -> np.ndarray:
    """One rendering of a glyph on a 280 px canvas (uint8), by a random writer."""
    pen = pen_px(rng.uniform(18, 32), SIDE)
    jitter = rng.uniform(0.0, 0.015)
    lines = []
    for stroke in strokes:
        pts = np.array([(y, x) for x, y in stroke], float)          # (row, col)
        lines.append(pts + jitter * rng.standard_normal(pts.shape))
    placed = place(lines, SIDE, pen, rng.uniform(0.4, 0.85), rng.uniform(-0.2, 0.2), rng)
    return draw(placed, SIDE, pen)


def _scribble(rng: np.random.Generator) -> np.ndarray:
    """Random smooth strokes: 1-3 strokes, each a smoothed random walk."""
    lines = []
    for _ in range(int(rng.integers(1, 4))):
        steps = rng.standard_normal((int(rng.integers(4, 9)), 2))
        pts = np.cumsum(steps, axis=0)
        t = np.linspace(0, len(pts) - 1, 8 * len(pts))
        lines.append(np.stack([np.interp(t, np.arange(len(pts)), pts[:, a]) for a in (0, 1)], 1))
    pen = pen_px(rng.uniform(18, 32), SIDE)
    return draw(place(lines, SIDE, pen, rng.uniform(0.4, 0.85), 0.0, rng), SIDE, pen)


def _noise(rng: np.random.Generator) -> np.ndarray:
    """A canvas of uniform noise, scattered dots or soft blobs (uint8)."""
    kind = int(rng.integers(3))
    if kind == 0:
        size = int(rng.integers(8, 40))
        small = rng.random((size, size)) * (rng.random((size, size)) < rng.uniform(0.2, 1.0))
        return (np.kron(small, np.ones((SIDE // size + 1,) * 2))[:SIDE, :SIDE] * 255).astype(np.uint8)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    canvas = np.zeros((SIDE, SIDE))
    count, radius = (int(rng.integers(10, 60)), (4, 14)) if kind == 1 else \
        (int(rng.integers(2, 7)), (20, 70))
    for _ in range(count):
        cy, cx = rng.uniform(30, SIDE - 30, 2)
        r = rng.uniform(*radius)
        canvas = np.maximum(canvas, np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r)))
    return (canvas * 255).astype(np.uint8)


def non_digits(split: str = "evaluation", per_kind: int = 200, seed: int = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(images (N, 1, 28, 28) float32 in [0, 1], kinds (N,) str)``: ``per_kind``
    framed inputs of each of :data:`KINDS` from the ``split`` (``"tuning"`` or
    ``"evaluation"``) half; deterministic for a ``seed`` (the two splits use
    different streams). Canvases that frame to nothing are skipped."""
    if split not in ("tuning", "evaluation"):
        raise ValueError(f"split must be 'tuning' or 'evaluation', got {split!r}")
    rng = np.random.default_rng([seed, 0 if split == "tuning" else 1])
    images, kinds = [], []
    for kind in KINDS:
        made = 0
        names = _halves(kind)[split == "evaluation"] if kind in GLYPHS else []
        while made < per_kind:
            if names:
                canvas = _draw_glyph(GLYPHS[kind][names[made % len(names)]], rng)
            else:
                canvas = _scribble(rng) if kind == "scribbles" else _noise(rng)
            x = to_model_input(canvas)
            if x is None:
                continue
            images.append(x)
            kinds.append(kind)
            made += 1
    return np.stack(images), np.array(kinds)

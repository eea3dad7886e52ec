"""Ways of writing digits that MNIST lacks, made from MNIST's own strokes, and
synthetic writers who use them (pure NumPy).

MNIST was written by American census staff and students. Writers elsewhere
add a flag to the 1 (read as 7 without it being long enough), a bar through
the 7, a slash through the 0, write an open 4, a 9 with a straight tail or a
2 with a loop. Each variant here is a stroke-level edit of a real MNIST digit
(:func:`engine.data.pen_strokes.extract_strokes`), re-drawn with a round pen
(:mod:`engine.data.pen_render`) and framed like a canvas drawing
(:func:`engine.data.preprocess.to_model_input`). Coordinates of the edits are
(row, col) in MNIST pixels, ``h``/``w`` the height/width of the digit's
centre-line bounding box:

* ``1 flag``: an up-stroke ending at the top of the 1, ``0.3-0.55 h`` long at
  25-50 degrees below horizontal, to the left; ``1 flag+base`` adds a foot
  ``0.4-0.6 h`` wide;
* ``7 bar``: a horizontal bar ``0.35-0.55 h`` wide (tilt up to 0.1) centred on
  the down-stroke at ``0.5-0.62 h``;
* ``0 slash``: a straight line from below-left to above-right through the
  centre, overshooting the ring by 0-15 %;
* ``4 open``: two straight strokes in the MNIST 4's box (its height only):
  an arm down from the top-left to ``0.5-0.65 h`` turning right into a bar
  ``0.65-0.85 h`` long, and an upright from the top (or up to ``0.12 h``
  lower) to the bottom crossing the bar at ``0.55-0.7`` of its length: open
  at the top; the one style drawn from a template, not an MNIST stroke;
* ``9 straight``: the loop kept (the strokes above the first row, scanning
  down, where only one crossing is left after two or more, plus ``0-0.04 h``),
  the tail replaced by a straight line from the loop's lower right to the bottom;
* ``2 loop``: a loop of radius ``0.1-0.16 h`` inserted at the bottom-left
  corner of the 2.

A :class:`Writer` (:func:`synthetic_writer`) is consistent, as a person is:
one style per digit, a slant (shear ``U(-0.2, 0.2)`` col per row), a pen
(``U(14, 36)`` reference px, the app's brush unit), a digit height
(``U(45, 85) %`` of a 280 px canvas) and width (``x U(0.85, 1.15)``), a pool
of a few MNIST exemplars per digit and fixed style parameters. Each sample
varies a little around them (exemplar from the pool, rotation +-4 degrees,
width x0.94-1.06, slant +-0.03, height x0.9-1.1, position, style parameters
+-0.1 of their range).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .pen_render import draw, pen_px, place
from .pen_strokes import extract_strokes
from .preprocess import to_model_input

__all__ = ["STYLES", "VARIANTS", "Writer", "WriterSamples", "restyle", "synthetic_writer",
           "load_style_source"]

#: ``{digit: (variant, ...)}``; every digit can also be written ``"plain"`` (MNIST's way).
STYLES: dict[int, tuple[str, ...]] = {0: ("slash",), 1: ("flag", "flag+base"), 2: ("loop",),
                                      4: ("open",), 7: ("bar",), 9: ("straight",)}
#: ``(digit, variant)`` of every style MNIST lacks.
VARIANTS: tuple[tuple[int, str], ...] = tuple((d, s) for d, v in STYLES.items() for s in v)
_N_PARAMS = 4          # style parameters per digit, each in [0, 1]
_JITTER = 0.1          # per-sample change of a style parameter (its range is [0, 1])


def _lerp(lo: float, hi: float, u: float) -> float:
    return lo + (hi - lo) * float(u)


def _extent(lines: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``(lo, hi, h, w)``: bounding box (row, col) of all points, its height and width."""
    allp = np.concatenate(lines, 0)
    lo, hi = allp.min(0), allp.max(0)
    return lo, hi, max(hi[0] - lo[0], 1.0), max(hi[1] - lo[1], 1.0)


def _crossings(lines: list[np.ndarray], row: float) -> list[float]:
    """Columns where the polylines cross ``row``."""
    cols: list[float] = []
    for p in lines:
        a, b = p[:-1], p[1:]
        hit = ((a[:, 0] - row) * (b[:, 0] - row) <= 0) & (a[:, 0] != b[:, 0])
        t = (row - a[hit, 0]) / (b[hit, 0] - a[hit, 0])
        cols.extend((a[hit, 1] + t * (b[hit, 1] - a[hit, 1])).tolist())
    return cols


def _crossing_col(lines: list[np.ndarray], row: float, default: float) -> float:
    """Median column where the polylines cross ``row`` (``default`` if none does)."""
    cols = _crossings(lines, row)
    return float(np.median(cols)) if cols else default


def _rows_above(lines: list[np.ndarray], cut: float) -> list[np.ndarray]:
    """The runs of each polyline whose points lie above row ``cut``."""
    out = []
    for p in lines:
        keep = p[:, 0] < cut
        edges = np.flatnonzero(np.diff(np.concatenate([[0], keep.astype(np.int8), [0]])))
        out += [p[s:e] for s, e in zip(edges[::2], edges[1::2])]
    return out


def _flag_one(lines, u, base: bool):
    lo, hi, h, _ = _extent(lines)
    allp = np.concatenate(lines, 0)
    top, bottom = allp[np.argmin(allp[:, 0])], allp[np.argmax(allp[:, 0])]
    length, angle = _lerp(0.3, 0.55, u[0]) * h, np.deg2rad(_lerp(25, 50, u[1]))
    start = top + length * np.array([np.sin(angle), -np.cos(angle)])
    out = [np.stack([start, top])] + list(lines)
    if base:
        half = _lerp(0.2, 0.3, u[2]) * h
        out.append(np.array([[bottom[0], bottom[1] - half], [bottom[0], bottom[1] + half]]))
    return out


def _bar_seven(lines, u):
    lo, hi, h, w = _extent(lines)
    row = lo[0] + _lerp(0.5, 0.62, u[0]) * h
    col = _crossing_col(lines, row, (lo[1] + hi[1]) / 2)
    half, tilt = _lerp(0.35, 0.55, u[1]) * h / 2, _lerp(-0.1, 0.1, u[2])
    return list(lines) + [np.array([[row + tilt * half, col - half], [row - tilt * half, col + half]])]


def _slash_zero(lines, u):
    lo, hi, _, _ = _extent(lines)
    centre, half = (lo + hi) / 2, (hi - lo) / 2 * _lerp(1.0, 1.15, u[0])
    lean = _lerp(0.6, 1.0, u[1])          # the slash is steeper than the diagonal
    d = np.array([half[0], -half[1] * lean])
    return list(lines) + [np.stack([centre + d, centre - d])]


def _open_four(lines, u):
    lo, hi, h, _ = _extent(lines)
    w = _lerp(0.65, 0.85, u[0]) * h
    x = lo[1] + _lerp(0.55, 0.7, u[1]) * w            # the upright's column
    bar = lo[0] + _lerp(0.5, 0.65, u[2]) * h
    lean = _lerp(0.0, 0.12, u[3]) * h
    arm = np.array([[lo[0], lo[1] + lean], [bar, lo[1]], [bar, lo[1] + w]])
    upright = np.array([[lo[0] + _lerp(0.0, 0.12, u[0]) * h, x + 0.5 * lean], [hi[0], x]])
    return [arm, upright]


def _straight_nine(lines, u):
    lo, hi, h, w = _extent(lines)
    cut, seen_loop = None, False
    for row in lo[0] + h * np.arange(0.1, 0.85, 0.02):     # the loop ends where one crossing is left
        n = len(_crossings(lines, row))
        seen_loop |= n >= 2
        if seen_loop and n <= 1:
            cut = row + _lerp(0.0, 0.04, u[0]) * h
            break
    if cut is None:
        return list(lines)
    loop = _rows_above(lines, cut)
    if not loop:
        return list(lines)
    pts = np.concatenate(loop, 0)
    start = pts[np.argmax(pts[:, 0] + 0.5 * pts[:, 1])]      # the loop's lower right
    end = np.array([hi[0], start[1] - _lerp(0.0, 0.2, u[1]) * w])
    return loop + [np.stack([start, end])]


def _looped_two(lines, u):
    lo, hi, h, w = _extent(lines)
    scores = [((p[:, 0] - lo[0]) / h - (p[:, 1] - lo[1]) / w) for p in lines]
    k = int(np.argmax([s.max() for s in scores]))
    i = int(np.argmax(scores[k]))
    corner = lines[k][i]
    r = _lerp(0.1, 0.16, u[0]) * h
    centre = corner + np.array([-r, _lerp(-0.4, 0.4, u[1]) * r])
    t = np.linspace(0, 2 * np.pi, 17)
    ring = centre + r * np.stack([np.cos(t), -np.sin(t)], 1)
    ring += corner - ring[0]
    out = list(lines)
    out[k] = np.concatenate([lines[k][:i + 1], ring[1:], lines[k][i + 1:]], 0)
    return out


_RESTYLE = {(1, "flag"): lambda ls, u: _flag_one(ls, u, False),
            (1, "flag+base"): lambda ls, u: _flag_one(ls, u, True),
            (7, "bar"): _bar_seven, (0, "slash"): _slash_zero, (4, "open"): _open_four,
            (9, "straight"): _straight_nine, (2, "loop"): _looped_two}


def restyle(lines: Sequence[np.ndarray], digit: int, style: str,
            params: np.ndarray) -> list[np.ndarray]:
    """Strokes of an MNIST ``digit`` (polylines ``(n, 2)`` (row, col), MNIST px,
    as :func:`~engine.data.pen_strokes.extract_strokes` gives) re-written in
    ``style`` (``"plain"``: unchanged, or a name in :data:`STYLES`);
    ``params``: ``(4,)`` floats in [0, 1] choosing lengths and angles within
    the ranges of the module docstring. Returns new polylines, same units."""
    lines = [np.asarray(p, np.float64) for p in lines if len(p)]
    if style == "plain" or not lines:
        return lines
    try:
        edit = _RESTYLE[(int(digit), style)]
    except KeyError:
        raise ValueError(f"no style {style!r} for the digit {digit} "
                         f"(choose plain or {', '.join(STYLES.get(int(digit), ())) or 'plain'})") from None
    return edit(lines, np.clip(np.asarray(params, np.float64), 0.0, 1.0))


@dataclass(frozen=True)
class WriterSamples:
    """Drawn digits: ``images (n, 1, 28, 28)`` float32 in [0, 1] (what the
    network sees, via ``to_model_input``), ``labels (n,)`` int64, per sample
    its ``strokes`` (``(k, 2)`` float32 points ``(x, y)`` in canvas fractions,
    [0, 1]) and the ``canvases (n, side, side)`` uint8 they were drawn on."""
    images: np.ndarray
    labels: np.ndarray
    strokes: list[list[np.ndarray]]
    canvases: np.ndarray


@dataclass(frozen=True)
class Writer:
    """A synthetic person (see the module docstring); make one with
    :func:`synthetic_writer`. ``exemplars``: per digit a pool of MNIST stroke
    sets (row, col, MNIST px); ``params``: per digit ``(4,)`` style parameters
    in [0, 1]; ``pen_ref`` in the app's reference pixels; ``height`` a
    fraction of the canvas side; ``side`` the canvas in pixels."""
    seed: int
    styles: Mapping[int, str]
    slant: float
    pen_ref: float
    height: float
    aspect: float
    exemplars: Mapping[int, tuple[tuple[np.ndarray, ...], ...]]
    params: Mapping[int, np.ndarray]
    side: int = 280

    def draw(self, digits: Sequence[int], rng: np.random.Generator) -> WriterSamples:
        """One sample of each digit in ``digits`` (in that order), drawn with
        this writer's habits and ``rng`` for the per-sample variation."""
        pen = pen_px(self.pen_ref, self.side)
        images, strokes, canvases = [], [], []
        for digit in digits:
            pool = self.exemplars[int(digit)]
            lines = list(pool[int(rng.integers(len(pool)))])
            u = self.params[int(digit)] + rng.uniform(-_JITTER, _JITTER, _N_PARAMS)
            lines = _jitter(restyle(lines, digit, self.styles[int(digit)], u), self.aspect, rng)
            height = float(np.clip(self.height * rng.uniform(0.9, 1.1), 0.3, 0.95))
            placed = place(lines, self.side, pen, height, self.slant + rng.uniform(-0.03, 0.03),
                           rng)
            canvas = draw(placed, self.side, pen)
            images.append(to_model_input(canvas))
            canvases.append(canvas)
            strokes.append([np.clip(np.stack([p[:, 1], p[:, 0]], 1) / self.side, 0, 1)
                            .astype(np.float32) for p in placed])
        return WriterSamples(np.stack(images).astype(np.float32) if images else
                             np.zeros((0, 1, 28, 28), np.float32),
                             np.asarray(digits, np.int64).reshape(-1), strokes,
                             np.stack(canvases) if canvases else
                             np.zeros((0, self.side, self.side), np.uint8))

    def samples(self, per_digit: int, seed: int = 0) -> WriterSamples:
        """``per_digit`` samples of every digit 0-9 (0, 1, ..., 9, 0, 1, ...),
        their variation seeded by ``(writer seed, seed)``."""
        digits = np.tile(np.arange(10), int(per_digit))
        return self.draw(digits, np.random.default_rng([self.seed, 1, int(seed)]))


def _jitter(lines: list[np.ndarray], aspect: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Rotate by +-4 degrees and scale the width by ``aspect`` x U(0.94, 1.06)
    about the strokes' centre (row, col)."""
    allp = np.concatenate(lines, 0)
    c = (allp.min(0) + allp.max(0)) / 2
    a = np.deg2rad(rng.uniform(-4, 4))
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    m = m @ np.diag([1.0, aspect * rng.uniform(0.94, 1.06)])
    return [(p - c) @ m.T + c for p in lines]


def load_style_source(data_dir=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST training digits ``(60000, 28, 28)`` uint8 and labels ``(60000,)``
    from the usual data folder (:func:`engine.data.mnist.resolve_data_dir`)."""
    from .idx import load_split
    from .mnist_files import resolve_data_dir
    return load_split(resolve_data_dir(data_dir), "train")


def _pick_exemplars(images, labels, digit: int, pool: int, rng) -> tuple[tuple[np.ndarray, ...], ...]:
    """``pool`` stroke sets of random MNIST ``digit`` images that thin into
    1-3 strokes (broken skeletons of faint scans are skipped)."""
    candidates = rng.permutation(np.flatnonzero(labels == digit))[:max(4 * pool, 8)]
    picked = []
    for lines in extract_strokes(np.asarray(images)[candidates]):
        if 1 <= len(lines) <= 3 and sum(len(p) for p in lines) >= 3:
            picked.append(tuple(lines))
        if len(picked) == pool:
            break
    if not picked:
        raise ValueError(f"no usable MNIST {digit} among {len(candidates)} candidates")
    return tuple(picked)


def synthetic_writer(seed: int, *, styles: str | Mapping[int, str] = "random",
                     source: tuple[np.ndarray, np.ndarray] | None = None,
                     pool: int = 5, side: int = 280) -> Writer:
    """A consistent synthetic writer (see the module docstring).

    :param seed: everything about the writer follows from it
    :param styles: ``"random"`` (each digit that has variants uses one with
        probability 1/2), ``"all"`` (the first variant of every digit in
        :data:`STYLES`), ``"plain"`` (MNIST's ways), or ``{digit: style}`` (the
        digits not named are plain)
    :param source: ``(images (N, 28, 28) uint8, labels (N,))`` to take
        exemplars from; None: the MNIST training set (:func:`load_style_source`)
    :param pool: MNIST exemplars per digit
    :param side: canvas side in pixels
    """
    rng = np.random.default_rng([int(seed), 0])
    if isinstance(styles, str):
        if styles not in ("random", "all", "plain"):
            raise ValueError(f"styles must be random, all, plain or a mapping, got {styles!r}")
        chosen = {d: "plain" for d in range(10)}
        for d, variants in STYLES.items():
            if styles == "all" or (styles == "random" and rng.random() < 0.5):
                chosen[d] = variants[int(rng.integers(len(variants)))] if styles == "random" \
                    else variants[0]
    else:
        chosen = {d: str(styles.get(d, "plain")) for d in range(10)}
        for d, s in chosen.items():
            restyle([np.zeros((2, 2))], d, s, np.zeros(_N_PARAMS))   # raises for unknown styles
    images, labels = load_style_source() if source is None else source
    labels = np.asarray(labels)
    return Writer(
        seed=int(seed), styles=chosen, slant=float(rng.uniform(-0.2, 0.2)),
        pen_ref=float(rng.uniform(14, 36)), height=float(rng.uniform(0.45, 0.85)),
        aspect=float(rng.uniform(0.85, 1.15)),
        exemplars={d: _pick_exemplars(images, labels, d, pool, rng) for d in range(10)},
        params={d: rng.random(_N_PARAMS) for d in range(10)}, side=int(side))

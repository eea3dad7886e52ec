"""Offline proxy of "real pen-drawn digits replayed into the canvas".

MNIST test digits are turned into pen strokes
(:func:`engine.data.pen_strokes.extract_strokes`), re-drawn with a round pen
the way the app's canvas draws a mouse stroke (:mod:`engine.data.pen_render`:
slant, digit height, pen width, position) and go through
:func:`engine.data.preprocess.to_model_input` and the model, exactly as a
drawing does in the app.

Pen widths are the app's *reference pixels* (the brush slider: pixels of a
280 px canvas, scaled with the side), so a 25 px pen on the 400 px canvas is
35.7 device pixels. The default brush is 25 px (8.9 % of the side).

Reported on ``--n`` digits (a fixed random subset of the test set):

* the original MNIST digits, fed directly and through ``to_model_input``
  after 10x nearest upsampling (the renderer-free baseline);
* a renderer control: the strokes at the digit's own MNIST scale and position
  on a 280 px canvas, with a per-digit pen matching its MNIST stroke width
  (what the thinning and the round pen alone cost);
* the grid (``--grid full``): canvas {280, 400} x pen {12, 25, 40} x digit
  height {35, 50, 65, 80, 90} % of the side (``small``: 280 px only);
* the realistic mix: height ~ U(40 %, 85 %), default pen, random position,
  on both canvases, and once more with the height measured on the pen path
  (centre-line) instead of the ink, i.e. strokes ~10 % thinner;
* the most common confusions on the 280 px mix, how many of its mistakes the
  control makes too (stroke reconstruction or ambiguous digits, not size,
  pen or slant), and a contact sheet of its failures (``--failures PNG``:
  canvas, model input, true label green, prediction red; most confident
  mistakes first).

Each condition draws its heights and positions from a seed derived from its
name, so a line's numbers do not depend on which other conditions run;
slants are per digit, shared by all conditions. Known limit: the control
(98.7 % on 2000 digits, against 99.8 % for the originals) is the floor
the reconstruction sets: faint MNIST strokes break apart when binarised and
filled-in loops cannot be recovered; the proxy is pessimistic by about that.

``--preprocess module:function`` (repeatable, same signature as
``to_model_input``) adds a column computed on the very same canvases;
``--width-stats`` adds the median stroke width of the model input
(:func:`engine.data.pen_strokes.stroke_width`). That the NumPy pen matches the
app's QPainter is checked by ``tests/gui/drawing/test_pen_render_matches_canvas.py``.

Python: ``for report in replay(images, labels, slants, model): ...`` or
``measure(...)`` for the JSON dict. Command line (one BLAS thread, ~5 ms per
canvas; ``--grid none --n 300`` takes a few seconds)::

    python -m engine.tools.stroke_replay --n 2000 --failures /tmp/failures.png
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

from .. import load_model
from ..data.mnist import MnistError, load_mnist, resolve_data_dir
from ..data.pen_render import DEFAULT_PEN, draw, pen_px, place, random_slants
from ..data.pen_strokes import extract_strokes, stroke_width
from ..data.preprocess import to_model_input
from ..system.runtime import blas_threads
from .contact_sheet import contact_sheet, write_png

#: ``fn(canvas (H, W) uint8) -> (1, 28, 28) float32 or None``, like to_model_input.
Preprocess = Callable[[np.ndarray], np.ndarray | None]
GRID_HEIGHTS = (0.35, 0.5, 0.65, 0.8, 0.9)
GRID_PENS = (12.0, 25.0, 40.0)
MIX_HEIGHTS = (0.40, 0.85)
DIRECT = "MNIST original (direct)"


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Condition:
    """One way of drawing every digit: canvas ``side`` px, pen ``pen_ref``
    reference px, ``height`` a fraction of the side, or a (lo, hi) range drawn
    per digit when ``mix``; ``path_height``: the height is that of the pen
    path (centre-line) instead of the ink (path + pen width)."""

    name: str
    side: int
    pen_ref: float
    height: float | tuple[float, float]
    mix: bool = False
    path_height: bool = False

    @property
    def seed(self) -> int:
        """Derived from the name: same digits, same draw whatever else runs."""
        return zlib.crc32(self.name.encode())

    def canvas(self, lines: list[np.ndarray], slant: float, seed: int, i: int) -> np.ndarray:
        """Digit ``i`` (strokes in MNIST px) drawn -> ``(side, side)`` uint8;
        deterministic in ``(seed, self.seed, i)``."""
        pen = pen_px(self.pen_ref, self.side)
        rng = np.random.default_rng([seed, self.seed, i])
        h = rng.uniform(*self.height) if self.mix else self.height
        if self.path_height:
            h += pen / self.side
        return draw(place(lines, self.side, pen, h, slant, rng), self.side, pen)


def grid_conditions(grid: str) -> list[Condition]:
    """``"full"``: 280 and 400 px canvases; ``"small"``: 280 px; ``"none"``: []."""
    sides = {"full": (280, 400), "small": (280,), "none": ()}[grid]
    return [Condition(f"{side}px pen {pen:g} height {int(h * 100)}%", side, pen, h)
            for side in sides for pen in GRID_PENS for h in GRID_HEIGHTS]


def mix_conditions() -> list[Condition]:
    """The realistic mix; the first one is analysed for mistakes."""
    mixes = [Condition(f"MIX {side}px pen 25 height U(40,85)%", side, DEFAULT_PEN, MIX_HEIGHTS, mix=True)
             for side in (280, 400)]
    mixes.append(Condition("mix, path height U(40,85)%, 280px", 280, DEFAULT_PEN, MIX_HEIGHTS,
                           mix=True, path_height=True))
    return mixes


def _preprocess_all(canvases: Iterator[np.ndarray], n: int,
                    preprocs: Mapping[str, Preprocess]) -> dict[str, np.ndarray]:
    """Canvases -> ``{column: (n, 1, 28, 28) float32}`` (zeros where a function returned None)."""
    xs = {name: np.zeros((n, 1, 28, 28), np.float32) for name in preprocs}
    for i, canvas in enumerate(canvases):
        for name, fn in preprocs.items():
            y = fn(canvas)
            if y is not None:
                xs[name][i] = y
    return xs


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class ConditionResult:
    """One table row: accuracy in [0, 1] per preprocessing column; the median
    model-input stroke width (px) per column when width stats were asked."""

    name: str
    accuracy: dict[str, float]
    width_median: dict[str, float]


@dataclass(frozen=True)
class StrokesExtracted:
    """The digits' pen strokes (MNIST px, per digit a list of ``(n, 2)``
    polylines) and the time taken to extract them."""

    strokes: list
    seconds: float


@dataclass(frozen=True)
class MixSummary:
    """Mistakes of the first mix condition with ``to_model_input``.
    ``confusions``: (true, predicted, count), the 10 most common; ``mistakes``:
    indices into the measured digits, most confident first; ``inputs``: their
    model inputs ``(M, 1, 28, 28)``, same order; ``predicted``: ``(N,)``
    predictions for all digits; ``shared_with_control``: mistakes the control
    makes too."""

    condition: Condition
    confusions: list[tuple[int, int, int]]
    mistakes: np.ndarray
    inputs: np.ndarray
    predicted: np.ndarray
    shared_with_control: int


Report = ConditionResult | StrokesExtracted | MixSummary


def _predict(model, x: np.ndarray) -> np.ndarray:
    """``(N, 1, 28, 28)`` -> ``(N, 10)`` probabilities, in batches of 500."""
    return np.concatenate([model.predict_proba(x[i:i + 500]) for i in range(0, len(x), 500)])


def replay(images: np.ndarray, labels: np.ndarray, slants: np.ndarray, model, *, seed: int = 0,
           grid: str = "full", preprocs: Mapping[str, Preprocess] | None = None,
           width_stats: bool = False) -> Iterator[Report]:
    """Measure every condition, yielding a report as each finishes.

    ``images: (N, 28, 28)`` uint8 MNIST digits, ``labels: (N,)`` int,
    ``slants: (N,)`` per-digit slants (:func:`sample`), ``model`` with
    ``predict_proba``; ``preprocs`` default to ``{"to_model_input": ...}``
    and must include it. Yields ``ConditionResult`` rows (direct, 10x
    nearest), ``StrokesExtracted``, rows for the control, the grid and the
    mixes, then one ``MixSummary``. Run inside ``blas_threads(1)`` for speed.
    """
    preprocs = dict(preprocs or {"to_model_input": to_model_input})
    labels = np.asarray(labels).astype(np.int64)
    n = len(labels)

    def row(name: str, xs: dict[str, np.ndarray]) -> ConditionResult:
        acc = {p: float((_predict(model, x).argmax(1) == labels).mean()) for p, x in xs.items()}
        widths = ({p: float(np.median(stroke_width(x))) for p, x in xs.items()} if width_stats else {})
        return ConditionResult(name, acc, widths)

    raw = images.astype(np.float32)[:, None] / 255.0  # (N, 1, 28, 28)
    direct = float((_predict(model, raw).argmax(1) == labels).mean())
    yield ConditionResult(DIRECT, {"direct": direct}, {})
    big = (np.kron(im, np.ones((10, 10), np.uint8)) for im in images)  # (280, 280) each
    yield row("MNIST 10x nearest -> preprocess", _preprocess_all(big, n, preprocs))

    t0 = time.time()
    strokes = extract_strokes(images)
    yield StrokesExtracted(strokes, time.time() - t0)

    # Renderer control: strokes at their own MNIST place and scale (x10), pen = the
    # digit's own MNIST stroke width x10 (2*area/perimeter of the >0.5 mask, times
    # pi/4 to undo the 4-neighbour perimeter's overcount of slanted edges).
    own_w = stroke_width(raw) * 4.0 / np.pi
    control = (draw([p * 10.0 for p in lines], 280, 10.0 * own_w[i]) for i, lines in enumerate(strokes))
    xs = _preprocess_all(control, n, preprocs)
    yield row("control: MNIST place, own width", xs)
    control_ok = _predict(model, xs["to_model_input"]).argmax(1) == labels

    mixes = mix_conditions()
    mix_x = None
    for cond in grid_conditions(grid) + mixes:
        canvases = (cond.canvas(lines, slants[i], seed, i) for i, lines in enumerate(strokes))
        xs = _preprocess_all(canvases, n, preprocs)
        yield row(cond.name, xs)
        if cond is mixes[0]:
            mix_x = xs["to_model_input"]

    prob = _predict(model, mix_x)
    pred = prob.argmax(1)
    wrong = np.flatnonzero(pred != labels)
    top = Counter(zip(labels[wrong].tolist(), pred[wrong].tolist())).most_common(10)  # ties: first seen first
    order = wrong[np.argsort(-prob[wrong].max(1))]  # most confident mistakes first
    yield MixSummary(mixes[0], [(a, b, c) for (a, b), c in top], order, mix_x[order], pred,
                     int((~control_ok[wrong]).sum()))


def sample(n_test: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The measured subset: ``(n,)`` sorted test-set indices and ``(n,)`` slants."""
    rng = np.random.default_rng(seed)
    sel = np.sort(rng.choice(n_test, n, replace=False))
    return sel, random_slants(rng, n)


def to_json(reports: Sequence[Report], n: int, seed: int, selected: np.ndarray | None = None) -> dict:
    """All numbers of a run as one JSON-able dict (``selected``: the test-set
    indices of the measured digits, to name the mix failures)."""
    out: dict = {"n": n, "seed": seed, "conditions": {}}
    for r in reports:
        if isinstance(r, ConditionResult) and r.name == DIRECT:
            out["conditions"]["mnist_direct"] = {"accuracy": r.accuracy["direct"]}
        elif isinstance(r, ConditionResult):
            out["conditions"][r.name] = {
                p: {"accuracy": a, **({"width_median": r.width_median[p]} if p in r.width_median else {})}
                for p, a in r.accuracy.items()}
        elif isinstance(r, MixSummary):
            idx = np.sort(r.mistakes)
            idx = idx if selected is None else np.asarray(selected)[idx]
            out["mix_confusions"] = [list(c) for c in r.confusions]
            out["mix_mistakes_shared_with_control"] = r.shared_with_control
            out["mix_failures"] = [int(i) for i in idx]
    return out


def measure(images: np.ndarray, labels: np.ndarray, model=None, *, seed: int = 0, grid: str = "none",
            **kw) -> dict:
    """``replay`` with random slants from ``seed``, one BLAS thread, collected
    by :func:`to_json`: ``result["conditions"][name][column]["accuracy"]``."""
    slants = random_slants(np.random.default_rng(seed), len(labels))
    with blas_threads(1):
        reports = list(replay(images, labels, slants, model or load_model(), seed=seed, grid=grid, **kw))
    return to_json(reports, len(labels), seed)


# --------------------------------------------------------------------------- command line


def format_report(r: Report) -> str:
    """One printed line (or two, for the mix summary)."""
    if isinstance(r, StrokesExtracted):
        return f"(strokes extracted in {r.seconds:.1f} s)"
    if isinstance(r, ConditionResult):
        cells = [f"{100 * a:6.2f}" + (f" (w {r.width_median[p]:.2f})" if p in r.width_median else "")
                 for p, a in r.accuracy.items()]
        return f"| {r.name:<34} | " + " | ".join(cells) + " |"
    n_wrong = len(r.mistakes)
    return ("most common mistakes on the 280 px mix (true -> predicted: count): "
            + ", ".join(f"{a}->{b}: {c}" for a, b, c in r.confusions) + "\n"
            + f"{n_wrong} mistakes on the 280 px mix, {r.shared_with_control} of them also made on the "
            f"control (stroke reconstruction / ambiguous digit), {n_wrong - r.shared_with_control} "
            "specific to size/pen/slant")


def _int_at_least(lo: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {value}")
        return value
    return parse


def _preprocess_fn(spec: str) -> tuple[str, Preprocess]:
    """``module:function`` (function defaults to ``to_model_input``) -> (spec, callable)."""
    mod, _, fn = spec.partition(":")
    try:
        f = getattr(importlib.import_module(mod), fn or "to_model_input")
    except (ImportError, AttributeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"cannot load {spec!r}: {exc}") from None
    if not callable(f):
        raise argparse.ArgumentTypeError(f"{spec!r} is not callable")
    return spec, f


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m engine.tools.stroke_replay",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="folder with the MNIST IDX files (default: $CNN_PLAYGROUND_DATA, else the "
                         "per-user cache; never downloads: run 'python -m engine download' first)")
    ap.add_argument("--model", type=Path, default=None, help="model file (default: the bundled one)")
    ap.add_argument("--n", type=_int_at_least(1), default=2000,
                    help="number of MNIST test digits (default 2000, at most 10000)")
    ap.add_argument("--seed", type=_int_at_least(0), default=0, help="digit subset, slants, heights, positions")
    ap.add_argument("--grid", choices=["full", "small", "none"], default="full",
                    help="size x pen grid: both canvases, 280 px only, or none (default full)")
    ap.add_argument("--preprocess", type=_preprocess_fn, action="append", default=[], metavar="MODULE:FUNCTION",
                    help="extra preprocessing function to compare (repeatable)")
    ap.add_argument("--width-stats", action="store_true", help="median model-input stroke width per condition")
    ap.add_argument("--failures", type=Path, default=None, metavar="PNG",
                    help="contact sheet of the failures on the 280 px mix")
    ap.add_argument("--json", type=Path, default=None, help="write all numbers to this JSON file")
    return ap


def run(args: argparse.Namespace) -> int:
    t_start = time.time()
    data = load_mnist(resolve_data_dir(args.data_dir), download=False, progress=False)
    n = min(args.n, len(data.test_labels))
    sel, slants = sample(len(data.test_labels), n, args.seed)
    images, labels = np.asarray(data.test_images[sel]), np.asarray(data.test_labels[sel]).astype(np.int64)
    model = load_model(args.model)
    preprocs = {"to_model_input": to_model_input, **dict(args.preprocess)}
    reports = []
    with blas_threads(1):
        print(f"{n} MNIST test digits (seed {args.seed}); columns: " + ", ".join(preprocs))
        print("| condition | " + " | ".join(preprocs) + " |")
        for r in replay(images, labels, slants, model, seed=args.seed, grid=args.grid, preprocs=preprocs,
                        width_stats=args.width_stats):
            reports.append(r)
            print(format_report(r), flush=True)
        if args.failures:
            strokes = next(r.strokes for r in reports if isinstance(r, StrokesExtracted))
            mix = next(r for r in reports if isinstance(r, MixSummary))
            order = mix.mistakes
            canvases = [mix.condition.canvas(strokes[i], slants[i], args.seed, i) for i in order]
            write_png(args.failures, contact_sheet(canvases, mix.inputs, labels[order], mix.predicted[order]))
            print(f"failure sheet ({len(order)} digits): {args.failures}")
    print(f"(total {time.time() - t_start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(to_json(reports, n, args.seed, sel), indent=1))
    return 0


def main(argv=None) -> int:
    """Command line; usage errors exit 2, runtime errors print one line and exit 1."""
    ap = build_parser()
    args = ap.parse_args(argv)
    for opt in ("failures", "json"):
        path = getattr(args, opt)
        if path is not None and not path.parent.is_dir():
            ap.error(f"--{opt}: folder {path.parent} does not exist")
    try:
        return run(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (MnistError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

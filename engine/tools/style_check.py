"""Accuracy on digits written in the world's styles, drawn through the
canvas path, from MNIST *test* digits only.

The test set (:func:`build_style_test`) is made the way a drawing reaches
the network: strokes (:func:`engine.data.pen_strokes.extract_strokes`),
re-drawn with a round pen at a writer's size, slant, aspect and pen width on
a 280 px canvas and framed by ``to_model_input``
(:func:`engine.data.style_mix.draw_digit`). Sets (accuracy = share of the
set's digits whose most probable class is the label):

* ``MNIST test (direct)`` - the 10,000 test digits as they are;
* ``pen, plain`` - ``n_plain`` test digits re-drawn in MNIST's own way (the
  general canvas gap, like ``python -m engine.tools.stroke_replay``);
* one set per style (``1 flag``, ``7 bar``, ``0 slash``, ...,
  :data:`engine.data.writer_styles.VARIANTS`) - ``n_style`` test digits of
  that class re-written in it; ``styles, all`` pools them;
* ``writers`` - ``writers`` synthetic writers
  (:func:`engine.data.writer_styles.synthetic_writer`, ``styles="random"``:
  each digit with variants written in one with probability 1/2) with seeds
  from :data:`WRITER_SEED` on and exemplars picked from the *test* digits,
  ``per_digit`` samples of each digit; ``worst writer`` is the lowest of
  their accuracies (each over ``10 * per_digit`` digits).

Honesty: the training mix (:mod:`engine.data.style_mix`) reads only MNIST's
training images and never uses synthetic writers; everything here comes from
the test images. The test digits per set are a fixed seeded draw.

Command line (one BLAS thread, ~30 s to build with the defaults)::

    python -m engine.tools.style_check --model /tmp/old.npz --model assets/model.npz
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .. import load_model
from ..data.mnist import MnistError, load_mnist
from ..data.pen_strokes import extract_strokes
from ..data.style_mix import draw_digit
from ..data.writer_styles import VARIANTS, restyle, synthetic_writer
from ..system.command_line import strict_json
from ..system.runtime import blas_threads

#: Synthetic test writers have seeds WRITER_SEED, WRITER_SEED + 1, ...
WRITER_SEED = 90_000
MNIST = "MNIST test (direct)"
PLAIN = "pen, plain"
ALL_STYLES = "styles, all"
WRITERS = "writers"
WORST = "worst writer"


@dataclass(frozen=True)
class StyleSet:
    """A named test set: ``images (n, 1, 28, 28)`` float32 in [0, 1],
    ``labels (n,)`` int64, and per digit the ``group`` it counts in (a writer
    number, or -1)."""
    name: str
    images: np.ndarray
    labels: np.ndarray
    group: np.ndarray


def _drawn(images: np.ndarray, labels: np.ndarray, idx: np.ndarray, style: str | None,
           rng: np.random.Generator) -> tuple[list[np.ndarray], list[int]]:
    """Test digits ``idx`` re-drawn (``style``: a variant, or None for plain)."""
    xs, ys = [], []
    for i, lines in zip(idx, extract_strokes(images[idx])):
        if not lines:
            continue
        digit = int(labels[i])
        if style is not None:
            lines = restyle(lines, digit, style, rng.random(4))
        x = draw_digit(lines, rng)
        if x is not None:
            xs.append(x)
            ys.append(digit)
    return xs, ys


def _as_set(name: str, xs: list[np.ndarray], ys: list[int], group=None) -> StyleSet:
    images = np.stack(xs).astype(np.float32) if xs else np.zeros((0, 1, 28, 28), np.float32)
    labels = np.asarray(ys, np.int64)
    return StyleSet(name, images, labels,
                    np.full(len(labels), -1, np.int64) if group is None else np.asarray(group))


def build_style_test(images: np.ndarray, labels: np.ndarray, *, n_plain: int = 2000,
                     n_style: int = 300, writers: int = 30, per_digit: int = 5,
                     seed: int = 0) -> list[StyleSet]:
    """The sets of the module docstring (without the direct MNIST one) from
    MNIST *test* ``images (N, 28, 28)`` uint8 and ``labels (N,)``."""
    images, labels = np.asarray(images), np.asarray(labels).astype(np.int64)
    rng = np.random.default_rng([int(seed), 15])
    sets = [_as_set(PLAIN, *_drawn(images, labels, rng.permutation(len(labels))[:n_plain],
                                   None, rng))]
    for digit, style in VARIANTS:
        idx = rng.permutation(np.flatnonzero(labels == digit))[:n_style]
        sets.append(_as_set(f"{digit} {style}", *_drawn(images, labels, idx, style, rng)))
    xs, ys, group = [], [], []
    for k in range(writers):
        w = synthetic_writer(WRITER_SEED + k, source=(images, labels))
        s = w.samples(per_digit, seed=int(seed))
        xs += list(s.images)
        ys += s.labels.tolist()
        group += [k] * len(s.labels)
    sets.append(_as_set(WRITERS, xs, ys, group))
    return sets


def _predict(model, x: np.ndarray, chunk: int = 500) -> np.ndarray:
    if not len(x):
        return np.zeros(0, np.int64)
    return np.concatenate([model.predict_proba(x[i:i + chunk]).argmax(1)
                           for i in range(0, len(x), chunk)])


def accuracy_table(models: Mapping[str, object], sets: Sequence[StyleSet]) -> dict:
    """``{set name: {"n": count, model name: accuracy}}`` for every set, plus
    ``styles, all`` (every style set pooled) and ``worst writer`` (the lowest
    per-writer accuracy of the ``writers`` set, ``n`` = digits per writer).
    ``models``: name -> anything with ``predict_proba(x) -> (n, classes)``;
    an empty set's accuracy is NaN (null in ``--json``)."""
    table: dict[str, dict] = {}
    pooled = {name: [0, 0] for name in models}
    for s in sets:
        row: dict = {"n": int(len(s.labels))}
        for name, model in models.items():
            right = _predict(model, s.images) == s.labels
            row[name] = float(right.mean()) if len(right) else float("nan")
            if s.name not in (PLAIN, WRITERS, MNIST):
                pooled[name][0] += int(right.sum())
                pooled[name][1] += len(right)
            if s.name == WRITERS and len(right):
                per = [right[s.group == g].mean() for g in np.unique(s.group)]
                table.setdefault(WORST, {"n": int(len(right) // len(per))})[name] = float(min(per))
        table[s.name] = row
    styled = [s for s in sets if s.name not in (PLAIN, WRITERS, MNIST)]
    if styled:
        table[ALL_STYLES] = {"n": sum(len(s.labels) for s in styled),
                             **{name: r / max(n, 1) for name, (r, n) in pooled.items()}}
    if WORST in table:      # keep it after the writers row
        table[WORST] = table.pop(WORST)
    return table


def format_table(table: Mapping[str, Mapping], names: Sequence[str]) -> str:
    """The table as aligned text, one row per set, one column per model."""
    width = max(len(k) for k in table) + 2
    head = "set".ljust(width) + "n".rjust(6) + "".join(f"{n[-24:]:>26}" for n in names)
    lines = [head, "-" * len(head)]
    for key, row in table.items():
        lines.append(key.ljust(width) + f"{row['n']:>6}" +
                     "".join(f"{100 * row[n]:>25.2f}%" for n in names))
    return "\n".join(lines)


def _model_names(paths: Sequence[Path | None]) -> list[str]:
    names = [str(p) if p is not None else "bundled" for p in paths]
    if len(set(names)) == len(names):
        return names
    return [f"{i + 1}: {n}" for i, n in enumerate(names)]


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m engine.tools.style_check", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, action="append", default=None,
                    help="a model file (repeatable; default: the bundled model)")
    ap.add_argument("--n-plain", type=int, default=2000, help="plain re-drawn test digits")
    ap.add_argument("--n-style", type=int, default=300, help="test digits per style")
    ap.add_argument("--writers", type=int, default=30, help="synthetic test writers")
    ap.add_argument("--per-digit", type=int, default=5, help="samples of each digit per writer")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="folder with the MNIST IDX files")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    return ap


def run(args: argparse.Namespace) -> int:
    paths = args.model or [None]
    models = {n: load_model(p) for n, p in zip(_model_names(paths), paths)}
    data = load_mnist(args.data_dir, download=False)
    with blas_threads(1):
        sets = [StyleSet(MNIST, data.test_images[:, None].astype(np.float32) / 255,
                         np.asarray(data.test_labels, np.int64),
                         np.full(len(data.test_labels), -1, np.int64))]
        sets += build_style_test(data.test_images, data.test_labels, n_plain=args.n_plain,
                                 n_style=args.n_style, writers=args.writers,
                                 per_digit=args.per_digit, seed=args.seed)
        table = accuracy_table(models, sets)
    if args.json:
        print(strict_json({"models": list(models), "table": table}, indent=2))
    else:
        print(format_table(table, list(models)))
    return 0


def main(argv=None) -> int:
    """Command line; runtime errors print one line and exit 1."""
    args = build_parser().parse_args(argv)
    for name in ("n_plain", "n_style", "writers", "per_digit"):
        if getattr(args, name) < 0:
            build_parser().error(f"--{name.replace('_', '-')} must be >= 0")
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

"""MNIST training digits re-drawn as pen drawings, some in the styles MNIST
lacks, to mix into the training set (pure NumPy).

Real drawings differ from MNIST in ways the per-batch augmentation
(:mod:`engine.data.augment`: thickness, rotation, isotropic scale, shear,
shift, elastic) only partly covers: a constant-width round pen, the width
relative to the digit, the aspect ratio, the writer's slant, the framing by
:func:`engine.data.preprocess.to_model_input` (crop, 20 px box, centre of
mass), and styles such as a crossed 7 or a flagged 1
(:mod:`engine.data.writer_styles`). So a share of the training set is made of
MNIST *training* digits turned into strokes
(:func:`engine.data.pen_strokes.extract_strokes`), optionally re-styled,
and drawn through the same path as a canvas drawing (:func:`draw_digit`):

* per digit, independently: slant ``U(-0.2, 0.2)`` (shear, col per row),
  pen ``U(14, 36)`` reference px (the app's brush unit, default 25), ink
  height ``U(40, 90) %`` of a 280 px canvas, width ``x U(0.8, 1.2)``
  (aspect), rotation ``U(-5, 5)`` degrees, a random position;
* a digit with variants (:data:`engine.data.writer_styles.STYLES`: 0, 1, 2,
  4, 7, 9) is re-styled with probability ``styled_share`` (default
  :data:`STYLED_SHARE`), its variant uniform among the digit's variants and
  its four style parameters ``U(0, 1)``.

Only the training images are ever read: :func:`with_pen_digits` takes the
:class:`~engine.data.dataset.Dataset`'s ``train_images``/``train_labels``
and leaves its test split as it is. Everything follows from ``seed``.
Cost: about 3 ms per digit on one core (2 ms stroke extraction, 1 ms pen and
framing), so 15,000 digits take ~45 s, made once before training and held as
uint8 (0.8 KB each).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .dataset import Dataset
from .pen_render import draw, pen_px, place
from .pen_strokes import extract_strokes
from .preprocess import to_model_input
from .writer_styles import STYLES, restyle

__all__ = ["STYLED_SHARE", "PenDigits", "draw_digit", "pen_digits", "with_pen_digits"]

#: Share of the re-drawn digits with variants (0, 1, 2, 4, 7, 9) that are re-styled.
STYLED_SHARE = 0.5
SIDE = 280
SLANT = (-0.2, 0.2)
PEN_REF = (14.0, 36.0)
HEIGHT = (0.40, 0.90)
ASPECT = (0.8, 1.2)
ROTATION = 5.0


@dataclass(frozen=True)
class PenDigits:
    """Re-drawn digits: ``images (n, 28, 28)`` uint8 (``to_model_input`` x 255,
    rounded), ``labels (n,)`` int64, ``styles`` per digit (``"plain"`` or a
    variant name), ``source (n,)`` int64 the index of the training image each
    was drawn from."""
    images: np.ndarray
    labels: np.ndarray
    styles: tuple[str, ...]
    source: np.ndarray


def draw_digit(lines: list[np.ndarray], rng: np.random.Generator,
               side: int = SIDE) -> np.ndarray | None:
    """Strokes ``(n, 2)`` (row, col, MNIST px) drawn as a random writer would
    on a ``side`` px canvas (slant, pen, height, aspect, rotation, position:
    the ranges of the module docstring; seven ``rng`` draws, then two in
    :func:`~engine.data.pen_render.place`) and framed by ``to_model_input``
    -> ``(1, 28, 28)`` float32 in [0, 1], or None (no ink)."""
    slant, pen_ref = rng.uniform(*SLANT), rng.uniform(*PEN_REF)
    height, aspect = rng.uniform(*HEIGHT), rng.uniform(*ASPECT)
    angle = np.deg2rad(rng.uniform(-ROTATION, ROTATION))
    allp = np.concatenate(lines, 0)
    c = (allp.min(0) + allp.max(0)) / 2
    m = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    m = m @ np.diag([1.0, aspect])
    lines = [(p - c) @ m.T + c for p in lines]
    pen = pen_px(pen_ref, side)
    canvas = draw(place(lines, side, pen, height, slant, rng), side, pen)
    return to_model_input(canvas)


def pen_digits(images: np.ndarray, labels: np.ndarray, n: int, *, seed: int = 0,
               styled_share: float = STYLED_SHARE, side: int = SIDE) -> PenDigits:
    """``n`` digits re-drawn from random ``images (N, 28, 28)`` uint8 with
    ``labels (N,)`` (distinct images while ``n`` allows; digits whose strokes
    cannot be traced are skipped and replaced by the next candidates)."""
    if not 0.0 <= styled_share <= 1.0:
        raise ValueError(f"styled_share must be in [0, 1], got {styled_share!r}")
    images, labels = np.asarray(images), np.asarray(labels).astype(np.int64)
    rng = np.random.default_rng([int(seed), 14])
    out, out_labels, styles, source = [], [], [], []
    order = rng.permutation(len(labels))
    pos = 0
    while len(out) < n and len(labels):
        take = order[pos % len(order):pos % len(order) + min(500, 2 * (n - len(out)) + 8)]
        pos += len(take)
        for i, lines in zip(take, extract_strokes(images[take])):
            if len(out) == n:
                break
            digit = int(labels[i])
            variants = STYLES.get(digit, ())
            style = "plain"
            if variants and rng.random() < styled_share:
                style = variants[int(rng.integers(len(variants)))]
            if not lines or sum(len(p) for p in lines) < 2:
                continue
            x = draw_digit(restyle(lines, digit, style, rng.random(4)), rng, side)
            if x is None:
                continue
            out.append(np.round(x[0] * 255).astype(np.uint8))
            out_labels.append(digit)
            styles.append(style)
            source.append(int(i))
        if pos > 4 * len(labels) + n:      # nothing traceable: stop rather than loop
            break
    return PenDigits(np.stack(out) if out else np.zeros((0, 28, 28), np.uint8),
                     np.asarray(out_labels, np.int64), tuple(styles), np.asarray(source, np.int64))


def with_pen_digits(data: Dataset, fraction: float, *, seed: int = 0,
                    styled_share: float = STYLED_SHARE) -> tuple[Dataset, PenDigits]:
    """``data`` with ``round(fraction * len(train))`` re-drawn training digits
    appended to its training split (the test split is the same arrays), and
    those digits. ``fraction`` 0 returns ``data`` itself and no digits."""
    if not 0.0 <= fraction <= 10.0:
        raise ValueError(f"fraction must be in [0, 10], got {fraction!r}")
    n = int(round(fraction * len(data.train_labels)))
    extra = pen_digits(data.train_images, data.train_labels, n, seed=seed,
                       styled_share=styled_share)
    if n == 0:
        return data, extra
    return replace(data, train_images=np.concatenate([np.asarray(data.train_images), extra.images]),
                   train_labels=np.concatenate([np.asarray(data.train_labels).astype(np.int64),
                                                extra.labels])), extra

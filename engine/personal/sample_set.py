"""A person's own digits: what the network saw, the label, the pen strokes.

:class:`PersonalSet` is **immutable**: every change (:meth:`~PersonalSet.add`,
:meth:`~PersonalSet.remove`, :meth:`~PersonalSet.relabel`,
:meth:`~PersonalSet.merge`) returns a new set and leaves the old one as it
was, and its arrays are read-only. A worker thread can fine-tune on one set
while the GUI makes the next; the owner simply keeps the newest.

A sample is

* ``image``: ``(1, 28, 28)`` float32 in [0, 1], exactly the output of
  :func:`engine.data.preprocess.to_model_input` for the drawing;
* ``label``: the digit 0-9 it shows;
* ``strokes``: the pen strokes, a tuple of ``(n, 2)`` float32 arrays of points
  ``(x, y)`` in canvas fractions (``(0, 0)`` top-left, ``(1, 1)``
  bottom-right), possibly empty; simplified when added (Ramer-Douglas-Peucker,
  :data:`STROKE_TOLERANCE` of the side: invisible, a tenth of the points);
* ``id``: the first 16 hex digits of the SHA-256 of the image's float32
  bytes: the same drawing has the same id in every set and file (that is how
  :meth:`~PersonalSet.merge` and :meth:`~PersonalSet.add` de-duplicate), and a
  relabelled sample keeps its id;
* ``added``: when it was added, seconds since 1970 (UTC).

Limits (also those of the file, :mod:`engine.personal.sample_file`):
:data:`MAX_SAMPLES` samples, :data:`MAX_STROKES_PER_SAMPLE` strokes and
:data:`MAX_POINTS_PER_SAMPLE` points per sample, :data:`MAX_POINTS` points in
all; going beyond raises :class:`PersonalSetError`.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..data.pen_strokes import rdp

__all__ = ["PersonalSet", "PersonalSample", "PersonalSetError", "content_id", "NUM_DIGITS",
           "MAX_SAMPLES", "MAX_STROKES_PER_SAMPLE", "MAX_POINTS_PER_SAMPLE", "MAX_POINTS",
           "STROKE_TOLERANCE", "MAX_TIME"]

NUM_DIGITS = 10
IMAGE_SHAPE = (1, 28, 28)
MAX_SAMPLES = 20_000
MAX_STROKES_PER_SAMPLE = 64
MAX_POINTS_PER_SAMPLE = 4_096
MAX_POINTS = 1_000_000
#: Stroke simplification tolerance, a fraction of the canvas side (0.5 px of 280).
STROKE_TOLERANCE = 0.5 / 280
#: Times after this (seconds since 1970: the year 3000) are refused.
MAX_TIME = 32_503_680_000.0


class PersonalSetError(ValueError):
    """A personal sample, set or file is malformed, unsafe or beyond the limits."""


def content_id(image: np.ndarray) -> str:
    """The id of a sample with this ``(1, 28, 28)`` image (see the module docstring)."""
    data = np.ascontiguousarray(np.asarray(image, np.float32) + np.float32(0.0))  # -0.0 -> 0.0
    return hashlib.sha256(data.astype("<f4", copy=False).tobytes()).hexdigest()[:16]


@dataclass(frozen=True)
class PersonalSample:
    """One sample (see the module docstring); arrays are read-only."""
    id: str
    image: np.ndarray
    label: int
    strokes: tuple[np.ndarray, ...]
    added: float


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def check_image(image) -> np.ndarray:
    """``image`` as a new read-only ``(1, 28, 28)`` float32 array; raises
    :class:`PersonalSetError` unless it has that shape (``(28, 28)`` is fine
    too) and finite values in [0, 1]."""
    x = np.array(image, dtype=np.float32, copy=True)
    if x.shape == IMAGE_SHAPE[1:]:
        x = x[None]
    if x.shape != IMAGE_SHAPE:
        raise PersonalSetError(f"a sample image must be (1, 28, 28), got {x.shape}")
    if not (np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0):
        raise PersonalSetError("a sample image must hold finite values in [0, 1]")
    return _frozen(x + np.float32(0.0))


def check_label(label) -> int:
    """``label`` as an int 0-9; :class:`PersonalSetError` otherwise."""
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) \
            or not 0 <= int(label) < NUM_DIGITS:
        raise PersonalSetError(f"a label must be a digit 0-9, got {label!r}")
    return int(label)


def check_strokes(strokes, simplify: bool = True) -> tuple[np.ndarray, ...]:
    """``strokes`` (point sequences ``[(x, y), ...]``) as read-only ``(n, 2)``
    float32 arrays, simplified when ``simplify``; :class:`PersonalSetError`
    for empty strokes, points outside [0, 1] or beyond the per-sample limits."""
    out = []
    for stroke in strokes:
        p = np.array(stroke, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0:
            raise PersonalSetError(f"a stroke must be (n, 2) points, n >= 1, got shape {p.shape}")
        if not (np.isfinite(p).all() and p.min() >= 0.0 and p.max() <= 1.0):
            raise PersonalSetError("stroke points must be finite canvas fractions in [0, 1]")
        out.append(_frozen((rdp(p, STROKE_TOLERANCE) if simplify else p).astype(np.float32)))
        if len(out) > MAX_STROKES_PER_SAMPLE:
            raise PersonalSetError(f"more than {MAX_STROKES_PER_SAMPLE} strokes in one sample")
    if sum(len(p) for p in out) > MAX_POINTS_PER_SAMPLE:
        raise PersonalSetError(f"more than {MAX_POINTS_PER_SAMPLE} stroke points in one sample")
    return tuple(out)


def check_time(added) -> float:
    """``added`` (None: now) as float seconds since 1970; :class:`PersonalSetError`
    unless finite, from 0 to :data:`MAX_TIME`."""
    t = time.time() if added is None else added
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, float, np.integer, np.floating)) \
            or not (np.isfinite(t) and 0.0 <= float(t) <= MAX_TIME):
        raise PersonalSetError(f"a sample time must be seconds since 1970, got {added!r}")
    return float(t)


class PersonalSet:
    """An immutable set of personal samples (see the module docstring).
    ``PersonalSet()`` is empty; build bigger ones with :meth:`add`, :meth:`merge`
    or :meth:`from_samples`."""

    __slots__ = ("_samples", "_index")

    def __init__(self, samples: Iterable[PersonalSample] = ()):
        kept: list[PersonalSample] = []
        index: dict[str, int] = {}
        points = 0
        for s in samples:
            if s.id in index:
                continue                    # the same drawing twice: keep the first
            index[s.id] = len(kept)
            kept.append(s)
            points += sum(len(p) for p in s.strokes)
        if len(kept) > MAX_SAMPLES:
            raise PersonalSetError(f"{len(kept)} samples, more than the limit of {MAX_SAMPLES:,}")
        if points > MAX_POINTS:
            raise PersonalSetError(f"{points:,} stroke points, more than the limit of {MAX_POINTS:,}")
        self._samples: tuple[PersonalSample, ...] = tuple(kept)
        self._index = index

    @staticmethod
    def make_sample(image, label, strokes: Sequence = (), added: float | None = None,
                    simplify: bool = True) -> PersonalSample:
        """A checked :class:`PersonalSample` (see :func:`check_image`,
        :func:`check_label`, :func:`check_strokes`, :func:`check_time`)."""
        x = check_image(image)
        return PersonalSample(content_id(x), x, check_label(label),
                              check_strokes(strokes, simplify), check_time(added))

    @classmethod
    def from_samples(cls, images, labels, strokes: Sequence | None = None,
                     added: Sequence | None = None) -> "PersonalSet":
        """A set from arrays: ``images (N, 1, 28, 28)``, ``labels (N,)``,
        optionally per sample its strokes and time added (default: none, now).
        Repeated drawings are kept once."""
        images = np.asarray(images)
        if images.ndim != 4 or len(images) != len(labels):
            raise PersonalSetError(f"images must be (N, 1, 28, 28) with one label each, got "
                                   f"{images.shape} and {len(labels)} labels")
        n = len(images)
        strokes = [()] * n if strokes is None else list(strokes)
        added = [None] * n if added is None else list(added)
        if len(strokes) != n or len(added) != n:
            raise PersonalSetError("strokes and times must have one entry per image")
        return cls(cls.make_sample(images[i], labels[i], strokes[i], added[i]) for i in range(n))

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self._samples)

    def __iter__(self) -> Iterator[PersonalSample]:
        return iter(self._samples)

    def __contains__(self, sample_id: object) -> bool:
        return sample_id in self._index

    def __repr__(self) -> str:
        return f"PersonalSet({len(self)} samples, per digit {self.counts().tolist()})"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self._samples)

    @property
    def images(self) -> np.ndarray:
        """``(N, 1, 28, 28)`` float32, a new array."""
        return np.stack([s.image for s in self._samples]) if self._samples else \
            np.zeros((0,) + IMAGE_SHAPE, np.float32)

    @property
    def labels(self) -> np.ndarray:
        """``(N,)`` int64, a new array."""
        return np.array([s.label for s in self._samples], np.int64)

    @property
    def added(self) -> np.ndarray:
        """``(N,)`` float64 seconds since 1970, a new array."""
        return np.array([s.added for s in self._samples], np.float64)

    def sample(self, sample_id: str) -> PersonalSample:
        """The sample with this id; ``KeyError`` if there is none."""
        return self._samples[self._index[sample_id]]

    def index_of(self, sample_id: str) -> int:
        """Position of the sample in :attr:`ids` (and the arrays); ``KeyError``."""
        return self._index[sample_id]

    def counts(self) -> np.ndarray:
        """``(10,)`` int64: samples per digit."""
        return np.bincount(self.labels, minlength=NUM_DIGITS).astype(np.int64)

    def ids_of(self, digit: int) -> tuple[str, ...]:
        """Ids of the samples labelled ``digit``, oldest first."""
        return tuple(s.id for s in self._samples if s.label == digit)

    # ---------------------------------------------------------------- changing
    def add(self, image, label, strokes: Sequence = (), added: float | None = None) -> "PersonalSet":
        """A set with one more sample (see :meth:`make_sample`); this very set
        when the drawing is already in it (whatever its label)."""
        sample = self.make_sample(image, label, strokes, added)
        return self if sample.id in self._index else PersonalSet(self._samples + (sample,))

    def remove(self, sample_id: str) -> "PersonalSet":
        """A set without that sample; ``KeyError`` if there is none."""
        i = self._index[sample_id]
        return PersonalSet(self._samples[:i] + self._samples[i + 1:])

    def relabel(self, sample_id: str, label: int) -> "PersonalSet":
        """A set where that sample shows ``label`` (same id, same time); ``KeyError``."""
        i = self._index[sample_id]
        old = self._samples[i]
        new = PersonalSample(old.id, old.image, check_label(label), old.strokes, old.added)
        return PersonalSet(self._samples[:i] + (new,) + self._samples[i + 1:])

    def merge(self, other: "PersonalSet") -> "PersonalSet":
        """This set plus the samples of ``other`` it does not have (same
        drawing = same id; where both have it, this set's label wins)."""
        return PersonalSet(self._samples + tuple(s for s in other if s.id not in self._index))

    def subset(self, indices: Sequence[int]) -> "PersonalSet":
        """The samples at these positions, in this order."""
        return PersonalSet(self._samples[int(i)] for i in indices)

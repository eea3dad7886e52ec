"""Declarative checks for layer configurations.

A layer class lists its constructor settings as fields; :func:`parse_settings`
turns an untrusted JSON object into checked constructor keyword arguments
(exact key set, types, ranges) or raises :class:`ArchitectureError` naming
the layer, the key and the problem. Nothing is allocated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping


class ArchitectureError(ValueError):
    """An architecture description is invalid; the message says where, why and
    how to fix it."""


#: Stands for where a layer's input comes from in a :class:`ShapeError` message.
SOURCE = "\x00source\x00"


class ShapeError(ArchitectureError):
    """A layer does not fit the shape it receives. The message says where the
    input comes from with :data:`SOURCE` ("the map is 3×3 <SOURCE>"); the
    architecture check fills it in with :meth:`after` ("after 'pool2'",
    "at the input"); alone it reads "here"."""

    def __init__(self, template: str):
        super().__init__(template.replace(SOURCE, "here"))
        self.template = template

    def after(self, source: str) -> ArchitectureError:
        """The same error, naming where the input comes from."""
        return ArchitectureError(self.template.replace(SOURCE, source))


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _label(where: str, key: str) -> str:
    """``conv1.out_channels``, or the key alone when there is no layer name."""
    return f"{where}.{key}" if where else key


@dataclass(frozen=True)
class IntField:
    """An integer in ``[lo, hi]``."""
    key: str
    lo: int
    hi: int

    def parse(self, value: Any, where: str) -> int:
        if not _is_int(value) or not self.lo <= value <= self.hi:
            raise ArchitectureError(f"architecture: {_label(where, self.key)} must be an integer in "
                                    f"[{self.lo}, {self.hi}], got {value!r}")
        return value


@dataclass(frozen=True)
class PairField:
    """Two integers in ``[lo, hi]``, written ``n`` (both) or ``[a, b]``."""
    key: str
    lo: int
    hi: int

    def parse(self, value: Any, where: str) -> tuple[int, int]:
        if _is_int(value):
            value = [value, value]
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ArchitectureError(f"architecture: {_label(where, self.key)} must be a pair of "
                                    f"integers, got {value!r}")
        single = IntField(self.key, self.lo, self.hi)
        return single.parse(value[0], where), single.parse(value[1], where)


@dataclass(frozen=True)
class FractionField:
    """A number in ``[0, 1)`` (e.g. a dropout rate)."""
    key: str

    def parse(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not 0 <= value < 1:
            raise ArchitectureError(f"architecture: {_label(where, self.key)} must be in [0, 1), "
                                    f"got {value!r}")
        return float(value)


@dataclass(frozen=True)
class FloatField:
    """A finite number in ``[lo, hi]`` (e.g. a batch-norm epsilon, a leaky slope)."""
    key: str
    lo: float
    hi: float

    def parse(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not self.lo <= value <= self.hi:
            raise ArchitectureError(f"architecture: {_label(where, self.key)} must be a number in "
                                    f"[{self.lo:g}, {self.hi:g}], got {value!r}")
        return float(value)


Field = IntField | PairField | FractionField | FloatField


def parse_settings(fields: tuple[Field, ...], config: Mapping, where: str) -> dict:
    """``config`` (a layer's JSON object, with ``type`` and ``name``) -> the
    checked settings ``{key: value}`` for ``fields``; the keys must match exactly."""
    allowed = {f.key for f in fields}
    given = set(config) - {"type", "name"}
    extra, missing = sorted(given - allowed), sorted(allowed - given)
    if extra or missing:
        expected = ", ".join(f.key for f in fields) or "nothing"
        raise ArchitectureError(f"architecture: layer {where!r} ({config.get('type')}) has "
                                f"unexpected keys {extra} / missing keys {missing} - besides type "
                                f"and name, a {config.get('type')} layer takes {expected}")
    return {f.key: f.parse(config[f.key], where) for f in fields}

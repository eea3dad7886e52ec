"""What the command lines (``python -m engine``, ``python -m engine.bench``,
``cnn-playground``) share: argument types and how failures are reported.

* Every value is checked by the parser, so a bad one is a usage error
  (exit 2) naming the option, before any work. Each factory returns a
  callable for ``argparse``'s ``type=`` that raises
  ``argparse.ArgumentTypeError`` saying what is allowed.
* :func:`run_command` turns every failure at run time into one ``error:``
  line on stderr and exit status 1 (never a traceback).
* :func:`strict_json` prints JSON without ``NaN`` / ``Infinity``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from pathlib import Path

from .atomic import writable_target
from .paths import folder_problem


def int_in(lo: int, hi: int):
    """An integer in ``[lo, hi]``."""
    def parse(text: str) -> int:
        try:
            if not text.isascii():             # int() also reads "５" (a full-width 5)
                raise ValueError(text)
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is out of range; use {lo} to {hi:,}")
        return value
    return parse


def float_in(lo: float, hi: float, lo_open: bool = False, hi_open: bool = False):
    """A finite number in ``[lo, hi]`` (``(lo`` / ``hi)`` when open)."""
    def parse(text: str) -> float:
        try:
            if not text.isascii():
                raise ValueError(text)
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        below = value <= lo if lo_open else value < lo
        above = value >= hi if hi_open else value > hi
        if below or above:
            left, right = "(" if lo_open else "[", ")" if hi_open else "]"
            raise argparse.ArgumentTypeError(f"{value:g} is out of range; use a number in "
                                             f"{left}{lo:g}, {hi:g}{right}")
        return value
    return parse


def _expanded(text: str) -> Path:
    """``text`` as a path, ``~`` and ``~user`` expanded; a usage error if empty or
    if the home folder cannot be found."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    try:
        return Path(text).expanduser()
    except RuntimeError:                    # "~nosuchuser/...": no such home folder
        raise argparse.ArgumentTypeError(f"{text!r}: there is no home folder for "
                                         f"{text.split('/', 1)[0]!r}") from None


def folder_path(text: str) -> Path:
    """A readable folder, or one that can be made (no file in the way)."""
    path = _expanded(text)
    problem = folder_problem(path)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return path


def output_file(suffix: str | None = None):
    """A path a file can be written to: its folder exists and is writable, and
    nothing is in the way that must not be replaced (checked again, atomically,
    when writing: :mod:`engine.system.atomic`). ``suffix``: required extension."""
    def parse(text: str) -> Path:
        if not text:
            raise argparse.ArgumentTypeError("an empty file name")
        if text.endswith(("/", os.sep)):      # Path() would drop the slash that names a folder
            raise argparse.ArgumentTypeError(f"{text!r} names a folder, not a file")
        path = _expanded(text)
        if suffix is not None and path.suffix.lower() != suffix:
            raise argparse.ArgumentTypeError(f"{text!r}: the file name must end in {suffix}")
        try:      # also checks that the folder can be written
            writable_target(path)
        except OSError as exc:
            raise argparse.ArgumentTypeError(f"cannot write {text!r}: {exc.strerror or exc}") \
                from None
        return path
    return parse


def existing_file(text: str) -> Path:
    """A path that exists and is a regular file (its contents are checked when read)."""
    path = _expanded(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no file at {text!r}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a regular file (a device or pipe)")
    return path


def size_wh(min_w: int, min_h: int, max_w: int, max_h: int):
    """``WIDTHxHEIGHT`` in pixels, within the given bounds."""
    def parse(text: str) -> tuple[int, int]:
        parts = text.lower().split("x")
        try:
            if not text.isascii():
                raise ValueError(text)
            w, h = (int(p, 10) for p in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: write the size as WIDTHxHEIGHT, "
                                             f"e.g. 1240x760") from None
        if not (min_w <= w <= max_w and min_h <= h <= max_h):
            raise argparse.ArgumentTypeError(f"{w}x{h} is out of range; use {min_w}x{min_h} to "
                                             f"{max_w}x{max_h}")
        return w, h
    return parse


class UsageError(Exception):
    """An argument that the parser alone could not judge (e.g. a batch size
    too large for the chosen network); reported like a parser error (exit 2)."""


def strict_json(value, **kwargs) -> str:
    """JSON with no ``NaN``/``Infinity`` (not JSON): non-finite numbers become null."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    return json.dumps(clean(value), allow_nan=False, **kwargs)


def one_line(exc: BaseException) -> str:
    """An exception as one line for stderr."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) < 2000 else text[:1997] + "..."


def run_command(handler, parser: argparse.ArgumentParser) -> int:
    """Run ``handler()``; every failure becomes one ``error:`` line (no traceback)."""
    for stream in (sys.stdout, sys.stderr):       # a file name in another encoding
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    try:
        return handler()
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("error: out of memory (try a smaller batch or model)", file=sys.stderr)
        return 1
    except Exception as exc:  # one clear line, never a traceback
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1

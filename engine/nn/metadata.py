"""What a model's metadata records, read and written in one place.

``Model.metadata`` is a JSON object saved with the model. It may come from an
untrusted file, so it is read through :class:`ModelCard`, which keeps a value
only if it has the expected type and range (anything else reads as unknown).
The writers below are the only code that sets these keys.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, MutableMapping

from ..system.display_text import printable

#: Keys describing how a model was trained (cleared when training starts anew).
TRAINING_KEYS = ("test_accuracy", "untrained", "command", "epochs", "steps", "training",
                 "test_images", "trained_in_app", "started_from", "run")


def _text(value, limit: int = 200) -> str | None:
    """A string, shortened to ``limit`` characters and with non-printable
    characters replaced (:func:`printable`); else None."""
    return printable(value, limit) if isinstance(value, str) and value else None


def _count(value) -> int | None:
    """A whole number in [0, 10**12] (a 400-digit count is not shown), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) \
        and 0 <= value <= 10**12 else None


def _fraction(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)          # a JSON integer may have 400 digits
    except OverflowError:
        return None
    return value if math.isfinite(value) and 0.0 <= value <= 1.0 else None


@dataclass(frozen=True)
class ModelCard:
    """The typed facts of a model's metadata (None / False when not recorded).

    :ivar test_accuracy: fraction in [0, 1] on the MNIST test set
    :ivar run: the number of the app's run that trained it (1, 2… in one window)
    """
    preset: str | None = None
    test_accuracy: float | None = None
    untrained: bool = False
    trained_in_app: bool = False
    epochs: int | None = None
    steps: int | None = None
    started_from: str | None = None
    command: str | None = None
    run: int | None = None

    @classmethod
    def read(cls, metadata: Mapping) -> "ModelCard":
        md = metadata if isinstance(metadata, Mapping) else {}
        return cls(preset=_text(md.get("preset"), 64),
                   test_accuracy=_fraction(md.get("test_accuracy")),
                   untrained=md.get("untrained") is True,
                   trained_in_app=md.get("trained_in_app") is True,
                   epochs=_count(md.get("epochs")), steps=_count(md.get("steps")),
                   started_from=_text(md.get("started_from")),
                   command=_text(md.get("command"), 2000), run=_count(md.get("run")))


def mark_preset(metadata: MutableMapping, name: str) -> None:
    """Record the architecture preset a model was built from."""
    metadata["preset"] = name


def mark_untrained(metadata: MutableMapping) -> None:
    """Record that the weights are random (no training at all)."""
    metadata["untrained"] = True


def clear_training_record(metadata: MutableMapping) -> None:
    """Forget how the weights were trained (before they are trained anew)."""
    for key in TRAINING_KEYS:
        metadata.pop(key, None)


def record_training(metadata: MutableMapping, *, settings: dict, epochs: int, steps: int | None = None,
                    command: str | None = None, started_from: str | None = None,
                    in_app: bool = False, run: int | None = None) -> None:
    """Record a training run: its settings (JSON-able), epochs completed, steps,
    the command that ran it or where its weights started from, and for a run
    in the app (``in_app``) its number there (``run``)."""
    metadata.update(training=settings, epochs=int(epochs))
    if steps is not None:
        metadata["steps"] = int(steps)
    if command is not None:
        metadata["command"] = command
    if started_from is not None:
        metadata["started_from"] = started_from
    if in_app:
        metadata["trained_in_app"] = True
    if run is not None:
        metadata["run"] = int(run)


def record_test_accuracy(metadata: MutableMapping, accuracy: float) -> None:
    """Record the accuracy (a fraction) measured on the whole MNIST test set."""
    metadata["test_accuracy"] = float(accuracy)

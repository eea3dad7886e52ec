"""What the window says about a model: a short label (the file name or the
preset) and the typed facts the status bar and the title show."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine import Model
from engine.nn.metadata import ModelCard
from engine.system.display_text import printable

#: Longest model label (characters): a longer file name is shortened in the middle.
MAX_LABEL_CHARS = 60


def file_label(path) -> str:
    """A file's name as the window shows it: printable, at most
    :data:`MAX_LABEL_CHARS` characters (shortened in the middle)."""
    return printable(Path(path).name, MAX_LABEL_CHARS)


def model_label(model: Model) -> str:
    """Short human name: the file name, or the preset for in-memory models
    ("bench trained here in run 2 (not saved)" for a model trained in the app)."""
    if model.source:
        return file_label(model.source)
    card = ModelCard.read(model.metadata)
    if card.untrained:
        return f"untrained {card.preset or 'model'}"
    if card.trained_in_app:
        run = f" in run {card.run}" if card.run else ""
        return f"{card.preset or 'model'} trained here{run} (not saved)"
    return f"{card.preset} (in memory)" if card.preset else "model (in memory)"


@dataclass(frozen=True)
class ModelInfo:
    """The facts about the shown model that the status bar and title show.

    :ivar test_accuracy: fraction in [0, 1] on the full MNIST test set, or None
    :ivar note: what is special about it now, e.g. "training: live weights"
    :ivar measured_text: how well it does when no test accuracy is known but
        something else was measured, e.g. "MNIST 99.6% on 2,000 test digits"
    """
    label: str
    preset: str | None
    parameters: int
    test_accuracy: float | None
    untrained: bool
    note: str = ""
    measured_text: str = ""

    @classmethod
    def of(cls, model: Model, note: str = "", test_accuracy: float | None = None,
           measured: bool = True, measured_text: str = "") -> "ModelInfo":
        """From ``model`` (its metadata read as a :class:`ModelCard`);
        ``test_accuracy`` overrides the recorded one (e.g. a live run's);
        ``measured=False``: the weights changed since the recorded accuracy."""
        card = ModelCard.read(model.metadata)
        accuracy = test_accuracy if test_accuracy is not None else \
            card.test_accuracy if measured else None
        return cls(model_label(model), card.preset, model.num_params(), accuracy,
                   card.untrained and accuracy is None, note, measured_text)

    def status_text(self) -> str:
        """``Model: model.npz · playground architecture · 258,314 parameters · test accuracy 99.63%``."""
        return self.status_variants()[0]

    def status_variants(self) -> tuple[str, ...]:
        """:meth:`status_text`, then shorter wordings for a narrow status bar:
        without the architecture, then without the parameter count (the file,
        its note and how well it does are kept to the last)."""
        if self.test_accuracy is not None:
            outcome = f"test accuracy {self.test_accuracy:.2%}"
        elif self.untrained:
            outcome = "untrained: random guesses"
        elif self.measured_text:
            outcome = self.measured_text
        else:
            outcome = "test accuracy unknown"
        head = [f"Model: {self.label}"] + ([self.note] if self.note else [])
        preset = [f"{self.preset} architecture"] if self.preset else []
        parameters = [f"{self.parameters:,} parameters"]
        return tuple("  ·  ".join(parts) for parts in (head + preset + parameters + [outcome],
                                                        head + parameters + [outcome],
                                                        head + [outcome]))


def suggested_file_name(model: Model) -> str:
    """A descriptive file name for saving ``model``: its preset and, once
    measured, its test accuracy, e.g. ``trained-tiny-97.12.npz``."""
    card = ModelCard.read(model.metadata)
    accuracy = f"-{card.test_accuracy * 100:.2f}" if card.test_accuracy is not None else ""
    preset = re.sub(r"[^A-Za-z0-9_-]+", "-", card.preset or "").strip("-")[:32] or "model"
    return f"trained-{preset}{accuracy}.npz"

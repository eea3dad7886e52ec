"""The JSON part of a run file (:mod:`engine.training.run_file`): everything
about a :class:`~engine.training.run_record.TrainingRun` but its arrays.

::

    {"format": "cnn-playground-run", "version": 1, "label": "bench, lr 0.05",
     "dataset": "MNIST", "config": {...TrainConfig.as_record()...},
     "architecture": {...Model.config()...},
     "checkpoints": [{"step": 0, "epoch_fraction": 0.0}, ...],
     "finished_reason": "completed", "elapsed_s": 12.5, "total_steps": 940,
     "pen_mix": 0.0}

It may come from an untrusted file: :func:`read_description` checks every
field (types, ranges, text lengths; unknown keys refused; the settings with
:meth:`TrainConfig.validate`, the architecture with
:func:`engine.nn.architecture.describe_architecture`) and raises
:class:`RunFileError` naming the file and the field.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..data.augment import AugmentConfig
from ..nn.architecture import ArchitectureSummary, describe_architecture
from ..nn.layers import ArchitectureError
from .checkpoints import MAX_CHECKPOINTS
from .config import TrainConfig
from .run_record import FINISHED_REASONS, MAX_LABEL_CHARS, TrainingRun

FORMAT_NAME = "cnn-playground-run"
FORMAT_VERSION = 1
MAX_DATASET_CHARS = 64
MAX_COUNT = 10**12                  # steps of a run at most
MAX_ELAPSED_S = 1e9
MAX_PEN_MIX = 10.0
_KEYS = ("format", "version", "label", "dataset", "config", "architecture", "checkpoints",
         "finished_reason", "elapsed_s", "total_steps", "pen_mix")
#: Ranges of the augmentation settings a run file may hold (pixels, degrees, factors).
_AUGMENT_NUMBERS = {"max_shift": 28.0, "max_rotation": 360.0, "max_shear": 10.0,
                    "p_thicker": 1.0, "p_thinner": 1.0, "elastic_strength": 28.0}
_AUGMENT_PAIRS = {"scale_range": 10.0, "thicken_strength": 1.0, "thin_strength": 1.0}
_MAX_ELASTIC_GRID = 64


class RunFileError(ValueError):
    """A run file is malformed, unsafe or does not describe a valid run."""


@dataclass(frozen=True)
class RunDescription:
    """The checked JSON part of a run file (``checkpoints``: ``(step, epoch fraction)`` pairs)."""
    label: str
    dataset: str
    config: TrainConfig
    architecture: dict
    summary: ArchitectureSummary
    checkpoints: tuple[tuple[int, float], ...]
    finished_reason: str
    elapsed_s: float
    total_steps: int
    pen_mix: float


def describe_run(run: TrainingRun) -> dict:
    """The JSON-able description of ``run`` (see the module docstring)."""
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "label": run.label,
            "dataset": run.dataset, "config": run.config.as_record(),
            "architecture": run.architecture,
            "checkpoints": [{"step": c.step, "epoch_fraction": c.epoch_fraction}
                            for c in run.checkpoints],
            "finished_reason": run.finished_reason, "elapsed_s": float(run.elapsed_s),
            "total_steps": int(run.total_steps), "pen_mix": float(run.pen_mix)}


def read_description(obj: object, file_name: str) -> RunDescription:
    """Check the parsed JSON ``obj`` of the file ``file_name``; see the module docstring."""
    def fail(text: str) -> RunFileError:
        return RunFileError(f"{file_name}: {text}")

    if not isinstance(obj, dict):
        raise fail("the run description is not a JSON object")
    if obj.get("format") != FORMAT_NAME:
        raise fail(f"not a run file of this app (format {str(obj.get('format'))[:40]!r})")
    if obj.get("version") != FORMAT_VERSION:
        raise fail(f"unsupported run file version {str(obj.get('version'))[:20]!r} (this app "
                   f"reads version {FORMAT_VERSION})")
    unknown, missing = sorted(set(obj) - set(_KEYS)), [k for k in _KEYS if k not in obj]
    if unknown or missing:
        raise fail(f"run description fields do not match (missing {missing}, unknown "
                   f"{[k[:40] for k in unknown[:5]]})")
    label = _text(obj["label"], MAX_LABEL_CHARS, "label", fail)
    dataset = _text(obj["dataset"], MAX_DATASET_CHARS, "dataset", fail)
    if obj["finished_reason"] not in FINISHED_REASONS:
        raise fail(f"finished_reason must be one of {', '.join(FINISHED_REASONS)}")
    elapsed = _number(obj["elapsed_s"], 0.0, MAX_ELAPSED_S)
    pen_mix = _number(obj["pen_mix"], 0.0, MAX_PEN_MIX)
    total = obj["total_steps"]
    if elapsed is None or pen_mix is None or not _whole(total, 0, MAX_COUNT):
        bad = "elapsed_s" if elapsed is None else "pen_mix" if pen_mix is None else "total_steps"
        raise fail(f"{bad} is not a number in its range")
    config = config_from_record(obj["config"], fail)
    try:
        summary = describe_architecture(obj["architecture"])
    except ArchitectureError as exc:
        raise fail(str(exc)) from None
    checkpoints = _checkpoints(obj["checkpoints"], total, config.epochs, fail)
    return RunDescription(label, dataset, config, obj["architecture"], summary, checkpoints,
                          obj["finished_reason"], elapsed, total, pen_mix)


def config_from_record(record: object, fail) -> TrainConfig:
    """The :class:`TrainConfig` of a :meth:`TrainConfig.as_record` (untrusted),
    validated; missing settings take their defaults, unknown ones are refused.
    ``fail(text)`` makes the exception to raise."""
    if not isinstance(record, dict):
        raise fail("settings (config) are not a JSON object")
    names = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(record) - names)
    if unknown:
        raise fail(f"unknown setting {unknown[0][:40]!r} in config")
    values = dict(record)
    for name in ("optimizer", "schedule"):
        if name in values and not isinstance(values[name], str):
            raise fail(f"setting {name} is not text")
    if "augment" in values and not isinstance(values["augment"], bool):
        raise fail("setting augment is not true or false")
    if "augment_config" in values:
        values["augment_config"] = _augment_config(values["augment_config"], fail)
    config = TrainConfig(**values)
    try:
        config.validate()
    except (ValueError, TypeError, OverflowError) as exc:
        text = str(exc)
        raise fail(f"settings: {text[:200]}{'...' if len(text) > 200 else ''}") from None
    return config


def _augment_config(record: object, fail) -> AugmentConfig:
    if not isinstance(record, dict):
        raise fail("augment_config is not a JSON object")
    names = {f.name for f in fields(AugmentConfig)}
    if set(record) - names:
        raise fail(f"unknown augmentation setting {sorted(set(record) - names)[0][:40]!r}")
    values = dict(record)
    for name, value in record.items():
        if name == "enabled":
            ok = isinstance(value, bool)
        elif name == "elastic_grid":
            ok = _whole(value, 2, _MAX_ELASTIC_GRID)
        elif name in _AUGMENT_PAIRS:
            ok = isinstance(value, list) and len(value) == 2 and all(
                _number(v, 0.0, _AUGMENT_PAIRS[name]) is not None for v in value)
            values[name] = tuple(float(v) for v in value) if ok else value
        else:
            ok = _number(value, 0.0, _AUGMENT_NUMBERS[name]) is not None
        if not ok:
            raise fail(f"augmentation setting {name} is out of range")
    try:
        return AugmentConfig(**values)
    except (ValueError, TypeError) as exc:
        raise fail(f"augmentation settings: {exc}") from None


def _checkpoints(entries: object, total_steps: int, epochs: int,
                 fail) -> tuple[tuple[int, float], ...]:
    if not isinstance(entries, list) or len(entries) > MAX_CHECKPOINTS:
        raise fail(f"checkpoints must be a list of at most {MAX_CHECKPOINTS}")
    out, previous = [], -1
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"step", "epoch_fraction"}:
            raise fail(f"checkpoint {i} is not {{step, epoch_fraction}}")
        step, fraction = entry["step"], _number(entry["epoch_fraction"], 0.0, float(epochs))
        if not _whole(step, 0, total_steps):
            raise fail(f"checkpoint {i}: step is not a whole number from 0 to {total_steps:,}")
        if step <= previous:
            raise fail(f"checkpoint steps are not strictly increasing (step {step} after "
                       f"{previous})")
        if fraction is None:
            raise fail(f"checkpoint {i}: epoch_fraction is not a number from 0 to {epochs}")
        out.append((step, fraction))
        previous = step
    return tuple(out)


def _text(value: object, limit: int, name: str, fail) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise fail(f"{name} is not text of at most {limit} characters")
    return value


def _whole(value: object, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def _number(value: object, lo: float, hi: float) -> float | None:
    """``value`` as a float if it is a finite JSON number in ``[lo, hi]``, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:           # a 400-digit JSON integer
        return None
    return number if math.isfinite(number) and lo <= number <= hi else None

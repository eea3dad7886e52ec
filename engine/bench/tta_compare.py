"""Time to a test accuracy, our engine beside its PyTorch twin.

:func:`compare_time_to_accuracy` runs the same recipe in both, alternating
(ours, PyTorch, ours, PyTorch, ...) ``repeats`` times so that load from
other processes on a shared machine hits both alike, and reports medians;
:func:`format_time_to_accuracy` prints the result as table rows.
"""
from __future__ import annotations

import os
import statistics

from .time_to_accuracy import TtaRecipe, load_data, time_to_accuracy
from .torch_time_to_accuracy import torch_time_to_accuracy


def _median_run(runs: list[dict]) -> dict:
    """The first run, its ``train_seconds`` replaced by the median over ``runs``
    (None if any run missed the target) and every run's seconds in ``runs_train_seconds``."""
    seconds = [r["train_seconds"] for r in runs]
    out = dict(runs[0])
    out["reached"] = all(r["reached"] for r in runs)
    out["train_seconds"] = statistics.median(seconds) if out["reached"] else None
    out["runs_train_seconds"] = seconds
    return out


def compare_time_to_accuracy(target: float, data_dir=None, preset: str = "bench",
                             repeats: int = 1, include_torch: bool = True) -> dict:
    """Our time-to-accuracy result (see :func:`time_to_accuracy`), with
    ``torch`` (the twin's, when PyTorch is importable and ``include_torch``),
    ``ratio_vs_torch`` (PyTorch's training seconds / ours: above 1, ours is
    faster) and ``load_average`` (1-minute load before and after, where the
    system reports it)."""
    recipe, data = TtaRecipe(preset=preset), load_data(data_dir)
    load_before = _load()
    ours, theirs = [], []
    for _ in range(max(1, repeats)):
        ours.append(time_to_accuracy(target, recipe=recipe, data=data))
        twin = torch_time_to_accuracy(target, recipe=recipe, data=data) if include_torch else None
        if twin is not None:
            theirs.append(twin)
    result = _median_run(ours)
    result["load_average"] = [load_before, _load()]
    if theirs:
        result["torch"] = _median_run(theirs)
        ok = result["reached"] and result["torch"]["reached"]
        result["ratio_vs_torch"] = (result["torch"]["train_seconds"] / result["train_seconds"]
                                    if ok else None)
    return result


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _seconds(run: dict) -> str:
    return f"{run['train_seconds']:.1f}" if run["reached"] else "not reached"


def format_time_to_accuracy(r: dict) -> list[str]:
    """Table rows for a :func:`compare_time_to_accuracy` (or :func:`time_to_accuracy`) result."""
    t = r.get("torch")
    head = f"time to {r['target']:.2%} test accuracy"
    lines = [f"{head:<44}{'numpy engine':>14}" + (f"{'torch ' + t['version']:>18}{'ratio':>8}" if t else "")]
    row = f"{'  training seconds':<44}{_seconds(r):>14}"
    if t:
        ratio = r.get("ratio_vs_torch")
        row += f"{_seconds(t):>18}" + (f"{ratio:>8.2f}" if ratio is not None else f"{'-':>8}")
    lines.append(row)
    row = f"{'  steps (epochs)':<44}{_steps(r):>14}"
    lines.append(row + (f"{_steps(t):>18}" if t else ""))
    row = f"{'  seconds with the evaluations':<44}{r['wall_seconds_with_evaluation']:>14.1f}"
    lines.append(row + (f"{t['wall_seconds_with_evaluation']:>18.1f}" if t else ""))
    if not r["reached"] or (t and not t["reached"]):
        last = f"last test accuracy: ours {_percent(r['test_accuracy'])}"
        lines.append("  " + last + (f", torch {_percent(t['test_accuracy'])}" if t else ""))
    runs = r.get("runs_train_seconds", [])
    if len(runs) > 1:
        lines.append(f"  medians of {len(runs)} alternating runs; ours "
                     + ", ".join(_maybe(s) for s in runs)
                     + (" / torch " + ", ".join(_maybe(s) for s in t["runs_train_seconds"]) if t else ""))
    lines.append(f"  ({r['preset']} net, batch {r['batch_size']}, SGD {r['lr']:g} momentum "
                 f"{r['momentum']:g}, weight decay {r['weight_decay']:g} on weights,")
    lines.append(f"   {r['schedule']}, no augmentation,")
    lines.append(f"   full test set every {r['eval_every']} steps after half an epoch, not timed"
                 + ("; ratio: torch seconds / ours)" if t else ")"))
    load = r.get("load_average")
    if load and None not in load:
        lines.append(f"  (load average {load[0]:.2f} before, {load[1]:.2f} after)")
    return lines


def _steps(run: dict) -> str:
    return f"{run['steps']} ({run['epochs']:.2f})"


def _percent(accuracy: float | None) -> str:
    return "-" if accuracy is None else f"{accuracy:.2%}"


def _maybe(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}"

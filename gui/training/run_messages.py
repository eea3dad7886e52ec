"""What the Run box says about a run, as plain text built from the trainer's
reports (no widgets here): the plan at the start, and how it ended - steps,
epochs as a decimal ("stopped after 37 steps (0.5 epochs)"), time, accuracy."""
from __future__ import annotations

import math

from engine.training.reports import FinishedReport, RunPlan
from engine.training.config import TrainConfig
from engine.training.verdict import Verdict, learning_verdict

_HOW = {"completed": "Finished", "stopped": "Stopped", "diverged": "Diverged"}


def plural(count: float, word: str) -> str:
    """``"1 epoch"``, ``"2 epochs"``, ``"0.5 epochs"``, ``"1,200 steps"``."""
    text = f"{count:,}" if isinstance(count, int) else f"{count:,.1f}"
    return f"{text} {word}" if text == "1" else f"{text} {word}s"


def format_duration(seconds: float) -> str:
    """``75.4`` -> ``"1:15"``; hours when needed; ``"–"`` when unknown."""
    if not math.isfinite(seconds):
        return "–"
    seconds = int(round(max(0.0, seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def epochs_done(steps: int, steps_per_epoch: int) -> float | int:
    """Epochs a run went through, to one decimal (a whole number when whole)."""
    if steps_per_epoch <= 0:
        return 0
    epochs = steps / steps_per_epoch
    return int(epochs) if epochs == int(epochs) else round(epochs, 1)


def plan_text(plan: RunPlan) -> str:
    """``Training on 5,000 images, testing on 10,000: 2 epochs of 79 steps…``"""
    return (f"Training on {plan.train_images:,} images, testing on {plan.test_images:,}: "
            f"{plural(plan.epochs, 'epoch')} of {plural(plan.steps_per_epoch, 'step')}\u2026")


def finished_text(report: FinishedReport, steps_per_epoch: int) -> str:
    """``Stopped after 37 steps (0.5 epochs, 0:01).`` / ``Finished after 158
    steps (2 epochs, 0:31) · test accuracy 94.60%.`` / ``Stopped after 74
    steps (1.5 epochs, 0:03) · test accuracy 85.67% after epoch 1.``"""
    how = _HOW.get(report.reason, report.reason.capitalize())
    epochs = epochs_done(report.steps, steps_per_epoch)
    after = "" if steps_per_epoch <= 0 or report.steps <= report.epochs_completed * steps_per_epoch \
        else f" after epoch {report.epochs_completed}"      # (older weights than the end's)
    accuracy = "" if report.test_accuracy is None else \
        f" · test accuracy {report.test_accuracy:.2%}{after}"
    return (f"{how} after {plural(report.steps, 'step')} ({plural(epochs, 'epoch')}, "
            f"{format_duration(report.elapsed_s)}){accuracy}.")


def verdict_text(verdict: Verdict) -> str:
    """What to tell the learner about a run that did not simply learn (its
    headline and advice), or ``""`` when it learned (or was too short to judge)."""
    if verdict.learned or verdict.kind == "too short":
        return ""
    return f"{verdict.headline} {verdict.advice}".strip()


def judge_run(report: FinishedReport, num_classes: int, losses, config: TrainConfig) -> Verdict:
    """The :class:`~engine.training.verdict.Verdict` of a finished run
    (``losses``: its batch losses in step order)."""
    return learning_verdict(report.test_accuracy, num_classes, losses, config.lr,
                            report.reason == "diverged", config.optimizer)


def ending_detail(report: FinishedReport, verdict: Verdict) -> str | None:
    """The line under a finished run's status: why it diverged and/or the
    :func:`verdict_text` (not for a run the user stopped: too early to
    judge); None when there is nothing to add."""
    parts = (report.message if report.reason == "diverged" else "",
             "" if report.reason == "stopped" else verdict_text(verdict))
    return " ".join(p for p in parts if p) or None


def may_replace_a_model(report: FinishedReport, verdict: Verdict) -> bool:
    """A run's model may take the place of the one in use: it learned, or the
    user stopped it (too early to judge); not when it diverged or stayed at chance."""
    return report.reason == "stopped" or verdict.kind not in ("not learning", "diverged")

"""Did a run learn? A plain-language verdict from what the run produced.

:func:`learning_verdict` looks at three things, in this order:

1. divergence (the trainer stopped the run because the loss exploded, or a
   batch loss is not finite): **diverged**, lower the learning rate;
2. the final test accuracy against chance (``1 / num_classes``, 10 % for
   digits): below :data:`CHANCE_MARGIN` x chance is **not learning**;
3. the batch loss: the median of its first and of its last batches (a fifth
   of the run each, at most 50 batches, so one odd batch does not decide). It "fell"
   when the end is below :data:`LOSS_DROP` x the start (the start is capped at
   the loss of a uniform guess, ``ln(num_classes)``: a first batch *above*
   that only says the initial weights were confident and wrong). A loss that
   ends below half of ``ln(num_classes)`` counts as learned too (a run that
   started from trained weights has nothing left to drop).

An accuracy above chance with a loss that barely fell is **learning slowly**.
Advice about the learning rate compares it with the optimizer's usual rate
(:data:`engine.training.optim.DEFAULT_LR`: 0.05 for SGD, 0.001 for Adam).

Pure and deterministic: numbers in, a :class:`Verdict` out; accuracies are
fractions (0.972), the text shows them in % ("97.2 %").
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .optim import DEFAULT_LR

#: "At chance": a final test accuracy below this multiple of ``1 / num_classes``.
CHANCE_MARGIN = 1.5
#: The loss "fell" when its end is below this fraction of its start.
LOSS_DROP = 0.8
#: A loss that ends below this fraction of ``ln(num_classes)`` is a trained
#: network's, whatever its start.
LOW_LOSS = 0.5
#: Share of the batches (at least 1, at most ``MAX_WINDOW``) whose median is
#: the loss at the start, and at the end, of the run.
WINDOW_SHARE = 0.2
MAX_WINDOW = 50

KINDS = ("learned", "slow", "not learning", "diverged", "too short")


@dataclass(frozen=True)
class Verdict:
    """What a run's numbers say.

    ``kind``: one of :data:`KINDS`; ``learned`` is ``kind == "learned"``;
    ``headline``: one sentence for the learner; ``advice``: what to try next
    (empty when there is nothing to fix); ``start_loss`` / ``end_loss``: the
    loss (nats) at the start and at the end of the run as judged (NaN when
    no batch loss was given)."""
    kind: str
    headline: str
    advice: str
    start_loss: float = math.nan
    end_loss: float = math.nan

    @property
    def learned(self) -> bool:
        return self.kind == "learned"


def percent(fraction: float) -> str:
    """``0.0972`` -> ``"9.7 %"`` (one decimal)."""
    return f"{100 * fraction:.1f} %"


def chance_text(num_classes: int) -> str:
    """What random guessing gets among ``num_classes``: ``10`` -> ``"10 %"``."""
    return f"{100 / num_classes:.3g} %"


def loss_ends(losses: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """``(start, end)``: the medians of the first and the last
    :data:`WINDOW_SHARE` of the finite ``losses`` (NaN, NaN when there are none)."""
    values = np.asarray(losses, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return math.nan, math.nan
    k = max(1, min(MAX_WINDOW, int(len(values) * WINDOW_SHARE)))
    return float(np.median(values[:k])), float(np.median(values[-k:]))


def learning_verdict(test_accuracy: float | None, num_classes: int,
                     losses: Sequence[float] | np.ndarray, learning_rate: float,
                     diverged: bool = False, optimizer: str = "sgd") -> Verdict:
    """Judge a run.

    ``test_accuracy``: the final test accuracy as a fraction (None or NaN:
    no evaluation yet); ``num_classes``: e.g. 10; ``losses``: the batch losses
    (nats) in step order; ``learning_rate``: the run's (peak) rate;
    ``diverged``: the trainer stopped the run for a runaway loss;
    ``optimizer``: "sgd" or "adam" (sets the usual rate the advice refers to).
    """
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes!r}")
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a number above 0, got {learning_rate!r}")
    chance = 1.0 / num_classes
    chance_loss = math.log(num_classes)
    usual = DEFAULT_LR.get(optimizer, DEFAULT_LR["sgd"])
    raw = np.asarray(losses, dtype=float).ravel()
    start, end = loss_ends(raw)
    accuracy = None if test_accuracy is None or not math.isfinite(test_accuracy) \
        else float(test_accuracy)
    guess = f"random guessing gets {chance_text(num_classes)}"

    def verdict(kind: str, headline: str, advice: str = "") -> Verdict:
        return Verdict(kind, headline, advice, start, end)

    if diverged or not np.all(np.isfinite(raw)):
        return verdict("diverged", "It stopped learning: the loss exploded (the run diverged).",
                       _lower_advice(learning_rate, usual))
    # fell: True / False, or None when no batch loss was given
    fell = None if math.isnan(end) else \
        (end < LOSS_DROP * min(start, chance_loss) or end < LOW_LOSS * chance_loss)
    if accuracy is None and fell is None:
        return verdict("too short", "Too short to tell: no batch finished yet.",
                       "Train for at least one epoch.")
    if accuracy is not None and accuracy < CHANCE_MARGIN * chance:
        headline = (f"It isn't learning: the test accuracy stayed at chance "
                    f"({percent(accuracy)}; {guess}).")
        return verdict("not learning", headline, _stuck_advice(learning_rate, usual, fell))
    if accuracy is None and not fell:
        headline = f"It isn't learning yet: the loss stayed near {end:.2f}."
        return verdict("not learning", headline, _stuck_advice(learning_rate, usual, fell))
    if fell is False:
        headline = (f"It is learning, but slowly: the test accuracy is {percent(accuracy)} "
                    f"({guess}) and the loss barely fell.")
        return verdict("slow", headline, _slow_advice(learning_rate, usual))
    if accuracy is None:
        return verdict("learned", f"It is learning: the loss fell from {start:.2f} to {end:.2f}.")
    return verdict("learned", f"It learned: the test accuracy is {percent(accuracy)} ({guess}).")


def _suggest_lower(learning_rate: float, usual: float) -> float:
    """The usual rate when ``learning_rate`` is above it, else a tenth of it
    (one significant digit)."""
    target = usual if learning_rate > usual else learning_rate / 10
    return float(f"{target:.1g}")


def _lower_advice(learning_rate: float, usual: float) -> str:
    return f"Try a lower learning rate, e.g. {_suggest_lower(learning_rate, usual):g}."


def _slow_advice(learning_rate: float, usual: float) -> str:
    if learning_rate < usual / 2:
        return f"Train for more epochs, or try a higher learning rate, e.g. {usual:g}."
    return "Train for more epochs (or on more images)."


def _stuck_advice(learning_rate: float, usual: float, fell: bool | None) -> str:
    """At chance: a rate above the usual one overshoots (the network gets stuck
    guessing one digit); a small one whose loss barely moved needs more steps
    (``fell``: whether the loss clearly fell, None when unknown)."""
    if learning_rate > usual:
        return _lower_advice(learning_rate, usual)
    if learning_rate < usual / 2 and fell is False:
        return f"Train for more epochs, or try a higher learning rate, e.g. {usual:g}."
    return "Train for more epochs (or on more images)."

"""How well novelty tells digits from non-digits: the AUROC and the rates
at the :data:`~engine.explain.novelty.UNFAMILIAR` threshold, on MNIST test
digits against the code-made non-digits of :mod:`engine.explain.non_digits`.

The MNIST test set is split like the non-digits: its first half goes with
the ``"tuning"`` split, its second half with ``"evaluation"``, so numbers
reported on the evaluation split were not looked at while choosing the
method.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..nn.model import Model
from .non_digits import KINDS, non_digits
from .novelty import UNFAMILIAR, novelty_scores


def auroc(negatives: np.ndarray, positives: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a random positive scores
    above a random negative (ties count half), from the ranks (Mann-Whitney)."""
    neg, pos = np.asarray(negatives, np.float64), np.asarray(positives, np.float64)
    if not len(neg) or not len(pos):
        raise ValueError("need at least one negative and one positive score")
    scores = np.concatenate([neg, pos])
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    for a, b in zip(starts, ends):
        ranks[order[a:b]] = (a + b + 1) / 2.0
    return float((ranks[len(neg):].sum() - len(pos) * (len(pos) + 1) / 2) / (len(neg) * len(pos)))


@dataclass(frozen=True)
class NoveltyCheck:
    """What :func:`check_novelty` measured.

    :ivar split: ``"tuning"`` or ``"evaluation"``
    :ivar auroc: all non-digits against the digits
    :ivar auroc_by_kind: ``{kind: AUROC of that kind against the digits}``
    :ivar digits_flagged: fraction of digits with novelty > UNFAMILIAR
    :ivar non_digits_flagged: ``{kind: fraction flagged}``, and ``"all"``
    :ivar digits, non_digits: how many of each were scored
    """
    split: str
    auroc: float
    auroc_by_kind: dict[str, float]
    digits_flagged: float
    non_digits_flagged: dict[str, float]
    digits: int
    non_digits: int

    def as_dict(self) -> dict:
        return {"split": self.split, "auroc": round(self.auroc, 4),
                "auroc_by_kind": {k: round(v, 4) for k, v in self.auroc_by_kind.items()},
                "digits_flagged": round(self.digits_flagged, 4),
                "non_digits_flagged": {k: round(v, 4) for k, v in self.non_digits_flagged.items()},
                "digits": self.digits, "non_digits": self.non_digits}


def check_novelty(model: Model, test_images: np.ndarray, split: str = "evaluation",
                  per_kind: int = 200, seed: int = 0) -> NoveltyCheck:
    """Score the ``split`` half of ``test_images`` (MNIST test digits,
    ``(N, 28, 28)`` uint8) and ``per_kind`` non-digits of each kind of the same
    split; the model needs novelty statistics."""
    half = len(test_images) // 2
    digits = test_images[:half] if split == "tuning" else test_images[half:]
    others, kinds = non_digits(split, per_kind=per_kind, seed=seed)
    d = novelty_scores(model, digits)
    n = novelty_scores(model, others)
    by_kind = {k: auroc(d, n[kinds == k]) for k in KINDS}
    flagged = {k: float(np.mean(n[kinds == k] > UNFAMILIAR)) for k in KINDS}
    flagged["all"] = float(np.mean(n > UNFAMILIAR))
    return NoveltyCheck(split, auroc(d, n), by_kind, float(np.mean(d > UNFAMILIAR)), flagged,
                        len(d), len(n))

"""What the trainer yields: a plain dataclass per step, per epoch and at the
end. The command line prints them; the GUI's worker relays them as signals."""
from __future__ import annotations

from dataclasses import dataclass, field

from .evaluate import EvalResult


@dataclass(frozen=True)
class RunPlan:
    """The shape of a run, known once the trainer is built. ``full_test_set``:
    the end-of-epoch evaluation uses every test image (so its accuracy is *the*
    test accuracy a model file may record)."""
    total_steps: int
    steps_per_epoch: int
    epochs: int
    train_images: int
    test_images: int
    batch_size: int
    full_test_set: bool = True


@dataclass(frozen=True)
class StepReport:
    """After every optimisation step. ``images_per_s`` is over the last second
    or so; ``eta_s`` estimates the seconds left in the run from the time per
    step so far (evaluations and pauses excluded)."""
    step: int                 # 1-based, over the whole run
    total_steps: int
    epoch: int                # 1-based
    epoch_fraction: float     # position in the run in epochs, e.g. 2.5
    loss: float               # batch mean loss (before the update)
    accuracy: float           # batch accuracy (before the update)
    lr: float
    images_per_s: float
    elapsed_s: float
    eta_s: float = float("nan")


@dataclass(frozen=True)
class EpochReport:
    """At the end of each epoch: running means over the epoch's batches (so the
    train figures average a network that improved during the epoch) and the
    test-set evaluation of the weights at the epoch's end (``evaluation``: the
    full :class:`EvalResult`, per-image probabilities included)."""
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    elapsed_s: float
    evaluation: EvalResult | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FinishedReport:
    """Last report of a run. ``reason``: "completed", "stopped" or "diverged";
    ``weights_step``: the step whose weights the model holds at the end
    (``steps``, or an earlier one a divergence restored; None: not said)."""
    reason: str
    message: str
    steps: int
    epochs_completed: int
    test_accuracy: float | None
    elapsed_s: float
    weights_step: int | None = None


Report = StepReport | EpochReport | FinishedReport

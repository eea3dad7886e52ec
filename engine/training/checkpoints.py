"""Checkpoints: copies of the weights a run keeps at chosen steps, for the
time machine (scrub back through the run) and for run files
(:mod:`engine.training.run_file`).

The schedule (:func:`checkpoint_steps`) is step 0 (the weights the run
starts from), the 1-2-5 steps 1, 2, 5, 10, 20, 50, 100, ... (log-spaced: the
first steps change a network the most), every epoch's end and the last
step. :class:`CheckpointWatcher` takes them during a run, bounded in memory
(:data:`CHECKPOINT_MEMORY_BYTES`, 100 MB by default): when the whole
schedule would not fit, it is thinned before the run starts
(:func:`thin_steps`: step 0, the last step and the epoch ends are kept
first, then the log-spaced steps that lie densest are dropped).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from ..nn.metadata import clear_training_record
from ..nn.model import Model
from .reports import FinishedReport, RunPlan, StepReport
from .watchers import RunWatcher

#: Memory (bytes) the checkpoints of one run may take by default: 100 MB.
CHECKPOINT_MEMORY_BYTES = 100 * 2**20
#: Checkpoints one run keeps at most (whatever their size).
MAX_CHECKPOINTS = 1000
#: Weight arrays of all checkpoints of a run together at most (a run file's members).
MAX_CHECKPOINT_ARRAYS = 20_000


def checkpoint_steps(total_steps: int, steps_per_epoch: int) -> list[int]:
    """The steps a run of ``total_steps`` steps keeps, sorted and unique: 0,
    the 1-2-5 sequence (1, 2, 5, 10, 20, 50, ...) up to ``total_steps``, every
    epoch's end (multiples of ``steps_per_epoch``) and ``total_steps``."""
    if total_steps < 0 or steps_per_epoch < 1:
        raise ValueError(f"need total_steps >= 0 and steps_per_epoch >= 1, got {total_steps} "
                         f"and {steps_per_epoch}")
    steps = {0, total_steps}
    decade = 1
    while decade <= total_steps:
        steps.update(s for s in (decade, 2 * decade, 5 * decade) if s <= total_steps)
        decade *= 10
    steps.update(range(steps_per_epoch, total_steps + 1, steps_per_epoch))
    return sorted(steps)


def thin_steps(steps: list[int], keep: int, steps_per_epoch: int) -> list[int]:
    """At most ``keep`` of ``steps`` (sorted), chosen deterministically: step
    0 and the last step first, then the epoch ends (evenly spread over the
    run if not all fit), then the log-spaced steps, the ones closest (in
    ``log(1 + step)``) to a kept neighbour dropped first."""
    steps = sorted(set(steps))
    if len(steps) <= keep:
        return steps
    if keep <= 0 or not steps:
        return []
    fixed = [s for s in dict.fromkeys((0, steps[-1])) if s in steps][:keep]
    ends = [s for s in steps if s > 0 and s % steps_per_epoch == 0 and s not in fixed]
    ends = _evenly(ends, keep - len(fixed))
    logs = [s for s in steps if s not in fixed and not (s > 0 and s % steps_per_epoch == 0)]
    kept = set(fixed) | set(ends)
    room = keep - len(kept)
    while len(logs) > room:
        order = sorted(kept | set(logs))
        position = {s: i for i, s in enumerate(order)}

        def crowding(s: int) -> tuple[float, int]:
            i = position[s]
            gaps = [abs(math.log1p(order[j]) - math.log1p(s)) for j in (i - 1, i + 1)
                    if 0 <= j < len(order)]
            return min(gaps, default=math.inf), s

        logs.remove(min(logs, key=crowding))
    return sorted(kept | set(logs))


def _evenly(items: list[int], n: int) -> list[int]:
    """``n`` of ``items`` spread evenly from the first to the last (all if they fit)."""
    if len(items) <= n:
        return list(items)
    if n <= 0:
        return []
    picks = np.round(np.linspace(0, len(items) - 1, n)).astype(int)
    return [items[i] for i in picks]


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """The weights of a run at one step.

    :ivar step: steps done when they were taken (0: the weights the run started from)
    :ivar epoch_fraction: the position in the run in epochs (step / steps per epoch)
    :ivar weights: ``{"conv1.K": array, ...}``: every parameter and buffer,
        copies as :meth:`Model.get_weights` returns them, read-only
    :ivar architecture: the model's :meth:`Model.config` (its metadata
        without the training record: these weights are not the trained model)
    """
    step: int
    epoch_fraction: float
    weights: dict[str, np.ndarray]
    architecture: dict

    @classmethod
    def of(cls, model: Model, step: int, epoch_fraction: float,
           architecture: dict | None = None) -> "Checkpoint":
        """A checkpoint of ``model``'s current weights (``architecture``: its
        :func:`checkpoint_architecture`, shared between checkpoints if given)."""
        weights = model.get_weights()
        for array in weights.values():
            array.setflags(write=False)
        arch = checkpoint_architecture(model) if architecture is None else architecture
        return cls(int(step), float(epoch_fraction), weights, arch)

    @property
    def model(self) -> Model:
        """A new :class:`Model` with these weights (its own arrays, same dtype), in eval mode."""
        model = Model.from_config(copy.deepcopy(self.architecture))
        params, buffers = model.named_params(), model.named_buffers()
        model.load_params({k: self.weights[k] for k in params})
        model.load_buffers({k: self.weights[k] for k in buffers})
        return model.eval()

    @property
    def nbytes(self) -> int:
        """Bytes the weight arrays take."""
        return sum(array.nbytes for array in self.weights.values())


@dataclass(frozen=True, eq=False)
class CheckpointReport:
    """What :class:`CheckpointWatcher` reports when it keeps a checkpoint."""
    checkpoint: Checkpoint


def checkpoint_architecture(model: Model) -> dict:
    """``model.config()`` (a deep copy) with the training record taken out of its metadata."""
    arch = copy.deepcopy(model.config())
    clear_training_record(arch["metadata"])
    return arch


class CheckpointWatcher(RunWatcher):
    """Keeps checkpoints at :func:`checkpoint_steps` during a run, within
    ``max_bytes`` of weights (thinning the schedule before the run if it
    would not fit; :attr:`thinned` says so).

    After the run, :meth:`after_finish` (or :meth:`final`) adds the weights
    the run ended with when it stopped early. The checkpoints are yielded as
    :class:`CheckpointReport` and kept in :attr:`checkpoints` (oldest first).
    """

    def __init__(self, max_bytes: int = CHECKPOINT_MEMORY_BYTES):
        self.max_bytes = int(max_bytes)
        self.checkpoints: list[Checkpoint] = []
        self.schedule: list[int] = []         # the steps this run keeps
        self.thinned = False
        self.plan: RunPlan | None = None
        self._pending: set[int] = set()
        self._architecture: dict = {}
        self._capacity = 0

    @property
    def nbytes(self) -> int:
        """Bytes the kept checkpoints take."""
        return sum(c.nbytes for c in self.checkpoints)

    # ------------------------------------------------------------------ hooks
    def at_start(self, model: Model, plan: RunPlan) -> list[CheckpointReport]:
        self.plan = plan
        self.checkpoints = []
        self._architecture = checkpoint_architecture(model)
        weights = {**model.named_params(), **model.named_buffers()}
        per = sum(array.nbytes for array in weights.values())
        self._capacity = min(self.max_bytes // per if per else MAX_CHECKPOINTS, MAX_CHECKPOINTS,
                             MAX_CHECKPOINT_ARRAYS // max(1, len(weights)))
        full = checkpoint_steps(plan.total_steps, plan.steps_per_epoch)
        self.schedule = thin_steps(full, self._capacity, plan.steps_per_epoch)
        self.thinned = len(self.schedule) < len(full)
        self._pending = set(self.schedule)
        return self._take(model, 0, 0.0) if 0 in self._pending else []

    def after_step(self, model: Model, report: StepReport) -> list[CheckpointReport]:
        if report.step not in self._pending:
            return []
        return self._take(model, report.step, report.epoch_fraction)

    # ------------------------------------------------------------ end of a run
    def final(self, model: Model, step: int, epoch_fraction: float) -> CheckpointReport | None:
        """Keep ``model``'s current weights as step ``step`` if it is later than
        the last checkpoint (and one more fits the memory bound)."""
        if self.checkpoints and step <= self.checkpoints[-1].step:
            return None
        if len(self.checkpoints) >= self._capacity:
            return None
        return self._take(model, step, epoch_fraction)[0]

    def after_finish(self, model: Model, report: FinishedReport) -> CheckpointReport | None:
        """:meth:`final` at the step whose weights ``model`` holds after the run
        of ``report`` (its ``weights_step``: a diverged run may have restored
        those of the step before)."""
        step = report.steps if report.weights_step is None else report.weights_step
        per_epoch = self.plan.steps_per_epoch if self.plan is not None else 1
        return self.final(model, step, step / per_epoch)

    # ------------------------------------------------------------- internals
    def _take(self, model: Model, step: int, epoch_fraction: float) -> list[CheckpointReport]:
        checkpoint = Checkpoint.of(model, step, epoch_fraction, self._architecture)
        self.checkpoints.append(checkpoint)
        return [CheckpointReport(checkpoint)]

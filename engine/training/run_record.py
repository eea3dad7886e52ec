"""The record of a training run: its settings, its curves and its
checkpoints, so runs can be compared (curves overlaid, settings side by
side) and replayed (:mod:`engine.training.checkpoints`), and saved as one
file (:mod:`engine.training.run_file`).

A :class:`RunRecorder` watches a run: hand its :attr:`~RunRecorder.watchers`
to the :class:`~engine.training.trainer.Trainer` and pass it every report::

    recorder = RunRecorder(model, config, "bench, lr 0.05", CheckpointWatcher())
    for report in Trainer(model, data, config, watchers=recorder.watchers).run():
        recorder.observe(report)
    run = recorder.result()

The trainer is seeded, so two runs with the same settings, data, initial
weights and seed record the same checkpoints bit for bit.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from ..nn.architecture import describe_architecture
from ..nn.metadata import ModelCard
from ..nn.model import Model
from .checkpoints import Checkpoint, CheckpointReport, CheckpointWatcher, checkpoint_architecture
from .config import TrainConfig
from .reports import EpochReport, FinishedReport, StepReport

MAX_LABEL_CHARS = 200
#: What ``finished_reason`` may be: the trainer's reasons, or "running" (not finished yet).
FINISHED_REASONS = ("completed", "stopped", "diverged", "running")

_SHORT_NAMES = {"MaxPool2D": "pool", "AvgPool2D": "avg pool", "BatchNorm2D": "batch norm",
                "BatchNorm1D": "batch norm", "Tanh": "tanh", "Sigmoid": "sigmoid",
                "LeakyReLU": "leaky ReLU"}
_SILENT = ("ReLU", "Flatten")


def architecture_text(arch: dict) -> str:
    """A short description of the layers, e.g. ``"conv 8 3×3 → pool → dense 10"``
    (ReLU and Flatten left out; other activations named)."""
    parts = []
    for layer in arch.get("layers", []):
        kind = layer.get("type")
        if kind == "Conv2D":
            k = layer.get("kernel_size", [0, 0])
            parts.append(f"conv {layer.get('out_channels')} {k[0]}×{k[1]}")
        elif kind == "Dense":
            parts.append(f"dense {layer.get('out_features')}")
        elif kind == "Dropout":
            parts.append(f"dropout {layer.get('rate', 0):g}")
        elif kind not in _SILENT:
            parts.append(_SHORT_NAMES.get(kind, str(kind).lower()))
    return " → ".join(parts)


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """One training run, finished or not.

    Per step (``S`` steps recorded, 1-D arrays): ``steps`` int64 (1-based),
    ``loss`` (the batch's mean cross-entropy, nats), ``accuracy`` (the
    batch's, a fraction) and ``lr`` (the learning rate used), float64. Per
    epoch (``E`` epochs evaluated): ``epoch_test_accuracy`` (fraction),
    ``epoch_test_loss``, ``epoch_train_loss`` (mean over the epoch's
    batches), float64. ``finished_reason``: one of :data:`FINISHED_REASONS`;
    ``elapsed_s``: training seconds (pauses excluded); ``total_steps``: the
    steps the run was planned for; ``pen_mix``: the share of pen-redrawn
    digits added to the training set (0: none).
    """
    label: str
    architecture: dict
    config: TrainConfig
    checkpoints: tuple[Checkpoint, ...]
    steps: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    lr: np.ndarray
    epoch_test_accuracy: np.ndarray
    epoch_test_loss: np.ndarray
    epoch_train_loss: np.ndarray
    finished_reason: str
    elapsed_s: float
    dataset: str = "MNIST"
    total_steps: int = 0
    pen_mix: float = 0.0

    @property
    def final_test_accuracy(self) -> float | None:
        """The test accuracy after the last evaluated epoch (a fraction), or None."""
        return float(self.epoch_test_accuracy[-1]) if len(self.epoch_test_accuracy) else None

    @property
    def steps_after_last_test(self) -> int:
        """Steps trained after the last evaluated epoch: more than 0 for a run
        stopped (or diverged) mid-epoch, whose :attr:`final_test_accuracy` is
        then that of older weights than the run ended with."""
        if not self.total_steps or self.config.epochs <= 0:
            return 0
        per_epoch = self.total_steps // self.config.epochs
        return max(0, len(self.steps) - len(self.epoch_test_accuracy) * per_epoch)

    @property
    def num_params(self) -> int:
        return describe_architecture(self.architecture, serviceable=False).num_params

    def settings(self) -> dict[str, str]:
        """The settings two runs are compared by, as readable strings, in a
        fixed order of rows (the same keys for every run)."""
        cfg = self.config
        sgd = cfg.optimizer == "sgd"
        warmup = f", {cfg.warmup_steps:,} warm-up steps" if cfg.schedule == "cosine" \
            and cfg.warmup_steps else ""
        return {
            "dataset": self.dataset,
            "architecture": ModelCard.read(self.architecture.get("metadata", {})).preset
            or "custom",
            "layers": architecture_text(self.architecture),
            "parameters": f"{self.num_params:,}",
            "optimizer": cfg.optimizer,
            "learning rate": f"{cfg.lr:g}",
            "momentum": f"{cfg.momentum:g}" if sgd else f"not used ({cfg.optimizer})",
            "weight decay": f"{cfg.weight_decay:g}",
            "batch size": f"{cfg.batch_size:,}",
            "epochs": f"{cfg.epochs:,}",
            "schedule": cfg.schedule + warmup,
            "augmentation": "on" if cfg.augment else "off",
            "training images": "all" if cfg.subset is None else f"{cfg.subset:,}",
            "test images": "all" if cfg.eval_subset is None else f"{cfg.eval_subset:,}",
            "pen mix": f"{self.pen_mix:g}× the training set" if self.pen_mix else "none",
            "seed": str(cfg.seed),
            "threads": "auto" if cfg.workers is None else str(cfg.workers),
        }


class RunRecorder:
    """Records the run that trains ``model`` with ``config``.

    :param label: free text naming the run (at most :data:`MAX_LABEL_CHARS`
        characters are kept), e.g. ``"bench, lr 0.05"``
    :param checkpoints: keeps checkpoints during the run (None: curves only)
    :param dataset: the data's name, e.g. ``"MNIST"``
    :param pen_mix: pen-redrawn digits added, a fraction of the training set
    """

    def __init__(self, model: Model, config: TrainConfig, label: str = "",
                 checkpoints: CheckpointWatcher | None = None, *, dataset: str = "MNIST",
                 pen_mix: float = 0.0):
        self.model, self.config = model, config
        self.label = str(label)[:MAX_LABEL_CHARS]
        self.dataset, self.pen_mix = dataset, float(pen_mix)
        self.checkpoint_watcher = checkpoints
        self._architecture = checkpoint_architecture(model)
        self._steps = array("q")
        self._step_values = {"loss": array("d"), "accuracy": array("d"), "lr": array("d")}
        self._epoch_values = {"test_accuracy": array("d"), "test_loss": array("d"),
                              "train_loss": array("d")}
        self._total_steps = 0
        self._elapsed_s = 0.0
        self._finished: FinishedReport | None = None

    @property
    def watchers(self) -> tuple[CheckpointWatcher, ...]:
        """The watchers to hand to the trainer."""
        return () if self.checkpoint_watcher is None else (self.checkpoint_watcher,)

    def observe(self, report: object) -> CheckpointReport | None:
        """Take in one report the trainer yielded (others are ignored). After
        the :class:`FinishedReport`, returns the checkpoint of the weights the
        run ended with if that is a new one (report it like the others)."""
        if isinstance(report, StepReport):
            self._steps.append(report.step)
            for name, values in self._step_values.items():
                values.append(float(getattr(report, name)))
            self._total_steps, self._elapsed_s = report.total_steps, report.elapsed_s
        elif isinstance(report, EpochReport):
            for name, values in self._epoch_values.items():
                values.append(float(getattr(report, name)))
            self._elapsed_s = report.elapsed_s
        elif isinstance(report, FinishedReport):
            self._finished, self._elapsed_s = report, report.elapsed_s
            if self.checkpoint_watcher is not None:
                return self.checkpoint_watcher.after_finish(self.model, report)
        return None

    def result(self) -> TrainingRun:
        """The run so far (``finished_reason`` "running" until it finished)."""
        watcher = self.checkpoint_watcher
        plan = watcher.plan if watcher is not None else None
        total = self._total_steps or (plan.total_steps if plan is not None else 0)
        steps, epochs = self._step_values, self._epoch_values
        return TrainingRun(
            label=self.label, architecture=self._architecture, config=self.config,
            checkpoints=tuple(watcher.checkpoints) if watcher is not None else (),
            steps=np.array(self._steps, dtype=np.int64), loss=np.array(steps["loss"]),
            accuracy=np.array(steps["accuracy"]), lr=np.array(steps["lr"]),
            epoch_test_accuracy=np.array(epochs["test_accuracy"]),
            epoch_test_loss=np.array(epochs["test_loss"]),
            epoch_train_loss=np.array(epochs["train_loss"]),
            finished_reason=self._finished.reason if self._finished is not None else "running",
            elapsed_s=float(self._elapsed_s), dataset=self.dataset, total_steps=int(total),
            pen_mix=self.pen_mix)

"""Training dynamics, collected by a trainer watcher at sampled steps.

At a sampled step ``s`` the :class:`DynamicsWatcher` describes every
parametrised layer (input to output) by its *weights* (``conv.K``,
``fc.W``, batch norm's ``gamma``; biases are left out):

* a histogram of the weight values over edges fixed for the whole run: from
  ``-span`` to ``+span`` with ``span = weight_span x`` the layer's largest
  initial ``|w|`` (1.0 if the layer starts all zeros), so a series of
  histograms forms a heat map over time; values beyond go to the end bins;
* a histogram of ``log10 |g|`` of the step's mean mini-batch gradient over
  fixed edges (default -10 .. 0, i.e. 1e-10 .. 1); zeros and anything below
  go to the first bin, anything above to the last (NaNs are not counted);
* the L2 norms of the weights (after the step) and of the gradient;
* the update ratio ``||w_s - w_(s-1)|| / ||w_(s-1)||`` (dimensionless; the
  rule of thumb wants about 1e-3). To know ``w_(s-1)`` the watcher copies
  the weights after step ``s - 1`` only when step ``s`` is a sampled one;
* the dead fraction: the share of the units of the ReLU that follows the
  layer (directly, or behind batch norm or dropout, which act unit by unit)
  that are zero for every image of a fixed probe batch. A unit is one
  (channel, row, column) of a feature map or one feature of a vector. The
  probe batch goes through the layers in inference mode (no dropout, batch
  norm's running statistics) by their side-effect-free ``pure_forward``,
  so the model's mode, caches, buffers and random streams stay untouched.
  A leaky ReLU passes a little of every negative input, so its units are
  never strictly dead: layers followed by one (or by tanh, sigmoid or no
  activation) have ``dead_fraction=None``.

Sampled steps: ``1 .. first_steps`` (so short runs show something), every
``every``-th step, and the run's last step. One sample costs about two
training steps at batch 64 (measured on 2 cores for the bench and the
playground presets: the probe's forward pass of 256 images, spread over the
cores, is most of it; the histograms and norms take a few ms). Every 200
steps that is about 1 % of the training time; a 600-step run, whose first
three steps are sampled too, pays about 2 %. Smaller batches pay
proportionally more. ``python -m engine.bench --dynamics`` measures it.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from ..data.dataset import Dataset, images_to_input
from ..nn.layers import BatchNorm2D, Dropout, Layer, ReLU
from ..nn.model import Model
from .dynamics_report import DynamicsReport, LayerDynamics
from .parallel import default_workers
from .reports import RunPlan, StepReport
from .watchers import RunWatcher


@dataclass(frozen=True)
class DynamicsConfig:
    """When and how finely the dynamics are sampled.

    :ivar every: sample every this many steps (after the first ones)
    :ivar first_steps: also sample each of the steps ``1 .. first_steps``
    :ivar sample_last: also sample the run's last step
    :ivar probe_size: images in the probe batch (dead units)
    :ivar probe_chunk: images per forward pass of the probe (bounds memory)
    :ivar bins: histogram bins (weights and gradients)
    :ivar weight_span: weight edges are ``+-weight_span x`` the initial max ``|w|``
    :ivar grad_log10_range: ``(lo, hi)`` edges of the ``log10 |g|`` histogram
    :ivar workers: threads the probe's chunks are spread over (None: the
        trainer's default, one per core up to 4)
    :ivar budget: if set, a time budget instead of a fixed period: after the
        first steps a step is sampled once the training time since the last
        sample is at least that sample's cost / ``budget`` (and ``every``
        steps have passed), so the sampling costs at most ``budget`` of the
        training time whatever the network and the machine (the sampled steps
        then depend on timing; the training does not)
    """

    every: int = 200
    first_steps: int = 3
    sample_last: bool = True
    probe_size: int = 256
    probe_chunk: int = 64
    bins: int = 40
    weight_span: float = 3.0
    grad_log10_range: tuple[float, float] = (-10.0, 0.0)
    workers: int | None = None
    budget: float | None = None

    def validate(self) -> None:
        """Raise ``ValueError`` for settings that cannot work."""
        if self.every < 1 or self.first_steps < 0:
            raise ValueError(f"every must be >= 1 and first_steps >= 0 "
                             f"(got {self.every}, {self.first_steps})")
        if self.probe_size < 1 or self.probe_chunk < 1 or self.bins < 1:
            raise ValueError("probe_size, probe_chunk and bins must be >= 1")
        lo, hi = self.grad_log10_range
        if self.budget is not None and not 0 < self.budget <= 1:
            raise ValueError(f"budget must be in (0, 1], got {self.budget}")
        if not (self.weight_span > 0 and lo < hi):
            raise ValueError("weight_span must be > 0 and grad_log10_range increasing")

    @classmethod
    def budgeted(cls, total_steps: int, budget: float = 0.025,
                 probe_size: int = 128) -> "DynamicsConfig":
        """What the app samples a run of ``total_steps`` with: the first three
        steps, the last, and in between at most ~200 samples within ``budget``
        of the training time (2.5 %: under the 3 % the dynamics may cost).
        The probe runs on one thread: the training's slices keep every core
        busy meanwhile, so more threads would not shorten a sample, only
        multiply the CPU time it takes from the training beyond the budget."""
        return cls(every=max(5, total_steps // 200), first_steps=3, budget=budget,
                   probe_size=probe_size, workers=1)

    def is_sampled(self, step: int, total_steps: int | None = None) -> bool:
        """Whether the step ``step`` (1-based) of a run of ``total_steps`` is sampled."""
        return step >= 1 and (step <= self.first_steps or step % self.every == 0
                              or (self.sample_last and step == total_steps))

    def sampled_steps(self, total_steps: int) -> list[int]:
        """Every sampled step of a run of ``total_steps`` steps, in order."""
        return [s for s in range(1, total_steps + 1) if self.is_sampled(s, total_steps)]


@dataclass(frozen=True)
class _Tracked:
    """A described layer: its weight parameter, fixed weight edges and the
    ReLU whose output counts its dead units (None: not counted)."""
    layer: str
    param: str
    weight_edges: np.ndarray
    activation: str | None


def weight_param(layer: Layer) -> str | None:
    """The key of ``layer``'s weights: its first parameter with more than one
    axis (``K``, ``W``), else its first one (batch norm's ``gamma``); None
    without parameters."""
    keys = list(layer.params)
    return next((k for k in keys if layer.params[k].ndim > 1), keys[0] if keys else None)


def relu_after(layers: list[Layer], index: int) -> str | None:
    """The name of the ReLU that takes ``layers[index]``'s output, directly or
    through batch norm or dropout layers (unit-wise); None if another layer
    comes first or none follows."""
    for layer in layers[index + 1:]:
        if isinstance(layer, ReLU):
            return layer.name
        if not isinstance(layer, (BatchNorm2D, Dropout)):   # BatchNorm1D is a BatchNorm2D
            return None
    return None


def weight_edges(w: np.ndarray, bins: int, span_factor: float) -> np.ndarray:
    """``(bins + 1,)`` float64 edges from ``-span`` to ``+span``,
    ``span = span_factor * max |w|`` (1.0 for all-zero weights)."""
    top = float(np.max(np.abs(w))) if w.size else 0.0
    span = span_factor * top if np.isfinite(top) and top > 0 else 1.0
    return np.linspace(-span, span, bins + 1)


def clipped_histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``(len(edges) - 1,)`` int64 counts of ``values`` over uniform ``edges``,
    values beyond the edges counted in the end bins (NaNs not counted)."""
    lo, hi = float(edges[0]), float(edges[-1])
    counts, _ = np.histogram(np.clip(values, lo, hi), bins=len(edges) - 1, range=(lo, hi))
    return counts.astype(np.int64, copy=False)


def log_magnitudes(g: np.ndarray) -> np.ndarray:
    """``log10 |g|`` element-wise (``-inf`` for zeros), same shape."""
    with np.errstate(divide="ignore"):
        return np.log10(np.abs(g))


def norm(a: np.ndarray) -> float:
    """The L2 norm of all of ``a``'s values (any shape)."""
    return float(np.linalg.norm(a.ravel()))


class DynamicsWatcher(RunWatcher):
    """Yields a :class:`DynamicsReport` after each sampled step of a run.

    :param probe_images: ``(N, C, H, W)`` float32 in [0, 1], the fixed probe
        batch the dead units are counted on (training images, not test ones)
    :param config: when and how finely to sample

    :attr:`reports` and :attr:`losses` keep the run's history for
    :func:`engine.training.dynamics_warnings.diagnose`.
    """

    def __init__(self, probe_images: np.ndarray, config: DynamicsConfig = DynamicsConfig()):
        config.validate()
        probe = np.asarray(probe_images)
        if probe.ndim != 4 or len(probe) == 0:
            raise ValueError(f"probe images must be (N, C, H, W) with N >= 1, got {probe.shape}")
        self.config = config
        self.probe = np.array(probe, dtype=np.float32)
        self._tracked: list[_Tracked] = []
        self._before: dict[str, np.ndarray] = {}
        self._total: int | None = None
        self._reports: list[DynamicsReport] = []
        self._losses: list[float] = []

    @classmethod
    def from_dataset(cls, data: Dataset, rng: np.random.Generator,
                     config: DynamicsConfig = DynamicsConfig()) -> "DynamicsWatcher":
        """A watcher whose probe batch is ``config.probe_size`` training images
        of ``data`` drawn without replacement by ``rng`` (in index order)."""
        n = len(data.train_labels)
        idx = np.sort(rng.choice(n, size=min(config.probe_size, n), replace=False))
        return cls(images_to_input(np.asarray(data.train_images)[idx]), config)

    # ------------------------------------------------------------------ history
    @property
    def reports(self) -> tuple[DynamicsReport, ...]:
        """Every report of the current run so far, in step order."""
        return tuple(self._reports)

    @property
    def losses(self) -> tuple[float, ...]:
        """The batch loss of every step of the current run so far."""
        return tuple(self._losses)

    # -------------------------------------------------------------------- hooks
    def at_start(self, model: Model, plan: RunPlan) -> Iterable[object]:
        if tuple(self.probe.shape[1:]) != tuple(model.input_shape):
            raise ValueError(f"probe images {self.probe.shape[1:]} do not fit the model's "
                             f"input {tuple(model.input_shape)}")
        cfg = self.config
        self._tracked = []
        for i, layer in enumerate(model.layers):
            key = weight_param(layer)
            if key is not None:
                self._tracked.append(_Tracked(
                    layer.name, f"{layer.name}.{key}",
                    weight_edges(layer.params[key], cfg.bins, cfg.weight_span),
                    relu_after(model.layers, i)))
        params = model.named_params()
        self._before = {t.param: params[t.param].copy() for t in self._tracked}
        self._total = plan.total_steps
        self._reports, self._losses = [], []
        self._due = self.config.is_sampled(1, self._total)
        self._last = (0, 0.0, 0.0)          # (step, training time, cost s) of the last sample
        return ()

    def after_step(self, model: Model, report: StepReport) -> Iterable[object]:
        self._losses.append(float(report.loss))
        out = []
        if self._due:
            t0 = time.perf_counter()
            sample = self.sample(model, report)
            self._reports.append(sample)
            out.append(sample)
            self._last = (report.step, report.elapsed_s, time.perf_counter() - t0)
        self._due = self._sampled_next(report)
        if self._due:
            t0 = time.perf_counter()
            params = model.named_params()
            for name, before in self._before.items():
                np.copyto(before, params[name])
            step, at, cost = self._last
            self._last = (step, at, cost + time.perf_counter() - t0)
        return out

    def _sampled_next(self, report: StepReport) -> bool:
        """Whether the step after ``report``'s is sampled."""
        cfg, nxt = self.config, report.step + 1
        if cfg.budget is None or nxt <= cfg.first_steps or (cfg.sample_last and nxt == self._total):
            return cfg.is_sampled(nxt, self._total)
        step, at, cost = self._last
        trained = report.elapsed_s - at - cost        # training time since the last sample
        return nxt - step >= cfg.every and trained >= cost / cfg.budget

    # ---------------------------------------------------------------- measuring
    def sample(self, model: Model, report: StepReport) -> DynamicsReport:
        """The dynamics after ``report.step`` (the weights before it must have
        been kept: the watcher does that for sampled steps)."""
        params, grads = model.named_params(), model.named_grads()
        dead = self.dead_fractions(model)
        lo, hi = self.config.grad_log10_range
        grad_edges = np.linspace(lo, hi, self.config.bins + 1)
        layers = []
        for t in self._tracked:
            w, g, before = params[t.param], grads[t.param], self._before[t.param]
            before_norm = norm(before)
            step_norm = norm(w - before)
            ratio = step_norm / before_norm if before_norm > 0 else \
                (0.0 if step_norm == 0 else float("inf"))
            layers.append(LayerDynamics(
                t.layer, t.param, t.weight_edges, clipped_histogram(w, t.weight_edges),
                grad_edges, clipped_histogram(log_magnitudes(g), grad_edges),
                norm(w), norm(g), ratio, dead.get(t.activation) if t.activation else None))
        return DynamicsReport(report.step, report.epoch_fraction, float(report.loss),
                              tuple(layers))

    def dead_fractions(self, model: Model) -> dict[str, float]:
        """``{ReLU name: share of its units zero for every probe image}`` for the
        ReLUs after the described layers. The probe goes through the layers'
        side-effect-free inference passes (``pure_forward``: no dropout, batch
        norm's running statistics; caches, mode and buffers untouched), its
        chunks spread over worker threads."""
        names = {t.activation for t in self._tracked if t.activation}
        if not names:
            return {}
        last = max(i for i, layer in enumerate(model.layers) if layer.name in names)
        stack = model.layers[:last + 1]
        first = next(iter(model.named_params().values()))
        probe = self.probe.astype(first.dtype, copy=False)
        chunk = self.config.probe_chunk
        chunks = [probe[i:i + chunk] for i in range(0, len(probe), chunk)]
        workers = min(len(chunks), self.config.workers or default_workers())
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="engine-probe") as pool:
                parts = list(pool.map(lambda x: fired_units(stack, x, names), chunks))
        else:
            parts = [fired_units(stack, x, names) for x in chunks]
        out = {}
        for name in names:
            alive = np.logical_or.reduce([part[name] for part in parts])
            out[name] = float(1.0 - np.count_nonzero(alive) / alive.size)
        return out


def fired_units(layers: list[Layer], x: np.ndarray, names: set[str]) -> dict[str, np.ndarray]:
    """``{layer name: bool array of one sample's output shape}``: True where
    the output of that layer (one of ``names``) was > 0 for some image of
    ``x`` (``(N, C, H, W)``), by ``pure_forward`` through ``layers``."""
    fired = {}
    for layer in layers:
        x, _ = layer.pure_forward(x)
        if layer.name in names:
            fired[layer.name] = np.any(x > 0, axis=0)
    return fired

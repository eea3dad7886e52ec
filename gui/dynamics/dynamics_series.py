"""The training dynamics received so far, kept as arrays that grow: one row
per sampled step, per layer (weight and gradient histogram counts, norms,
update ratio, dead share). Collecting only: the numbers are the engine's
(:class:`engine.training.dynamics_report.DynamicsReport`); what is converted
here is for display (log10 of the ratios and norms, the dead share in %).

A report whose layers (names, bins) differ from the stored ones, or whose
step is not after the last one, begins a new run: the series start again.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.training.dynamics_report import DynamicsReport, LayerDynamics

from ..training.plot_parts import GrowingArray


class GrowingRows:
    """A 2-D array ``(n, width)`` with amortised O(1) appends of rows (the
    capacity doubles); ``view()`` is the filled part, without copying."""

    def __init__(self, width: int, dtype=np.int64, capacity: int = 256):
        self._data = np.zeros((capacity, width), dtype)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def width(self) -> int:
        return self._data.shape[1]

    def extend(self, rows: np.ndarray) -> None:
        """Append ``rows`` ``(k, width)``."""
        rows = np.asarray(rows, dtype=self._data.dtype).reshape(-1, self.width)
        need = self._n + len(rows)
        if need > len(self._data):
            cap = len(self._data)
            while cap < need:
                cap *= 2
            grown = np.zeros((cap, self.width), self._data.dtype)
            grown[:self._n] = self._data[:self._n]
            self._data = grown
        self._data[self._n:need] = rows
        self._n = need

    def view(self) -> np.ndarray:
        return self._data[:self._n]


class LayerSeries:
    """One layer over the run: ``weight_edges`` ``(bins + 1,)`` (weight
    values) and ``grad_edges`` ``(bins + 1,)`` (log10 |gradient|) fixed for
    the run, ``weight_counts`` / ``grad_counts`` ``(n, bins)`` int64 counts,
    and per sample ``log_ratio`` (log10 of update / weight, dimensionless),
    ``log_grad_norm`` (log10 of the L2 norm) and ``dead_percent`` (0..100,
    NaN when no ReLU-like activation follows the layer)."""

    def __init__(self, first: LayerDynamics):
        self.name = first.layer
        self.param = first.param
        self.weight_edges = np.asarray(first.weight_edges, float).copy()
        self.grad_edges = np.asarray(first.grad_edges, float).copy()
        self.weight_counts = GrowingRows(len(first.weight_counts))
        self.grad_counts = GrowingRows(len(first.grad_counts))
        self.log_ratio = GrowingArray(256)
        self.log_grad_norm = GrowingArray(256)
        self.dead_percent = GrowingArray(256)

    def fits(self, layer: LayerDynamics) -> bool:
        """True when ``layer`` continues this series (same name and bins)."""
        return (layer.layer == self.name and len(layer.weight_counts) == self.weight_counts.width
                and len(layer.grad_counts) == self.grad_counts.width)

    def extend(self, layers: Sequence[LayerDynamics]) -> None:
        """Append one sample per item of ``layers`` (this layer at successive
        steps, with this series' bins)."""
        self.weight_counts.extend(np.concatenate([d.weight_counts for d in layers]))
        self.grad_counts.extend(np.concatenate([d.grad_counts for d in layers]))
        self.log_ratio.extend(_log10(np.array([d.update_ratio for d in layers], float)))
        self.log_grad_norm.extend(_log10(np.array([d.grad_norm for d in layers], float)))
        dead = np.array([np.nan if d.dead_fraction is None else d.dead_fraction
                         for d in layers], float)
        self.dead_percent.extend(100.0 * dead)

    @property
    def has_dead_units(self) -> bool:
        """True when some sample measured dead units (a ReLU-like activation follows)."""
        return bool(np.isfinite(self.dead_percent.view()).any())


def _log10(values: np.ndarray) -> np.ndarray:
    """log10 for a log axis; zero, negative or non-finite values -> NaN (a gap)."""
    out = np.full(values.shape, np.nan)
    good = np.isfinite(values) & (values > 0)
    np.log10(values, out=out, where=good)
    return out


class DynamicsSeries:
    """Every report of the run so far: ``steps`` (1-based training steps,
    float array ``(n,)``), ``losses`` ``(n,)`` and one :class:`LayerSeries` per
    parametrised layer, input to output (:attr:`layers`)."""

    def __init__(self):
        self.steps = GrowingArray(256)
        self.losses = GrowingArray(256)
        self.layers: list[LayerSeries] = []
        self._checked_after: float | None = None

    def __len__(self) -> int:
        return len(self.steps)

    def clear(self) -> None:
        self.steps = GrowingArray(256)
        self.losses = GrowingArray(256)
        self.layers = []

    @property
    def names(self) -> list[str]:
        """The layers' names, input to output."""
        return [s.name for s in self.layers]

    def layer(self, name: str) -> LayerSeries | None:
        return next((s for s in self.layers if s.name == name), None)

    def add(self, reports: Sequence[DynamicsReport]) -> bool:
        """Append ``reports`` (in step order; reports without layers are
        ignored). Returns True when they began a new run (the layers changed,
        or the steps went back): the series were cleared first and the layer
        list may have changed."""
        reports = [r for r in reports if r.layers]
        restarted = False
        start = 0
        while start < len(reports):
            end = start
            last = self.steps.view()[-1] if len(self.steps) else None
            self._checked_after = last          # the batch's first report: check the bins too
            while end < len(reports) and self._continues(reports[end], last):
                last = reports[end].step
                end += 1
            if end == start:            # reports[start] begins a new run
                self._begin(reports[start])
                restarted = True
                continue
            self._append(reports[start:end])
            start = end
        return restarted

    def _continues(self, report: DynamicsReport, last_step: float | None) -> bool:
        """True when ``report`` follows a series whose last step is ``last_step``
        (the same layers: names checked on every report, bins on the first of a batch)."""
        if last_step is not None and report.step <= last_step:
            return False
        if len(report.layers) != len(self.layers) or not self.layers:
            return False
        if last_step is None or last_step == self._checked_after:
            return all(s.fits(d) for s, d in zip(self.layers, report.layers))
        return all(s.name == d.layer for s, d in zip(self.layers, report.layers))

    def _begin(self, report: DynamicsReport) -> None:
        self.clear()
        self.layers = [LayerSeries(d) for d in report.layers]

    def _append(self, reports: Sequence[DynamicsReport]) -> None:
        n = len(reports)
        self.steps.extend(np.fromiter((r.step for r in reports), float, n))
        self.losses.extend(np.fromiter((r.loss for r in reports), float, n))
        for i, series in enumerate(self.layers):
            series.extend([r.layers[i] for r in reports])

"""What the training-dynamics watcher reports: per layer, the distribution of
its weights and gradients, the size of the last update relative to the
weights, the gradient norm and the share of its units that never fire.

These are plain frozen dataclasses (no Qt): the command line can print them,
the GUI's worker relays them as signals. They are produced by
:class:`engine.training.dynamics.DynamicsWatcher`; the teacher's warnings
drawn from a series of them are in :mod:`engine.training.dynamics_warnings`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerDynamics:
    """One parametrised layer at one sampled step.

    :ivar layer: the layer's name, e.g. ``"conv1"``
    :ivar param: the parameter described, e.g. ``"conv1.K"`` (the weights,
        not the bias)
    :ivar weight_edges: ``(bins + 1,)`` bin edges of the weight values (fixed
        for the whole run, so a series of histograms forms a heat map)
    :ivar weight_counts: ``(bins,)`` int64 counts (values outside the edges
        are counted in the first or last bin)
    :ivar grad_edges: ``(bins + 1,)`` edges of ``log10 |gradient|`` (fixed for
        the run; zeros counted in the first bin)
    :ivar grad_counts: ``(bins,)`` int64 counts
    :ivar weight_norm: L2 norm of the weights (after the step)
    :ivar grad_norm: L2 norm of the step's mean mini-batch gradient
    :ivar update_ratio: ``||w_after - w_before|| / ||w_before||`` for the step
        (dimensionless; the rule of thumb wants about 1e-3)
    :ivar dead_fraction: the share of the units after this layer's activation
        that are zero for every image of the probe batch (``None`` when no
        ReLU-like activation follows the layer)
    """

    layer: str
    param: str
    weight_edges: np.ndarray
    weight_counts: np.ndarray
    grad_edges: np.ndarray
    grad_counts: np.ndarray
    weight_norm: float
    grad_norm: float
    update_ratio: float
    dead_fraction: float | None


@dataclass(frozen=True)
class DynamicsReport:
    """The dynamics of every parametrised layer after the step ``step``
    (1-based, over the run; ``epoch_fraction`` e.g. 1.5), input to output."""

    step: int
    epoch_fraction: float
    loss: float
    layers: tuple[LayerDynamics, ...]


@dataclass(frozen=True)
class DynamicsWarning:
    """A teacher's remark on the run so far.

    :ivar kind: ``"exploding"``, ``"vanishing"``, ``"dead"``, ``"lr_too_high"``
        or ``"lr_too_low"``
    :ivar layer: the layer concerned, or ``None`` for the whole network
    :ivar step: the step at which the condition was seen
    :ivar message: one or two plain sentences saying what is wrong and what to try
    """

    kind: str
    layer: str | None
    step: int
    message: str

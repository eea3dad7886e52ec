"""The warnings a teacher would give, read from a run's training dynamics.

:func:`diagnose` looks at the :class:`~engine.training.dynamics_report.DynamicsReport`
series of a run so far (and, if given, the loss of every step) and returns
what is wrong now, each :class:`~engine.training.dynamics_report.DynamicsWarning`
with one or two plain sentences saying what and what to try:

* ``"exploding"``: a layer's gradient norm is not finite, or grew more than
  :data:`EXPLODING_GROWTH` times above its median over the recent samples;
* ``"vanishing"``: an early layer's gradient norm stays below
  :data:`VANISHING_RATIO` times the last layer's;
* ``"dead"``: at least :data:`DEAD_FRACTION` of the units after a layer stay
  silent on the probe batch;
* ``"lr_too_high"``: a layer's update ratio stays above
  :data:`RATIO_TOO_HIGH`, or the loss jumps about (relative spread above
  :data:`LOSS_SPREAD`) with no downward trend while still high;
* ``"lr_too_low"``: the update ratio of every layer with a non-zero gradient
  stays below :data:`RATIO_TOO_LOW`.

"Stays" means in each of the last :data:`SUSTAINED` samples: one sample can
be a fluke of its mini-batch.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .dynamics_report import DynamicsReport, DynamicsWarning, LayerDynamics

#: The healthy band of update ratios ``||dw|| / ||w||`` per step, a decade
#: either side of the rule of thumb "ratio of updates to weights ~1e-3" from
#: Karpathy's CS231n notes (Neural Networks 3, "Ratio of weights:updates").
UPDATE_RATIO_BAND = (1e-4, 1e-2)
#: Samples in a row a condition must hold (one sample can be a batch's fluke).
SUSTAINED = 3
#: Samples before the latest that the gradient growth is measured against.
RECENT = 10
#: Growth of a gradient norm over its recent median that means it explodes
#: (healthy runs change theirs a few-fold at most).
EXPLODING_GROWTH = 100.0
#: An early layer's gradient norm below this share of the last layer's
#: barely moves its weights (healthy nets stay within a factor of ~100).
VANISHING_RATIO = 1e-4
#: Share of a layer's units silent on the whole probe batch that makes it "dead".
DEAD_FRACTION = 0.5
#: An update ratio above this (10 x the band's top) rewrites the layer in a few steps.
RATIO_TOO_HIGH = 1e-1
#: An update ratio below this (10 x under the band) would take ages to matter.
RATIO_TOO_LOW = 1e-5
#: Steps of loss looked at for oscillation, and the fewest that allow a verdict.
LOSS_WINDOW = 50
MIN_LOSSES = 20
#: Standard deviation over mean of the window's losses above which they "jump about".
LOSS_SPREAD = 0.25
#: A later-half mean below this share of the earlier half's is a downward trend.
LOSS_TREND = 0.9
#: Below this median loss most batches are already right and the spread is
#: mini-batch noise, not oscillation (chance level is ln 10 = 2.3).
LOSS_FLOOR = 0.7


def diagnose(reports: Sequence[DynamicsReport],
             losses: Sequence[float] | None = None) -> list[DynamicsWarning]:
    """The teacher's warnings about the run now (see the module docstring).

    :param reports: the run's dynamics reports so far, in step order
    :param losses: the batch loss of every step from step 1 on (as
        :attr:`DynamicsWatcher.losses`); None: the reports' losses are used
    :return: warnings in the order exploding, vanishing, dead, lr_too_high,
        lr_too_low (empty: nothing to say)
    """
    out: list[DynamicsWarning] = []
    if reports:
        out += exploding(reports) + vanishing(reports) + dead(reports)
        out += ratio_too_high(reports)
    if losses is None:
        loss_steps = [r.step for r in reports]
        loss_values = [r.loss for r in reports]
    else:
        loss_values = list(losses)
        loss_steps = list(range(1, len(loss_values) + 1))
    if not any(w.kind == "lr_too_high" for w in out):
        out += oscillating(loss_values, loss_steps)
    if reports:
        out += ratio_too_low(reports)
    return out


def _series(reports: Sequence[DynamicsReport], count: int) -> list[tuple[LayerDynamics, ...]]:
    """The layers of the last ``count`` reports (all of them if fewer)."""
    return [r.layers for r in reports[-count:]]


def exploding(reports: Sequence[DynamicsReport]) -> list[DynamicsWarning]:
    """Layers whose latest gradient norm is non-finite or far above its recent median."""
    last, out = reports[-1], []
    earlier = _series(reports[:-1], RECENT)
    for i, layer in enumerate(last.layers):
        g = layer.grad_norm
        if not math.isfinite(g):
            out.append(DynamicsWarning(
                "exploding", layer.layer, last.step,
                f"The gradients of {layer.layer} are no longer finite numbers: training has "
                f"blown up. Lower the learning rate a lot and start again."))
            continue
        past = [ls[i].grad_norm for ls in earlier if i < len(ls) and math.isfinite(ls[i].grad_norm)]
        if len(past) < 2:
            continue
        median = float(np.median(past))
        if median > 0 and g > EXPLODING_GROWTH * median:
            out.append(DynamicsWarning(
                "exploding", layer.layer, last.step,
                f"The gradients of {layer.layer} grew {g / median:.0f}-fold over the last "
                f"{len(past) + 1} samples (norm now {g:.3g}), so training is about to blow up. "
                f"Lower the learning rate, or add batch normalisation."))
    return out


def vanishing(reports: Sequence[DynamicsReport]) -> list[DynamicsWarning]:
    """The input-most layer whose gradient norm stays tiny next to the last layer's."""
    recent = _series(reports, SUSTAINED)
    if len(recent) < SUSTAINED or len(recent[-1]) < 2:
        return []
    for i, layer in enumerate(recent[-1][:-1]):
        if all(len(ls) == len(recent[-1]) and ls[i].grad_norm < VANISHING_RATIO * ls[-1].grad_norm
               for ls in recent):
            top = recent[-1][-1]
            return [DynamicsWarning(
                "vanishing", layer.layer, reports[-1].step,
                f"The gradients reaching {layer.layer} are over "
                f"{1 / VANISHING_RATIO:,.0f} times smaller than those of {top.layer} "
                f"({layer.grad_norm:.2g} against {top.grad_norm:.2g}), so the early layers "
                f"barely learn. Try ReLU activations, batch normalisation or a shallower network.")]
    return []


def dead(reports: Sequence[DynamicsReport]) -> list[DynamicsWarning]:
    """Layers with at least :data:`DEAD_FRACTION` silent units in each recent sample."""
    recent = _series(reports, SUSTAINED)
    if len(recent) < SUSTAINED:
        return []
    out = []
    for i, layer in enumerate(recent[-1]):
        shares = [ls[i].dead_fraction if i < len(ls) else None for ls in recent]
        if all(s is not None and s >= DEAD_FRACTION for s in shares):
            out.append(DynamicsWarning(
                "dead", layer.layer, reports[-1].step,
                f"{layer.dead_fraction:.0%} of the units after {layer.layer} never fire on the "
                f"probe images, so they have stopped learning. Lower the learning rate, or use "
                f"leaky ReLU or batch normalisation."))
    return out


def _ratios(recent: list[tuple[LayerDynamics, ...]], i: int) -> list[float]:
    return [ls[i].update_ratio for ls in recent if i < len(ls)]


def ratio_too_high(reports: Sequence[DynamicsReport]) -> list[DynamicsWarning]:
    """The layer with the largest update ratio if it stays above :data:`RATIO_TOO_HIGH`."""
    recent = _series(reports, SUSTAINED)
    if len(recent) < SUSTAINED:
        return []
    high = [(layer.update_ratio, layer.layer) for i, layer in enumerate(recent[-1])
            if all(not r <= RATIO_TOO_HIGH for r in _ratios(recent, i))]   # NaN/inf count
    if not high:
        return []
    ratio, name = max(high, key=lambda h: h[0] if math.isfinite(h[0]) else math.inf)
    size = f"{ratio:.0%}" if math.isfinite(ratio) else "an unbounded share"
    return [DynamicsWarning(
        "lr_too_high", name, reports[-1].step,
        f"Each step changes the weights of {name} by {size} of their size, far above the "
        f"healthy {UPDATE_RATIO_BAND[0]:.2%} to {UPDATE_RATIO_BAND[1]:.0%} (about 0.1% is the "
        f"rule of thumb). The learning rate is too high: lower it, e.g. ten-fold.")]


def ratio_too_low(reports: Sequence[DynamicsReport]) -> list[DynamicsWarning]:
    """One warning if the update ratio of every layer that has a gradient
    stays below :data:`RATIO_TOO_LOW` (layers with a zero gradient are not
    held back by the learning rate: the dead-unit warning covers them)."""
    recent = _series(reports, SUSTAINED)
    if len(recent) < SUSTAINED or not recent[-1]:
        return []
    moving = [ls[i] for ls in recent for i in range(len(ls)) if ls[i].grad_norm > 0]
    if not moving or not all(layer.update_ratio < RATIO_TOO_LOW for layer in moving):
        return []                                       # NaN fails the test: no warning
    largest = max(layer.update_ratio for layer in recent[-1] if layer.grad_norm > 0) \
        if any(layer.grad_norm > 0 for layer in recent[-1]) else 0.0
    return [DynamicsWarning(
        "lr_too_low", None, reports[-1].step,
        f"Each step changes the weights by less than {RATIO_TOO_LOW:.0e} of their size "
        f"(at most {largest:.1e}), far below the healthy {UPDATE_RATIO_BAND[0]:.0e} to "
        f"{UPDATE_RATIO_BAND[1]:.0e}, so the network learns very slowly. Raise the learning "
        f"rate, e.g. ten- to a hundred-fold.")]


def oscillating(losses: Sequence[float], steps: Sequence[int]) -> list[DynamicsWarning]:
    """One ``lr_too_high`` warning if the recent losses jump about without
    going down while still above :data:`LOSS_FLOOR`; ``steps``: their steps."""
    window = np.asarray(losses[-LOSS_WINDOW:], dtype=np.float64)
    if len(window) < MIN_LOSSES or not np.all(np.isfinite(window)):
        return []
    half = len(window) // 2
    early, late = float(window[:half].mean()), float(window[half:].mean())
    mean = float(window.mean())
    spread = float(window.std()) / mean if mean > 0 else 0.0
    if late < LOSS_TREND * early or float(np.median(window)) < LOSS_FLOOR or spread <= LOSS_SPREAD:
        return []
    return [DynamicsWarning(
        "lr_too_high", None, int(steps[-1]),
        f"Over the last {len(window)} steps the loss has jumped up and down (spread "
        f"{spread:.0%} of its mean) without going down. The learning rate is probably too "
        f"high: lower it, e.g. three- to ten-fold.")]

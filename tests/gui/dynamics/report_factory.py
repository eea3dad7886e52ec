"""Synthetic training-dynamics reports with realistic shapes: a few layers,
40-bin histograms of weights and of log10 |gradient| (fixed edges for the
run), norms, update ratios and dead shares that drift over the steps."""
from __future__ import annotations

import numpy as np

from engine.training.dynamics_report import DynamicsReport, DynamicsWarning, LayerDynamics

BINS = 40
#: ``(name, weight count, weight edge, has a ReLU after it)`` of the default layers.
LAYERS = (("conv1", 288, 0.6, True), ("conv2", 4608, 0.3, True), ("fc", 7840, 0.2, False))
GRAD_EDGES = np.linspace(-9.0, 0.0, BINS + 1)


def layer_names(count: int) -> list[str]:
    """Names of ``count`` layers: the defaults, then ``layer4``, ``layer5``…"""
    return [LAYERS[i][0] if i < len(LAYERS) else f"layer{i + 1}" for i in range(count)]


def make_reports(steps: int = 200, layers: int = 3, every: int = 5, first_step: int | None = None,
                 seed: int = 0, ratio: float = 1e-3, exploding: str | None = None,
                 dead_layer: str | None = None) -> list[DynamicsReport]:
    """``steps`` reports, one every ``every`` training steps (from
    ``first_step``, default ``every``), of ``layers`` layers. ``ratio``: the
    typical update / weight ratio; ``exploding``: a layer whose gradients
    grow 100-fold over the run; ``dead_layer``: a layer whose ReLUs die."""
    rng = np.random.default_rng(seed)
    first_step = every if first_step is None else first_step
    specs = [LAYERS[i] if i < len(LAYERS) else (f"layer{i + 1}", 1000, 0.3, True)
             for i in range(layers)]
    base = [rng.standard_normal(spec[1]) for spec in specs]      # each layer's weights, drifting
    out = []
    for k in range(steps):
        t = k / max(1, steps - 1)                        # 0 .. 1 over the run
        items = []
        for i, (name, size, edge, relu) in enumerate(specs):
            spread = edge * (0.25 + 0.15 * t)
            w_edges = np.linspace(-edge, edge, BINS + 1)
            base[i] += 0.02 * rng.standard_normal(size)
            weights = spread * base[i]
            w_counts = np.histogram(np.clip(weights, -edge, edge), w_edges)[0]
            grow = 100.0 ** t if name == exploding else 1.0
            centre = -3.5 - 1.0 * t - 0.3 * i + np.log10(grow)
            log_g = rng.normal(centre, 0.6, size)
            g_counts = np.histogram(np.clip(log_g, GRAD_EDGES[0], GRAD_EDGES[-1]), GRAD_EDGES)[0]
            grad_norm = 10 ** (centre + 2.0) * (1 + 0.1 * rng.standard_normal())
            dead = None
            if relu:
                dead = min(1.0, 0.02 + 0.9 * t) if name == dead_layer else \
                    0.02 + 0.03 * t + 0.005 * rng.random()
            items.append(LayerDynamics(
                layer=name, param=f"{name}.K" if name.startswith("conv") else f"{name}.W",
                weight_edges=w_edges, weight_counts=w_counts.astype(np.int64),
                grad_edges=GRAD_EDGES.copy(), grad_counts=g_counts.astype(np.int64),
                weight_norm=float(np.linalg.norm(weights)), grad_norm=float(abs(grad_norm)),
                update_ratio=float(ratio * (1.5 - t) * 10 ** (0.15 * rng.standard_normal())
                                   * (0.5 + i * 0.4)),
                dead_fraction=dead))
        step = first_step + k * every
        out.append(DynamicsReport(step=step, epoch_fraction=step / 600, loss=2.3 * 0.98 ** k + 0.05,
                                  layers=tuple(items)))
    return out


def make_warnings() -> list[DynamicsWarning]:
    """A few warnings as the engine's ``diagnose`` would give them."""
    return [
        DynamicsWarning("exploding", "conv2", 840, "The gradients of conv2 grew 100-fold in the "
                        "last 200 steps: lower the learning rate or clip the gradients."),
        DynamicsWarning("dead", "conv1", 900, "87 % of the units after conv1 never fire on the "
                        "probe batch: lower the learning rate or use a smaller initialisation."),
        DynamicsWarning("lr_too_high", None, 950, "The loss swings up and down instead of falling: "
                        "the learning rate is probably too high."),
    ]

"""What collecting the training dynamics costs (:mod:`engine.training.dynamics`).

Each preset trains at batch 64 for a fixed number of steps (one epoch of
random images, SGD with momentum, no augmentation, so the cost looks as
large as it can), once without and once with a
:class:`~engine.training.dynamics.DynamicsWatcher` with the default
:class:`~engine.training.dynamics.DynamicsConfig`, interleaved (A B A B ...)
so that the load of a shared machine hits both alike. The cost is
``median wall time with / median wall time without - 1`` in percent; the
target is under :data:`TARGET_PERCENT`. Three cross-checks that a busy
machine disturbs less are reported beside it: the median of the per-pair
ratios, the ratio of the fastest runs (load only ever adds time), and the
cost in CPU time of the process (all its threads). The
end-of-epoch evaluation is on 64 test images in both arms (a few ms). The
fixed cost of the first densely sampled steps is included, so short runs
overstate the steady cost.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from ..data.dataset import Dataset
from ..nn import presets
from ..training.config import TrainConfig
from ..training.dynamics import DynamicsConfig, DynamicsWatcher
from ..training.dynamics_report import DynamicsReport
from ..training.trainer import Trainer

#: The dynamics may slow training down by at most this much (percent).
TARGET_PERCENT = 3.0
#: A budgeted sampling needs this many steps to reach its steady spacing (for a verdict).
MIN_BUDGET_STEPS = 200
#: The presets timed.
PRESETS = ("bench", "playground")


def random_data(steps: int, batch: int, seed: int = 0) -> Dataset:
    """``steps * batch`` random uint8 training images and 64 test images."""
    rng = np.random.default_rng(seed)
    n = steps * batch
    return Dataset(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n),
                   rng.integers(0, 256, (64, 28, 28), dtype=np.uint8), rng.integers(0, 10, 64))


def timed_run(preset: str, data: Dataset, config: TrainConfig, watched: bool,
              dynamics: DynamicsConfig) -> tuple[float, float, int]:
    """``(wall seconds, CPU seconds, dynamics reports)`` of one run from fresh
    weights (building the model, trainer and watcher is not timed)."""
    model = presets.build(preset, np.random.default_rng(0))
    watchers = (DynamicsWatcher.from_dataset(data, np.random.default_rng(1), dynamics),) \
        if watched else ()
    trainer = Trainer(model, data, config, watchers=watchers)
    t0, c0 = time.perf_counter(), time.process_time()
    reports = list(trainer.run())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, sum(1 for r in reports if isinstance(r, DynamicsReport))


def dynamics_cost(steps: int = 600, pairs: int = 3, batch: int = 64,
                  names: tuple[str, ...] = PRESETS,
                  dynamics: DynamicsConfig | None = None) -> dict:
    """Per preset: the wall and CPU times of the runs without and with the
    watcher (seconds, in order), their medians, images/s, the cost in percent
    and whether it is under :data:`TARGET_PERCENT` (None for runs shorter
    than ``dynamics.every`` steps: a smoke run); see the module docstring.
    ``dynamics`` None: what the app uses (:meth:`DynamicsConfig.budgeted`)."""
    dynamics = dynamics if dynamics is not None else DynamicsConfig.budgeted(steps)
    enough = steps >= (max(dynamics.every, MIN_BUDGET_STEPS) if dynamics.budget else dynamics.every)
    data = random_data(steps, batch)
    config = TrainConfig(epochs=1, batch_size=batch, lr=0.01, schedule="constant",
                         augment=False, seed=0)
    out = {"steps": steps, "batch": batch, "pairs": pairs, "every": dynamics.every,
           "first_steps": dynamics.first_steps, "probe_size": dynamics.probe_size,
           "budget": dynamics.budget,
           "target_percent": TARGET_PERCENT, "presets": {}}
    for name in names:
        timed_run(name, random_data(min(steps, 20), batch, seed=1), config, True, dynamics)
        runs: dict[bool, list[tuple[float, float, int]]] = {False: [], True: []}
        for _ in range(max(1, pairs)):
            for watched in (False, True):
                runs[watched].append(timed_run(name, data, config, watched, dynamics))
        out["presets"][name] = _compare(runs[False], runs[True], steps * batch, enough)
    out["passed"] = all(p["passed"] for p in out["presets"].values()) if enough else None
    return out


def _compare(plain: list[tuple[float, float, int]], watched: list[tuple[float, float, int]],
             images: int, steps_for_verdict: bool) -> dict:
    """The figures of one preset from its ``(wall, cpu, samples)`` runs
    (``passed`` None: too few steps for a verdict)."""
    a = statistics.median(r[0] for r in plain)
    b = statistics.median(r[0] for r in watched)
    cost = 100.0 * (b / a - 1.0)
    paired = 100.0 * (statistics.median(w[0] / p[0] for p, w in zip(plain, watched)) - 1.0)
    best = 100.0 * (min(r[0] for r in watched) / min(r[0] for r in plain) - 1.0)
    cpu = 100.0 * (statistics.median(r[1] for r in watched)
                   / statistics.median(r[1] for r in plain) - 1.0)
    return {"without_s": [round(r[0], 3) for r in plain],
            "with_s": [round(r[0], 3) for r in watched],
            "median_without_s": round(a, 3), "median_with_s": round(b, 3),
            "images_per_s_without": round(images / a, 1), "images_per_s_with": round(images / b, 1),
            "samples": watched[-1][2], "cost_percent": round(cost, 2),
            "paired_cost_percent": round(paired, 2), "fastest_cost_percent": round(best, 2),
            "cpu_cost_percent": round(cpu, 2),
            "passed": cost < TARGET_PERCENT if steps_for_verdict else None}


def format_dynamics(d: dict) -> list[str]:
    """Lines for the bench table."""
    spacing = (f"then within {d['budget']:.1%} of the training time (>= {d['every']} steps apart)"
               if d.get("budget") else f"then every {d['every']}")
    lines = [f"training dynamics: {d['steps']} steps at batch {d['batch']}, sampled steps "
             f"1..{d['first_steps']} {spacing} and the last (probe {d['probe_size']} images), "
             f"{d['pairs']} interleaved pair(s)",
             f"{'  preset':<13}{'without s':>10}{'with s':>8}{'img/s without':>14}"
             f"{'with':>6}{'samples':>8}{'cost %':>8}{'paired %':>9}{'fastest %':>10}"
             f"{'CPU %':>7}"]
    for name, p in d["presets"].items():
        lines.append(f"{'  ' + name:<13}{p['median_without_s']:>10.2f}{p['median_with_s']:>8.2f}"
                     f"{p['images_per_s_without']:>14.0f}{p['images_per_s_with']:>6.0f}"
                     f"{p['samples']:>8}{p['cost_percent']:>8.2f}"
                     f"{p['paired_cost_percent']:>9.2f}{p['fastest_cost_percent']:>10.2f}"
                     f"{p['cpu_cost_percent']:>7.2f}")
        spread = max(p["without_s"]) / min(p["without_s"]) - 1.0
        if spread > 0.1:
            lines.append(f"    (runs without the watcher differed by {spread:.0%}: "
                         f"the machine was busy, the cost is uncertain)")
    if d["passed"] is None:
        lines.append("  no verdict: the run is too short (mostly first samples)")
    else:
        verdict = "PASS" if d["passed"] else "FAIL"
        cpu = all(p["cpu_cost_percent"] < d["target_percent"] for p in d["presets"].values())
        lines.append(f"  {verdict}: cost under {d['target_percent']:g} % for every preset "
                     f"(wall-time medians; the machine may be shared, so repeat a FAIL)")
        lines.append(f"  (in CPU time the cost is {'under' if cpu else 'not under'} "
                     f"{d['target_percent']:g} % for every preset)")
    return lines

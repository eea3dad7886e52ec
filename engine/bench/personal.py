"""Timing and effect of :func:`engine.personal.fine_tune` on the bundled model
(a freshly initialised ``playground`` net if the bundled file is missing):
50 personal samples (5 of each digit by a synthetic writer who uses every
style MNIST lacks, :mod:`engine.data.writer_styles`), MNIST replayed from the
usual data folder. Each fine-tune is timed separately (``repeats`` of them:
the machine is shared, look at the fastest and the slowest); loading the
replay images (done once, outside the timing, as the GUI does) is timed on
its own. Then the effect: accuracy on 100 *other* samples of the same writer
and on 2000 MNIST test images, before and after."""
from __future__ import annotations

import time

import numpy as np

from ..data.writer_styles import synthetic_writer
from ..personal import FineTuneConfig, fine_tune, load_mnist_test, load_replay, measure_on_writer

#: Seconds one fine-tune on 50 samples should stay under (2 cores).
TARGET_SECONDS = 5.0
#: The writer timed: a seed whose styles the bundled model gets wrong often.
WRITER_SEED = 103


def _base_model():
    from .. import bundled_model_path, load_model
    from ..nn import presets
    path = bundled_model_path()
    return load_model(path) if path.is_file() else \
        presets.build("playground", np.random.default_rng(0))


def personal_numbers(repeats: int = 2) -> dict:
    """``{"fine_tune_seconds": [...], "replay_load_seconds", "target_seconds",
    "samples", "steps", "held_out_before_pct", ...}`` (see the module docstring)."""
    model = _base_model()
    t0 = time.perf_counter()
    replay = load_replay()
    replay_seconds = time.perf_counter() - t0
    writer = synthetic_writer(WRITER_SEED, styles="all", source=replay)
    own = writer.samples(5, seed=0)
    config = FineTuneConfig()
    times = []
    for i in range(max(1, repeats)):
        t0 = time.perf_counter()
        fine_tune(model, own.images, own.labels, replay=replay, seed=i, config=config)
        times.append(time.perf_counter() - t0)
    report = measure_on_writer(model, writer, train_per_digit=5, test_per_digit=10,
                               replay=replay, mnist_test=load_mnist_test())
    return {"samples": int(len(own.labels)), "steps": config.steps,
            "fine_tune_seconds": [round(t, 3) for t in times],
            "replay_load_seconds": round(replay_seconds, 3), "target_seconds": TARGET_SECONDS,
            **{k: v for k, v in report.summary().items()
               if k in ("held_out_before_pct", "held_out_after_pct", "held_out_count",
                        "mnist_before_pct", "mnist_after_pct", "mnist_count")}}


def format_personal(p: dict) -> list[str]:
    """Lines for the bench table."""
    times = ", ".join(f"{t:.2f}" for t in p["fine_tune_seconds"])
    return [f"{'fine-tune on ' + str(p['samples']) + ' samples, s':<44}{times:>14}"
            f"{p['target_seconds']:>10.1f}",
            f"{'  (' + str(p['steps']) + ' steps; MNIST replay loaded in':<44}"
            f"{p['replay_load_seconds']:>13.2f}s)",
            f"{'  held-out same writer, %':<44}{p['held_out_before_pct']:>7.1f} -> "
            f"{p['held_out_after_pct']:.1f} ({p['held_out_count']} samples)",
            f"{'  MNIST test subset, %':<44}" + (
                f"{p['mnist_before_pct']:>7.2f} -> {p['mnist_after_pct']:.2f} "
                f"({p['mnist_count']} images)" if p["mnist_count"] else "    (no MNIST test files)")]

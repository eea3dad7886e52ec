"""A quick measured estimate of how long one epoch of an edited network takes
on this machine: a few training steps (forward + backward) of a freshly
initialised copy on random images, timed, then scaled to the 60,000 MNIST
training images. Runs on a worker thread (:func:`probe_seconds_per_step` is
the function; the editor runs it with :class:`gui.explain.morph_job.LatestJob`).

Measured on one thread (the app holds BLAS to one thread), like one of the
trainer's data-parallel workers; the optimiser's update is left out (a few
per cent), and the trainer's workers share the cores with the app.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from engine.nn.model import Model

#: Training images in one MNIST epoch.
EPOCH_IMAGES = 60_000
#: Timed steps after one untimed warm-up step.
STEPS = 3


def probe_seconds_per_step(config: dict, batch: int, checkpoint: Callable[[], None],
                           steps: int = STEPS) -> float:
    """Seconds of one training step (forward + backward of ``batch`` random
    28×28 images) of the architecture ``config``; the median of ``steps``
    timed steps. ``checkpoint()`` is called between steps (it raises to cancel)."""
    rng = np.random.default_rng(0)
    model = Model.from_config(config, rng=rng)
    x = rng.random((batch,) + model.input_shape, dtype=np.float32)
    labels = rng.integers(0, model.num_classes, batch)
    times = []
    for i in range(steps + 1):
        checkpoint()
        start = time.perf_counter()
        model.loss_and_grads(x, labels)
        if i:                       # the first step warms caches and buffers up
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def epoch_seconds(seconds_per_step: float, batch: int, images: int = EPOCH_IMAGES) -> float:
    """Seconds of an epoch of ``images`` in steps of ``batch``."""
    return seconds_per_step * math.ceil(images / batch)


def duration_text(seconds: float) -> str:
    """``0.8 s``, ``42 s``, ``3 min 5 s``, ``1 h 12 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min {int(seconds % 60)} s"
    return f"{minutes // 60} h {minutes % 60} min"

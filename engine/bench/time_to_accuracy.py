"""Wall time to reach a test accuracy on MNIST, training from scratch."""
from __future__ import annotations

import time

import numpy as np

from ..data.dataset import Dataset
from ..data.mnist import load_mnist
from ..nn import presets
from ..training.config import TrainConfig
from ..training.evaluate import evaluate
from ..training.reports import StepReport
from ..training.trainer import Trainer


def time_to_accuracy(target: float, data_dir=None, preset: str = "bench", batch_size: int = 64,
                     lr: float = 0.05, epochs: int = 3, seed: int = 0, eval_every: int = 100) -> dict:
    """Train ``preset`` from scratch on MNIST; every ``eval_every`` steps after the
    first half epoch evaluate on the full test set; stop at ``target``.

    Reports the training wall time (evaluation pauses excluded) and the total.
    """
    data = Dataset.from_mnist(load_mnist(data_dir, download=True, progress=True))
    model = presets.build(preset, np.random.default_rng(seed))
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, schedule="cosine",
                         augment=False, seed=seed, weight_decay=5e-4)
    trainer = Trainer(model, data, config)
    eval_time, reached, accuracy, steps = 0.0, None, None, 0
    t0 = time.perf_counter()
    for report in trainer.run():
        if not isinstance(report, StepReport):
            continue
        steps = report.step
        if report.step % eval_every == 0 and report.epoch_fraction >= 0.5:
            te = time.perf_counter()
            accuracy = evaluate(model, data.test_images, data.test_labels).accuracy
            eval_time += time.perf_counter() - te
            if accuracy >= target:
                reached = time.perf_counter() - t0 - eval_time
                trainer.request_stop()
                break
    total = time.perf_counter() - t0
    return {"target": target, "reached": reached is not None, "train_seconds": reached,
            "wall_seconds_with_evaluation": total, "test_accuracy": accuracy, "steps": steps,
            "epochs": steps / trainer.steps_per_epoch, "preset": preset, "batch_size": batch_size,
            "lr": lr, "schedule": f"cosine over {epochs} epochs", "seed": seed}

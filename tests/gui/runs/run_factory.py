"""Small, realistic TrainingRun records for the view tests (no training)."""
from __future__ import annotations

import numpy as np

from engine.nn import presets
from engine.training.checkpoints import Checkpoint
from engine.training.config import TrainConfig
from engine.training.run_record import TrainingRun


def make_run(label="1. tiny", lr=0.05, epochs=2, steps_per_epoch=50, final=0.95, seed=0,
             checkpoints=3, preset="tiny") -> TrainingRun:
    rng = np.random.default_rng(seed)
    model = presets.build(preset, rng)
    total = epochs * steps_per_epoch
    steps = np.arange(1, total + 1, dtype=np.int64)
    loss = 2.3 * np.exp(-steps / (0.3 * total)) + 0.05 + 0.02 * rng.random(total)
    acc = np.clip(1 - loss / 2.5, 0, 1)
    test_acc = np.linspace(final - 0.05, final, epochs)
    cps = tuple(Checkpoint.of(model, s, s / steps_per_epoch) for s in
                np.linspace(0, total, checkpoints).astype(int)) if checkpoints else ()
    return TrainingRun(label=label, architecture=model.config(),
                       config=TrainConfig(epochs=epochs, lr=lr, batch_size=64, seed=seed),
                       checkpoints=cps, steps=steps, loss=loss, accuracy=acc,
                       lr=np.full(total, lr), epoch_test_accuracy=test_acc,
                       epoch_test_loss=np.linspace(0.3, 0.2, epochs),
                       epoch_train_loss=np.linspace(0.4, 0.25, epochs),
                       finished_reason="completed", elapsed_s=3.5, total_steps=total)

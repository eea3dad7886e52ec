"""Batches of uint8 pixels: the trainer hands its batches on as stored and
each slice (a thread or a slice process) converts its own share, with the
numbers of converting the whole batch first - on threads and on processes,
with augmentation, with unequal slices, and mixed with float batches in the
same run (each step reads the region its message names)."""
from __future__ import annotations

import os

import numpy as np
import pytest

from engine.data.augment import AugmentConfig
from engine.data.dataset import Dataset, images_to_input
from engine.nn import presets
from engine.system.runtime import blas_threads
from engine.training.config import TrainConfig
from engine.training.optim import SGD
from engine.training.parallel import DataParallel
from engine.training.process_parallel import ProcessParallel
from engine.training.reports import FinishedReport
from engine.training.trainer import Trainer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="slice processes are POSIX here")


def _pixels(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)


def _steps(batches, use_processes: bool, augment=None, workers: int = 2):
    """One SGD step per ``(x, y)`` of ``batches`` on a fresh tiny net: the
    results, the final weights and where the slices ran."""
    model = presets.build("tiny", np.random.default_rng(5))
    params, grads = model.named_params(), model.named_grads()
    opt, rng = SGD(lr=0.05, momentum=0.9, weight_decay=5e-4), np.random.default_rng(9)
    size = max(len(x) for x, _ in batches)
    with blas_threads(1), ProcessParallel(model, workers, batch_size=size, augment=augment,
                                          use_processes=use_processes) as runner:
        results = []
        for x, y in batches:
            results.append(runner.loss_and_grads(x, y, rng))
            opt.step(params, grads)
        mode = runner.mode
    return results, model.get_weights(), mode


@pytest.mark.parametrize("use_processes", [False, True])
@pytest.mark.parametrize("augment", [None, AugmentConfig()], ids=["plain", "augmented"])
def test_pixels_give_the_numbers_of_their_float_input(use_processes, augment):
    (a, ya), (b, yb), (c, yc) = _pixels(64, 1), _pixels(41, 2), _pixels(64, 3)
    pixels = [(a, ya), (b[:, None], yb), (c, yc)]          # (N, H, W) and (N, 1, H, W)
    floats = [(images_to_input(x), y) for x, y in pixels]
    mixed = [pixels[0], floats[1], pixels[2]]               # every region in turn
    ref, ref_weights, _ = _steps(floats, use_processes, augment)
    for batches in (pixels, mixed):
        got, weights, mode = _steps(batches, use_processes, augment)
        assert mode == ("processes" if use_processes else "threads")
        assert got == ref
        for k, w in ref_weights.items():
            np.testing.assert_array_equal(weights[k], w, err_msg=k)


def test_threads_convert_each_slice_of_pixels_as_the_whole_batch_would_be():
    x, y = _pixels(50, 4)
    results = []
    for batch in (x, images_to_input(x)):
        model = presets.build("tiny", np.random.default_rng(6))
        with blas_threads(1), DataParallel(model, 3) as split:
            results.append((split.loss_and_grads(batch, y),
                            {k: g.copy() for k, g in model.named_grads().items()}))
    (loss_p, grads_p), (loss_f, grads_f) = results
    assert loss_p == loss_f
    for k, g in grads_f.items():
        np.testing.assert_array_equal(grads_p[k], g, err_msg=k)


def test_a_float_dataset_trains_the_weights_its_pixels_train(mnist_data):
    """A dataset of float images in [0, 1] (converted by the trainer) and the
    same images as uint8 pixels (converted by the slices) end the same."""
    images, labels = mnist_data.train_images[:1280], mnist_data.train_labels[:1280]
    as_floats = images_to_input(images)[:, 0]
    assert as_floats.dtype == np.float32 and as_floats.shape == images.shape
    config = TrainConfig(epochs=1, batch_size=64, lr=0.05, workers=2, eval_subset=200)
    weights = []
    for train in (images, as_floats):
        data = Dataset(train, labels, mnist_data.test_images[:200], mnist_data.test_labels[:200])
        model = presets.build("tiny", np.random.default_rng(7))
        trainer = Trainer(model, data, config, slices_on="processes")
        finished = list(trainer.run())[-1]
        assert isinstance(finished, FinishedReport) and finished.reason == "completed"
        assert trainer.slices_ran_on == "processes"
        weights.append(model.get_weights())
    for k, w in weights[0].items():
        np.testing.assert_array_equal(weights[1][k], w, err_msg=k)

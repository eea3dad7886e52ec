"""Fine-tuning a model on a person's own digits without forgetting MNIST.

``fine_tune(model, images, labels)`` returns a new model; ``model`` and every
array passed in stay untouched. Each step trains on one batch mixing
``personal_per_batch`` personal samples (cycled through in a fresh random
order, so every sample comes round equally often) with MNIST training images
replayed from ``replay`` (drawn at random), the whole batch augmented
(:func:`engine.data.augment.augment_batch` with :data:`PERSONAL_AUGMENT`:
shifts, rotations, scale, shear, thickness). The optimiser, schedule and data
parallelism are the trainer's (:mod:`engine.training`).

Measured choices (bundled model; synthetic writers of
:mod:`engine.data.writer_styles` who use every style MNIST lacks; fine-tuned
on 5 samples of each digit, scored on 10 *other* samples of each digit by the
same writer; own = the 50 training samples; MNIST = change in test accuracy,
points; seconds on the 2-core machine, shared with other jobs)::

    study 1: 6 writers, MNIST on 5000 test images; base: held-out 91.3 %, MNIST 99.68 %
    (120 steps, batches of 64 with 16 personal samples, unless said)
    trained         optimiser, lr   held-out  own     MNIST   seconds
    all layers      Adam 3e-4       98.7 %    100 %   -0.25   3.5
    all layers      Adam 1e-4       97.0 %    99.0 %  -0.22   4.1
    all layers      Adam 1e-3       98.7 %    100 %   -0.33   3.4
    dense only      Adam 1e-3       98.7 %    100 %   -0.30   3.6
    dense only      Adam 3e-4       98.0 %    99.7 %  -0.21   3.4
    all layers      SGD 0.01        98.5 %    100 %   -0.27   3.1
    all, Adam 3e-4, 60 steps        97.7 %    99.7 %  -0.28   1.6
    all, Adam 3e-4, 200 steps       98.5 %    100 %   -0.24   5.3
    all, Adam 3e-4, 32 of 64        98.5 %    100 %   -0.41   3.2
    all, Adam 3e-4, 8 of 64         98.0 %    99.7 %  -0.19   3.2

    study 2: 8 other writers, the whole MNIST test set; base: held-out 92.4 %, MNIST 99.63 %
    (all layers, Adam 3e-4)
    personal of batch, steps        held-out  own     MNIST (worst)   seconds (max)
    8 of 64, 160                    98.8 %    100 %   -0.07 (-0.12)   5.3 (6.8)
    8 of 48, 160                    98.6 %    100 %   -0.15 (-0.26)   3.8 (5.9)
    12 of 64, 140  (the default)    98.6 %    100 %   -0.11 (-0.18)   3.8 (4.2)
    8 of 48, 200                    98.9 %    100 %   -0.12 (-0.27)   4.4 (4.6)

Training the dense layers only is no better (held-out) nor kinder to MNIST
than training every layer with a small learning rate, and not faster here
(the step still runs the convolutions); a larger share of replayed MNIST per
batch protects MNIST best, more steps buy little. Fine-tuning on 50 MNIST
training digits instead (no new style) costs 0.04-0.15 points of MNIST: part
of the loss is the procedure, the rest the styles themselves (a slashed 0
teaches "a stroke inside a ring is a 0": most new MNIST mistakes are 1 -> 0,
9 -> 8, 0 -> 8). The default (all layers, Adam 3e-4, 140 steps, 12 personal
samples in each batch of 64) fits the 5 s budget on 2 cores.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..data.augment import AugmentConfig, augment_batch
from ..data.dataset import images_to_input
from ..nn.metadata import clear_training_record
from ..nn.model import Model
from ..system.runtime import blas_threads
from ..training.optim import OptimizerConfig
from ..training.parallel import DataParallel
from ..training.schedules import make_schedule

__all__ = ["FineTuneConfig", "PERSONAL_AUGMENT", "ReplayMissingError", "fine_tune", "load_replay",
           "check_samples"]

#: ``progress(steps done, steps in all)``; raise from it to stop fine-tuning.
Progress = Callable[[int, int], object]

#: Augmentation of every fine-tuning batch: what differs between two drawings
#: of one person (milder than training from scratch: the samples are few and
#: the person's habits - slant, size - are what the model should learn).
PERSONAL_AUGMENT = AugmentConfig(max_shift=2.0, max_rotation=10.0, scale_range=(0.9, 1.1),
                                 max_shear=0.15, p_thicker=0.25, p_thinner=0.25,
                                 elastic_strength=0.8)


class ReplayMissingError(FileNotFoundError):
    """Fine-tuning needs MNIST images to replay and found none."""


@dataclass(frozen=True)
class FineTuneConfig:
    """How :func:`fine_tune` trains.

    :param steps: optimiser steps
    :param batch_size: images per step
    :param personal_per_batch: personal samples in each batch (the rest are
        replayed MNIST images)
    :param layers: ``"all"`` (every parameter) or ``"dense"`` (the dense
        layers only; convolutions keep their weights)
    :param optimizer: ``"adam"`` or ``"sgd"`` with :attr:`lr`
    :param warmup: linear warm-up steps of the cosine schedule
    :param augment: augmentation of each batch
    :param workers: threads (None: the cores, at most 4)
    """
    steps: int = 140
    batch_size: int = 64
    personal_per_batch: int = 12
    layers: str = "all"
    optimizer: str = "adam"
    lr: float = 3e-4
    weight_decay: float = 0.0
    warmup: int = 10
    augment: AugmentConfig = field(default_factory=lambda: PERSONAL_AUGMENT)
    workers: int | None = None

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first setting that cannot work."""
        if not (isinstance(self.steps, int) and 1 <= self.steps <= 100_000):
            raise ValueError(f"steps must be a whole number from 1 to 100,000, got {self.steps!r}")
        if not (isinstance(self.batch_size, int) and 2 <= self.batch_size <= 4096):
            raise ValueError(f"batch_size must be from 2 to 4096, got {self.batch_size!r}")
        if not (isinstance(self.personal_per_batch, int)
                and 1 <= self.personal_per_batch <= self.batch_size):
            raise ValueError(f"personal_per_batch must be from 1 to the batch size, got "
                             f"{self.personal_per_batch!r}")
        if self.layers not in ("all", "dense"):
            raise ValueError(f"layers must be 'all' or 'dense', got {self.layers!r}")
        if not (isinstance(self.lr, (int, float)) and 0 < self.lr <= 1 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a number above 0 up to 1, got {self.lr!r}")
        OptimizerConfig(self.optimizer, float(self.lr), 0.9, self.weight_decay).build()


def check_samples(model: Model, images, labels, what: str = "personal") -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` as arrays after checking them: images ``(N, 1, 28,
    28)`` float (or uint8 ``(N, 28, 28)``) with finite values in [0, 1] (0..255),
    labels ``(N,)`` integers from 0 to the model's classes - 1, ``N >= 1``.
    Raises ``ValueError`` naming ``what``. Never copies or changes them."""
    x, y = np.asarray(images), np.asarray(labels)
    image_shape = tuple(model.input_shape)
    if x.dtype == np.uint8 and x.ndim == 3:
        shape_ok = (1,) + x.shape[1:] == image_shape
    else:
        shape_ok = x.ndim == 4 and x.shape[1:] == image_shape and np.issubdtype(x.dtype, np.floating)
    if not shape_ok:
        raise ValueError(f"{what} images must be (N, {', '.join(map(str, image_shape))}) floats "
                         f"in [0, 1], got {x.dtype} {x.shape}")
    if len(x) == 0:
        raise ValueError(f"no {what} samples")
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{what} labels must be (N,) = ({len(x)},) integers, got {y.dtype} {y.shape}")
    if y.min() < 0 or y.max() >= model.num_classes:
        raise ValueError(f"{what} labels must be from 0 to {model.num_classes - 1}, got "
                         f"{int(y.min())} to {int(y.max())}")
    if x.dtype != np.uint8 and not (np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1):
        raise ValueError(f"{what} images must hold finite values in [0, 1]")
    return x, y


def load_replay(data_dir=None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST training images ``(60000, 28, 28)`` uint8 (read-only) and labels
    ``(60000,)`` from the usual data folder (``CNN_PLAYGROUND_DATA`` or the
    user cache); :class:`ReplayMissingError` when they are not there. About
    0.2 s: the GUI may load them once and pass them as ``replay``."""
    from ..data.mnist import MnistNotFoundError, how_to_point, resolve_data_dir
    from ..data.idx import load_split
    try:
        return load_split(resolve_data_dir(data_dir), "train")
    except MnistNotFoundError as exc:
        raise ReplayMissingError(
            "fine-tuning replays MNIST training images so the model does not forget them, and "
            f"none were found ({exc}). Pass replay=(images, labels), or download MNIST "
            f"first. {how_to_point()}") from None


def fine_tune(model: Model, images, labels, *, replay=None, seed: int = 0,
              config: FineTuneConfig | None = None, progress: Progress | None = None) -> Model:
    """A copy of ``model`` fine-tuned on a person's samples (see the module docstring).

    :param images: ``(N, 1, 28, 28)`` float32 in [0, 1], as produced by
        :func:`engine.data.preprocess.to_model_input`
    :param labels: ``(N,)`` ints, the digits they show
    :param replay: ``(images (M, 1, 28, 28) float32 in [0, 1], labels (M,))``
        to mix in (MNIST's uint8 ``(M, 28, 28)`` works too); None: the MNIST
        training set from the usual location (:func:`load_replay`)
    :param seed: the same seed, data and config give the same weights
    :param progress: called as ``progress(done, total)`` after every step;
        an exception raised in it stops fine-tuning and propagates
    :return: a new :class:`Model` (``source`` None, ``metadata["personalised"]``
        saying on how many samples, with which settings)
    """
    config = config or FineTuneConfig()
    config.validate()
    x_own, y_own = check_samples(model, images, labels)
    if replay is None:
        replay = load_replay()
    x_rep, y_rep = check_samples(model, *replay, what="replay")
    tuned = _copy_with_metadata(model, {
        "samples": int(len(y_own)), "steps": config.steps, "layers": config.layers,
        "optimizer": config.optimizer, "lr": float(config.lr), "seed": int(seed),
        "base": model.source})
    rng = np.random.default_rng(seed)
    params = tuned.named_params()
    if config.layers == "dense":
        dense = {layer.name for layer in tuned.layers if layer.kind == "fc"}
        params = {k: v for k, v in params.items() if k.split(".", 1)[0] in dense}
    grads = {k: tuned.named_grads()[k] for k in params}
    optimizer = OptimizerConfig(config.optimizer, float(config.lr), 0.9, config.weight_decay).build()
    schedule = make_schedule("cosine", float(config.lr), config.steps,
                             warmup=min(config.warmup, config.steps // 4))
    k_own = config.personal_per_batch
    own_order = _cycle(len(y_own), k_own * config.steps, rng)

    def augment(xs, generator):
        return augment_batch(xs, generator, config.augment)

    with blas_threads(1), DataParallel(tuned, config.workers) as parallel:
        for step in range(config.steps):
            own = own_order[step * k_own:(step + 1) * k_own]
            rep = rng.integers(len(y_rep), size=config.batch_size - k_own)
            x = np.concatenate([images_to_input(x_own[own]), images_to_input(x_rep[rep])])
            y = np.concatenate([y_own[own], y_rep[rep]]).astype(np.int64)
            loss, _ = parallel.loss_and_grads(x, y, augment, rng)
            if not math.isfinite(loss):
                raise FloatingPointError(f"fine-tuning diverged at step {step + 1} (loss {loss}); "
                                         f"try a lower learning rate than {config.lr:g}")
            optimizer.step(params, grads, schedule(step))
            if progress is not None:
                progress(step + 1, config.steps)
    tuned.eval()
    return tuned


def _copy_with_metadata(model: Model, personalised: dict) -> Model:
    """An independent copy of ``model`` (no source file, no novelty statistics)
    whose metadata also says ``"personalised": personalised`` and no longer
    claims the base model's training record (its test accuracy is not this one's)."""
    cfg = copy.deepcopy(model.config())
    metadata = {**cfg.get("metadata", {}), "personalised": personalised}
    clear_training_record(metadata)
    cfg["metadata"] = metadata
    twin = Model.from_config(cfg)
    twin.load_params(model.named_params())
    twin.load_buffers(model.named_buffers())        # batch norm's running statistics
    return twin


def _cycle(n: int, total: int, rng: np.random.Generator) -> np.ndarray:
    """``total`` indices into ``n`` samples: random orders of all ``n`` back to back."""
    rounds = -(-total // n)
    return np.concatenate([rng.permutation(n) for _ in range(rounds)])[:total]

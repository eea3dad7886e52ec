"""Our engine and PyTorch on the same work, timed *interleaved* in one process.

A shared machine's load changes from second to second; timing all of ours
and then all of PyTorch's lets a burst of load hit one side only. Here every
round times our engine, then PyTorch, on the same batch, and the medians
over the rounds are compared. PyTorch is never a dependency: without it
only our column is filled.

* :func:`training_pair`: images/s of full training steps (forward, backward,
  SGD-momentum update, float32, random data) of a preset at a batch size,
  ours split over processes as the trainer runs a long run
  (:class:`~engine.training.process_parallel.ProcessParallel`), PyTorch on
  as many threads;
* :func:`evaluation_pair`: seconds to score 10,000 images (the test set's
  size; random pixels cost the same as digits), ours with
  :class:`~engine.training.evaluate.Evaluator`, PyTorch without gradients
  in chunks of the same size;
* :func:`trainer_loop_share`: what the real training loop
  (:meth:`engine.training.trainer.Trainer.run`, with batch assembly, the
  divergence guards and the reports) keeps of the bare training step's
  throughput.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from ..nn import presets
from ..system.runtime import blas_threads, keep_freed_memory
from ..training.evaluate import BATCH as EVAL_CHUNK
from ..training.evaluate import Evaluator
from ..training.optim import SGD
from ..training.parallel import default_workers
from ..training.process_parallel import PROCESS_MIN_IMAGES, ProcessParallel
from .torch_layers import torch_net
from .torch_twin import torch_training_step

#: Images scored by :func:`evaluation_pair` (the MNIST test set's size).
EVAL_IMAGES = 10_000


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(default_workers())
    return torch


def _timed(fn, calls: int) -> float:
    """Seconds per call of ``fn`` over ``calls`` calls."""
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) / calls


def training_pair(preset: str, batch: int, repeats: int = 7, steps: int = 10,
                  include_torch: bool = True, workers: int | None = None) -> dict:
    """``{"numpy": images/s, "torch": images/s or None}`` of training steps of
    ``preset`` at ``batch`` (ours on ``workers`` threads, default: the
    trainer's): ``repeats`` interleaved rounds of ``steps`` steps each, after
    5 warm-up steps; medians."""
    rng = np.random.default_rng(0)
    model = presets.build(preset, rng)
    x = rng.random((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    params, grads = model.named_params(), model.named_grads()
    opt = SGD(lr=0.01, momentum=0.9)
    torch = _torch() if include_torch else None
    torch_step = torch_training_step(torch, model, x, y) if torch is not None else None
    ours, theirs = [], []
    keep_freed_memory()
    with blas_threads(1), ProcessParallel(model, workers, batch_size=batch) as parallel:
        def step():
            parallel.loss_and_grads(x, y)
            opt.step(params, grads)
        _timed(step, 5)
        if torch_step is not None:
            _timed(torch_step, 5)
        for _ in range(repeats):
            ours.append(batch / _timed(step, steps))
            if torch_step is not None:
                theirs.append(batch / _timed(torch_step, steps))
    return {"numpy": statistics.median(ours),
            "torch": statistics.median(theirs) if theirs else None}


def evaluation_pair(repeats: int = 3, include_torch: bool = True) -> dict:
    """``{"numpy": s, "torch": s or None}`` to score :data:`EVAL_IMAGES`
    uint8 images with the benchmark net (probabilities kept), interleaved
    rounds, medians."""
    rng = np.random.default_rng(0)
    model = presets.build("bench", rng).eval()
    images = rng.integers(0, 256, (EVAL_IMAGES, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, EVAL_IMAGES)
    torch = _torch() if include_torch else None
    ours, theirs = [], []
    with blas_threads(1), Evaluator(model, default_workers()) as evaluator:
        def score():
            evaluator.run(images, labels)
        score_torch = _torch_scoring(torch, model, images) if torch is not None else None
        for _ in range(repeats):
            ours.append(_timed(score, 1))
            if score_torch is not None:
                theirs.append(_timed(score_torch, 1))
    return {"numpy": statistics.median(ours),
            "torch": statistics.median(theirs) if theirs else None}


def _torch_scoring(torch, model, images: np.ndarray):
    net = torch_net(model).eval()

    def score():
        with torch.no_grad():
            for i in range(0, len(images), EVAL_CHUNK):
                x = torch.from_numpy(images[i:i + EVAL_CHUNK]).float().div_(255.0).unsqueeze(1)
                torch.softmax(net(x), dim=1)
    score()     # warm-up
    return score


def trainer_loop_share(preset: str = "bench", batch: int = 64, steps: int = 150,
                       repeats: int = 3) -> dict:
    """Images/s of :meth:`Trainer.run` (random uint8 images, evaluations
    excluded) and of the bare step (:func:`training_pair`, ours only),
    interleaved; ``share`` = loop / bare (medians)."""
    from ..data.dataset import Dataset
    from ..training.config import TrainConfig
    from ..training.reports import StepReport
    from ..training.trainer import Trainer

    rng = np.random.default_rng(0)
    n = max((steps + 20) * batch, PROCESS_MIN_IMAGES)   # a run long enough for processes
    data = Dataset(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n),
                   rng.integers(0, 256, (100, 28, 28), dtype=np.uint8), rng.integers(0, 10, 100))
    config = TrainConfig(epochs=1, batch_size=batch, augment=False, lr=0.01, schedule="constant")

    def loop() -> float:
        trainer = Trainer(presets.build(preset, np.random.default_rng(0)), data, config)
        start = None
        for report in trainer.run():
            if isinstance(report, StepReport):
                if report.step == 20:        # after the warm-up
                    start = time.perf_counter()
                elif report.step == steps + 20:
                    elapsed = time.perf_counter() - start
                    trainer.request_stop()
        return steps * batch / elapsed
    in_loop, bare = [], []
    for _ in range(repeats):
        in_loop.append(loop())
        bare.append(training_pair(preset, batch, repeats=3, include_torch=False)["numpy"])
    loop_rate, bare_rate = statistics.median(in_loop), statistics.median(bare)
    return {"preset": preset, "batch": batch, "loop_images_per_s": loop_rate,
            "step_images_per_s": bare_rate, "share": loop_rate / bare_rate}

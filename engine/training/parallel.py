"""Data parallelism over CPU cores: slices of a batch run forward + backward
in threads, each on a replica that shares the model's weights but owns its
caches and gradients; each slice scales its gradients by its share of the
batch, and their sum goes into the model's (the batch mean).

NumPy releases the GIL inside its kernels, so with BLAS held to one thread
per worker (see :func:`engine.system.runtime.blas_threads`) the slices really run
side by side. Results equal the single-threaded pass up to float rounding.
"""
from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..data.dataset import images_to_input
from ..nn.model import Model


def default_workers() -> int:
    """Worker threads for training: the cores this process may use (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


@functools.lru_cache(maxsize=64)
def slice_bounds(n: int, workers: int, min_slice: int) -> tuple[slice, ...]:
    """The slices of a batch of ``n``: ``min(workers, n // min_slice)`` (at
    least one) contiguous slices whose sizes differ by at most one."""
    k = min(workers, max(1, n // min_slice))
    bounds = np.linspace(0, n, k + 1).astype(int)
    return tuple(slice(int(bounds[i]), int(bounds[i + 1])) for i in range(k))


def slice_share(s: slice, slices) -> float:
    """Slice ``s``'s share of the batch ``slices`` split: its weight in the batch mean."""
    return (s.stop - s.start) / (slices[-1].stop - slices[0].start)


def scale_into(out: dict[str, np.ndarray], grads: dict[str, np.ndarray], share: float) -> None:
    """``out[name] = grads[name] * share`` for every name, one pass each
    (``out`` may be ``grads``); what each slice does with its own gradients,
    in parallel, so that the batch mean is a plain sum (:func:`sum_slice_grads`)."""
    for name, g in grads.items():
        if share == 1.0:
            if out[name] is not g:
                np.copyto(out[name], g)
        else:
            np.multiply(g, share, out=out[name])


def sum_slice_grads(out: dict[str, np.ndarray], slice_grads: list[dict[str, np.ndarray]]) -> None:
    """Make ``out`` the batch-mean gradients from ``slice_grads`` (one dict
    per slice, same names, each already scaled by its slice's share with
    :func:`scale_into`; the first may be ``out`` itself): their sum in
    slice order, one pass per array. For two equal slices this is exactly
    ``(g0 + g1) * 0.5``: scaling by a power of two rounds nothing (above
    the subnormal range)."""
    for name, g in out.items():
        parts = [grads[name] for grads in slice_grads]
        if parts[0] is not g:
            if len(parts) == 1:
                np.copyto(g, parts[0])
                continue
            np.add(parts[0], parts[1], out=g)   # the first sum straight into ``out``
            parts = parts[1:]
        for part in parts[1:]:
            np.add(g, part, out=g)


def slice_totals(results: list[tuple[float, int]], slices) -> tuple[float, int]:
    """``(batch-mean loss, correct count)`` from each slice's ``(mean loss, correct)``."""
    n = slices[-1].stop - slices[0].start
    loss = float(sum((s.stop - s.start) / n * r[0] for s, r in zip(slices, results)))
    return loss, int(sum(r[1] for r in results))


class DataParallel:
    """``loss_and_grads(x, labels)`` like :meth:`Model.loss_and_grads`, split over threads.

    :param model: the model whose ``grads`` receive the batch-mean gradients
    :param workers: number of slices (1 = plain call, no threads)
    :param min_slice: batches smaller than ``workers * min_slice`` are not split
    """

    def __init__(self, model: Model, workers: int | None = None, min_slice: int = 8):
        self.model = model
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.min_slice = min_slice
        self.replicas = [model] + [model.shared_replica() for _ in range(self.workers - 1)]
        self._pool = ThreadPoolExecutor(self.workers - 1, thread_name_prefix="engine-slice") \
            if self.workers > 1 else None

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray, transform=None,
                       rng: np.random.Generator | None = None) -> tuple[float, int]:
        """:return: ``(mean loss, correct count)`` over the whole batch; fills model grads.

        ``x``: ``(N, C, H, W)`` float32 input, or uint8 pixels ``(N, H, W)``
        or ``(N, C, H, W)`` that each slice converts with
        :func:`~engine.data.dataset.images_to_input` (the same numbers).

        ``transform(x_slice, generator) -> x_slice`` (e.g. augmentation) runs
        inside each slice's thread with its own generator, seeded from ``rng``:
        reproducible for a given number of workers.
        """
        k = len(slice_bounds(len(x), self.workers, self.min_slice))
        seeds = rng.integers(2**63, size=k) if transform is not None else None
        return self.run_seeded(x, labels, transform, seeds)

    def run_seeded(self, x: np.ndarray, labels: np.ndarray, transform,
                   seeds) -> tuple[float, int]:
        """:meth:`loss_and_grads` with the slices' generator seeds given
        (one per slice; None without ``transform``)."""
        n = len(x)
        slices = slice_bounds(n, self.workers, self.min_slice)
        k = len(slices)
        seeds = [None] * k if seeds is None else seeds

        def work(replica, s, seed):
            xs = x[s] if x.dtype != np.uint8 else images_to_input(x[s])
            if transform is not None:
                xs = transform(xs, np.random.default_rng(seed))
            result = replica.loss_and_grads(xs, labels[s])
            if k > 1:       # (in place: each thread scales its own share)
                grads = replica.named_grads()
                scale_into(grads, grads, slice_share(s, slices))
            return result

        if k == 1:
            return work(self.model, slice(0, n), seeds[0])
        futures = [self._pool.submit(work, rep, s, seed)
                   for rep, s, seed in zip(self.replicas[1:k], slices[1:], seeds[1:])]
        results = [work(self.model, slices[0], seeds[0])]
        results += [f.result() for f in futures]
        grads = self.model.named_grads()
        sum_slice_grads(grads, [grads] + [rep.named_grads() for rep in self.replicas[1:k]])
        return slice_totals(results, slices)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

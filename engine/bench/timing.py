"""Timing helpers for the benchmarks: medians over repeats (machines are shared and noisy)."""
from __future__ import annotations

import statistics
import time

from ..system.runtime import blas_threads, keep_freed_memory

BATCHES = (64, 128)


def median_time(fn, repeats: int, inner: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def interleaved_ms(fns: list, rounds: int = 15, inner: int = 10) -> list[float]:
    """Median milliseconds per call of each of ``fns``, timed round-robin."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for r in range(rounds):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            t = time.perf_counter()
            for _ in range(inner):
                fns[i]()
            times[i].append((time.perf_counter() - t) / inner)
    return [1e3 * statistics.median(t) for t in times]


def one_thread_ms(fns: list, rounds: int, inner: int, torch_too: bool) -> list[float]:
    """:func:`interleaved_ms` on one thread: NumPy's BLAS held to one thread
    and, when some of ``fns`` run PyTorch (``torch_too``), PyTorch's too,
    without autograd; freed memory is kept first, so no timing pays for
    fresh pages."""
    keep_freed_memory()
    if not torch_too:
        with blas_threads(1):
            return interleaved_ms(fns, rounds, inner)
    import torch
    torch.set_num_threads(1)
    with torch.no_grad(), blas_threads(1):
        return interleaved_ms(fns, rounds, inner)

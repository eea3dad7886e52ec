"""Timing helpers for the benchmarks: medians over repeats (machines are shared and noisy)."""
from __future__ import annotations

import statistics
import time

BATCHES = (64, 128)


def median_time(fn, repeats: int, inner: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)

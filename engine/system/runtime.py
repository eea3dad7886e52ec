"""Process-level performance settings: BLAS threads and the allocator."""
from __future__ import annotations

import contextlib
import ctypes
import sys

from threadpoolctl import threadpool_limits


def blas_threads(n: int):
    """Context manager holding BLAS (OpenBLAS/MKL) to ``n`` threads.

    Training slices a batch over Python threads, so each BLAS call should
    use one core: two BLAS threads per slice oversubscribe 2 cores and fight
    the GUI thread.
    """
    return threadpool_limits(limits=n, user_api="blas")


def use_one_blas_thread() -> None:
    """Hold BLAS to one thread for the rest of the process (no restore).

    For interactive processes: batch-1 inference gains nothing from a second
    BLAS thread, small GEMMs run ~10x slower with two threads when the cores
    are busy, and a process-wide setting cannot race with the trainer's own
    :func:`blas_threads` block the way nested enter/exit pairs from two
    threads can.
    """
    threadpool_limits(limits=1, user_api="blas")


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed large blocks instead of unmapping them.

    Each training step allocates multi-MB temporaries; by default glibc
    returns them to the OS and every new step page-faults them back in.
    Raising the mmap and trim thresholds lets the heap reuse them. Safe to
    call repeatedly; a no-op (returning False) off glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = libc.mallopt(m_mmap_threshold, 256 * 2**20)
        ok &= libc.mallopt(m_trim_threshold, 1024 * 2**20)
        return bool(ok)
    return False

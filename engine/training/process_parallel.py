"""Data parallelism over processes: each slice of a batch runs forward +
backward in its own process (:mod:`engine.training.slice_worker`), so no
slice ever waits for Python's interpreter lock - neither for another
slice's thread nor for a GUI thread redrawing curves in the same process.

Per step the training thread copies the weights (and batch norm's running
statistics) into a memory-mapped file shared with the slice processes,
copies each slice's images and labels there, sends each process one
fixed-size message, waits for the answers (the lock is free meanwhile) and
averages the gradients the processes wrote there into the model's own,
exactly as :class:`~engine.training.parallel.DataParallel`'s threads do:
for a model without dropout the two give the same numbers.

Starting the processes costs ~0.3 s, so short runs stay on threads
(:data:`PROCESS_MIN_IMAGES`). If a process cannot start or stops answering,
the split falls back to threads for the rest of the run and redoes the step
(:attr:`ProcessParallel.fallback_reason` says why); an error inside a
slice (e.g. a label out of range) is raised by the threads' redo as it
would be without processes.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import weakref
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..data.augment import AugmentConfig, augment_batch
from ..nn.layers.conv import Conv2D
from ..nn.model import Model
from .parallel import DataParallel, combine_slice_grads, default_workers, slice_bounds, slice_totals
from .slice_layout import (DONE, LENGTH, MAX_ERROR_BYTES, STEP, SharedLayout, read_exactly,
                           setup_message)

#: runs planned to train on fewer images than this stay on threads (at
#: ~12,000 images/s a process start of 0.3 s pays back after ~20,000)
PROCESS_MIN_IMAGES = 20_000
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


class SliceFailed(RuntimeError):
    """A slice process reported an error (its text) or broke the protocol."""


def _shared_file(size: int) -> str:
    """A new private (0600) file of ``size`` bytes, in memory (/dev/shm) where there is one."""
    shm = "/dev/shm"
    folder = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    fd, path = tempfile.mkstemp(prefix="cnn-playground-slices-", suffix=".bin", dir=folder)
    try:
        os.ftruncate(fd, max(size, 1))
    finally:
        os.close(fd)
    return path


def _remove(path: str | None) -> None:
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass


def _worker_environment() -> dict[str, str]:
    """The slice processes' environment: one BLAS thread each, and this engine importable."""
    env = dict(os.environ)
    env.update({name: "1" for name in _ONE_THREAD})
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join([root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                                                  else []))
    return env


def _end_processes(procs: list[subprocess.Popen], path: str | None) -> None:
    """Close the pipes (each process then exits), reap them, remove the file."""
    for proc in procs:
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
    for proc in procs:
        try:
            proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _remove(path)


class ProcessParallel:
    """``loss_and_grads(x, labels, rng)``: the batch-mean loss and gradients
    of ``x: (N, C, H, W)`` float32 into ``model``'s grads, one slice per process.

    :param model: the model being trained (its weights are read at every step)
    :param workers: slices and processes (default: the cores, at most 4)
    :param batch_size: the largest batch a step will get (larger ones run on threads)
    :param augment: each slice is augmented with its own generator, or None
    :param use_processes: False keeps everything on threads (short runs)
    :param min_slice: batches smaller than ``2 * min_slice`` are not split
    """

    def __init__(self, model: Model, workers: int | None = None, *, batch_size: int,
                 augment: AugmentConfig | None = None, use_processes: bool = True,
                 min_slice: int = 8):
        self.model = model
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.min_slice = min_slice
        self.augment = augment
        #: why the slices run on threads (None while processes run them)
        self.fallback_reason: str | None = None
        self._transform = None if augment is None else (
            lambda xs, generator: augment_batch(xs, generator, augment))
        self._threads: DataParallel | None = None
        self._procs: list[subprocess.Popen] = []
        self._path: str | None = None
        self._finalizer = None
        self._pending: tuple | None = None
        if not use_processes or self.workers < 2:
            self.fallback_reason = "threads chosen" if use_processes is False else "one worker"
            return
        try:
            self._start(max(-(-int(batch_size) // self.workers), 2 * min_slice))
        except (OSError, ValueError, EOFError, SliceFailed) as exc:
            self._stop_processes(f"the slice processes did not start ({exc})")

    @property
    def mode(self) -> str:
        """``"processes"`` or ``"threads"``: where the slices run now."""
        return "processes" if self._procs else "threads"

    @property
    def process_ids(self) -> tuple[int, ...]:
        """The slice processes' ids (empty on threads)."""
        return tuple(proc.pid for proc in self._procs)

    # ------------------------------------------------------------------ start
    def _start(self, rows: int) -> None:
        if not sys.executable:
            raise OSError("no Python interpreter to start")
        params, buffers = self.model.named_params(), self.model.named_buffers()
        layout = SharedLayout.plan(params, buffers, self.model.input_shape, rows, self.workers)
        self._path = _shared_file(layout.size)
        self._finalizer = weakref.finalize(self, _end_processes, self._procs, self._path)
        shared = np.memmap(self._path, dtype=np.uint8, mode="r+", shape=(layout.size,))
        self._params = {k: r.view(shared) for k, r in layout.params.items()}
        self._buffers = {k: r.view(shared) for k, r in layout.buffers.items()}
        self._grads = [{k: r.view(shared) for k, r in mine.grads.items()} for mine in layout.slices]
        self._inputs = [mine.inputs.view(shared) for mine in layout.slices]
        self._labels = [mine.labels.view(shared) for mine in layout.slices]
        algorithms = {layer.name: layer.algorithm for layer in self.model.layers
                      if isinstance(layer, Conv2D)}
        augment = None if self.augment is None else asdict(self.augment)
        env = _worker_environment()
        for _ in range(self.workers):
            self._procs.append(subprocess.Popen(
                [sys.executable, "-m", "engine.training.slice_worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env))
        config = self.model.config()
        for index, proc in enumerate(self._procs):
            proc.stdin.write(setup_message(config, self._path, layout, index, augment, algorithms))
            proc.stdin.flush()
        for proc in self._procs:
            self._receive(proc)
        _remove(self._path)   # mapped by everyone: nothing is left behind even after a crash

    @staticmethod
    def _receive(proc: subprocess.Popen) -> tuple[float, int]:
        status, loss, correct = DONE.unpack(read_exactly(proc.stdout, DONE.size))
        if status:
            (length,) = LENGTH.unpack(read_exactly(proc.stdout, LENGTH.size))
            if length > MAX_ERROR_BYTES:
                raise SliceFailed(f"an error message of {length} bytes")
            raise SliceFailed(read_exactly(proc.stdout, length).decode("utf-8", "replace"))
        return loss, correct

    # --------------------------------------------------------------- training
    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray,
                       rng: np.random.Generator | None = None) -> tuple[float, int]:
        """:return: ``(mean loss, correct count)`` over the whole batch; fills
        the model's grads (and moves its batch norm statistics) as
        :meth:`DataParallel.loss_and_grads` with the augmentation as transform."""
        self.submit(x, labels, rng)
        return self.collect()

    def submit(self, x: np.ndarray, labels: np.ndarray,
               rng: np.random.Generator | None = None) -> None:
        """Start :meth:`loss_and_grads` on ``x`` (the slices' seeds are drawn
        from ``rng`` now); :meth:`collect` finishes it. On processes the
        calling thread is free meanwhile (on threads the work runs in
        :meth:`collect`). The model's weights are read now: change them only
        after :meth:`collect`."""
        if self._pending is not None:
            raise RuntimeError("a step is already running: collect it first")
        slices = slice_bounds(len(x), self.workers, self.min_slice)
        seeds = rng.integers(2**63, size=len(slices)) if self.augment is not None else None
        on_processes = bool(self._procs) and len(slices) > 1 and self._fits(x, labels, slices)
        if on_processes:
            try:
                self._send(x, labels, slices, seeds)
            except (OSError, ValueError) as exc:
                self._stop_processes(f"a slice process failed ({exc}); the slices run on threads")
                on_processes = False
        self._pending = (on_processes, x, labels, slices, seeds)

    def collect(self) -> tuple[float, int]:
        """Finish the step :meth:`submit` started: ``(mean loss, correct count)``,
        the model's grads filled."""
        if self._pending is None:
            raise RuntimeError("no step is running")
        on_processes, x, labels, slices, seeds = self._pending
        self._pending = None
        if on_processes:
            try:
                return self._gather(slices)
            except (OSError, ValueError, EOFError, SliceFailed) as exc:
                self._stop_processes(f"a slice process failed ({exc}); the slices run on threads")
        return self._thread_split().run_seeded(x, labels, self._transform, seeds)

    def discard(self) -> None:
        """Drop a submitted step without touching the model (e.g. a stop request)."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0]:
            try:
                for w in range(len(pending[3])):
                    self._receive(self._procs[w])
            except (OSError, ValueError, EOFError, SliceFailed) as exc:
                self._stop_processes(f"a slice process failed ({exc}); the slices run on threads")

    def _fits(self, x: np.ndarray, labels: np.ndarray, slices) -> bool:
        rows = max(s.stop - s.start for s in slices)
        return (x.dtype == np.float32 and x.shape[1:] == self._inputs[0].shape[1:]
                and rows <= len(self._inputs[0]) and len(labels) == len(x)
                and getattr(labels, "dtype", np.dtype(object)).kind in "iu")

    @staticmethod
    def _prescale(slices) -> float:
        """What each process multiplies its gradients by: the slices' equal
        share of the batch when it is a power of two (1/2, 1/4: exact, so the
        sum of scaled gradients equals the scaled sum the threads make),
        else 1 (the training thread scales)."""
        sizes = {s.stop - s.start for s in slices}
        share = 1.0 / len(slices)
        return share if len(sizes) == 1 and math.frexp(share)[0] == 0.5 else 1.0

    def _send(self, x, labels, slices, seeds) -> None:
        for name, value in self.model.named_params().items():
            np.copyto(self._params[name], value)
        for name, value in self.model.named_buffers().items():
            np.copyto(self._buffers[name], value)
        scale = self._prescale(slices)
        for w, s in enumerate(slices):
            rows = s.stop - s.start
            np.copyto(self._inputs[w][:rows], x[s])
            np.copyto(self._labels[w][:rows], labels[s], casting="same_kind")
            seed = 0 if seeds is None else int(seeds[w])
            self._procs[w].stdin.write(STEP.pack(rows, seeds is not None, seed, scale))
            self._procs[w].stdin.flush()

    def _gather(self, slices) -> tuple[float, int]:
        k = len(slices)
        results = [self._receive(self._procs[w]) for w in range(k)]
        scaled = self._prescale(slices) != 1.0
        for name, g in self.model.named_grads().items():
            if scaled:   # each already times its share: the sums DataParallel makes
                np.add(self._grads[0][name], self._grads[1][name], out=g)
                for more in self._grads[2:k]:
                    np.add(g, more[name], out=g)
            else:
                np.copyto(g, self._grads[0][name])
                combine_slice_grads({name: g}, self._grads[1:k], slices)
        for name, value in self.model.named_buffers().items():  # the first slice's process
            np.copyto(value, self._buffers[name])                 # moved them
        return slice_totals(results, slices)

    def _thread_split(self) -> DataParallel:
        if self._threads is None:
            self._threads = DataParallel(self.model, self.workers, self.min_slice)
        return self._threads

    # ---------------------------------------------------------------- closing
    def _stop_processes(self, reason: str) -> None:
        self.fallback_reason = reason
        procs, self._procs = list(self._procs), []
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        _end_processes(procs, self._path)

    def close(self) -> None:
        """End the processes and threads (idempotent)."""
        if self._procs:
            self._stop_processes("closed")
        if self._threads is not None:
            self._threads.close()
            self._threads = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

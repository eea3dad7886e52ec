"""Data parallelism over processes: each slice of a batch runs forward +
backward in its own process (:mod:`engine.training.slice_worker`), so no
slice ever waits for Python's interpreter lock - neither for another
slice's thread nor for a GUI thread redrawing curves in the same process.

Per step the training thread copies the weights (and batch norm's running
statistics) into a memory-mapped file shared with the slice processes,
copies each slice's images and labels there (uint8 pixels as they are:
each slice process converts its own), sends each process one fixed-size
message, waits for the answers (the lock is free meanwhile) and sums the
gradients the processes wrote there, each already scaled by its slice's
share of the batch, into the model's own, exactly as
:class:`~engine.training.parallel.DataParallel`'s threads do: for a model
without dropout the two give the same numbers.

Starting the processes costs ~0.3 s, so short runs stay on threads
(:data:`PROCESS_MIN_IMAGES`). If a process cannot start or stops answering,
the split falls back to threads for the rest of the run and redoes the step
(:attr:`ProcessParallel.fallback_reason` says why); an error inside a
slice (e.g. a label out of range) is raised by the threads' redo as it
would be without processes.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import asdict

import numpy as np

from ..data.augment import AugmentConfig, augment_batch
from ..nn.layers.conv import Conv2D
from ..nn.model import Model
from .parallel import (DataParallel, default_workers, slice_bounds, slice_share, slice_totals,
                       sum_slice_grads)
from .slice_layout import STEP, SharedLayout, setup_message
from .slice_processes import (SliceFailed, StepAbandoned, can_start_workers, end_workers,
                              receive, remove_file, send, shared_file, start_worker,
                              worker_environment)

#: runs planned to train on fewer images than this stay on threads (at
#: ~12,000 images/s a process start of 0.3 s pays back after ~20,000)
PROCESS_MIN_IMAGES = 20_000
_FAILURES = (OSError, ValueError, EOFError, SliceFailed)


class ProcessParallel:
    """``loss_and_grads(x, labels, rng)``: the batch-mean loss and gradients
    of ``x`` into ``model``'s grads, one slice per process. ``x`` is float32
    input ``(N, C, H, W)`` or uint8 pixels ``(N, H, W)`` / ``(N, C, H, W)``
    (converted by :func:`~engine.data.dataset.images_to_input` in each slice).

    :param model: the model being trained (its weights are read at every step)
    :param workers: slices and processes (default: the cores, at most 4)
    :param batch_size: the largest batch a step will get (larger ones run on threads)
    :param augment: each slice is augmented with its own generator, or None
    :param use_processes: False keeps everything on threads (short runs)
    :param stop: once set (e.g. the trainer's stop request), answers still
        awaited are given up: :meth:`collect` raises :class:`StepAbandoned`
    :param min_slice: batches smaller than ``2 * min_slice`` are not split
    """

    def __init__(self, model: Model, workers: int | None = None, *, batch_size: int,
                 augment: AugmentConfig | None = None, use_processes: bool = True,
                 stop: threading.Event | None = None, min_slice: int = 8):
        self.model = model
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self.min_slice = min_slice
        self.augment = augment
        #: why the slices run on threads (None while processes run them)
        self.fallback_reason: str | None = None
        self._transform = None if augment is None else (
            lambda xs, generator: augment_batch(xs, generator, augment))
        self._stop = stop
        # made first, as before processes existed: its replicas take the model's
        # first dropout child streams, as the processes' replicas do
        self._threads = DataParallel(model, self.workers, min_slice)
        self._procs: list = []
        self._path: str | None = None
        self._finalizer = None
        self._pending: tuple | None = None
        self._drop_views()
        if not use_processes or self.workers < 2 or not can_start_workers():
            self.fallback_reason = ("threads chosen" if not use_processes else "one worker"
                                    if self.workers < 2 else "no interpreter to start")
            return
        try:
            self._start(max(-(-int(batch_size) // self.workers), 2 * min_slice))
        except _FAILURES as exc:
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
        params, buffers = self.model.named_params(), self.model.named_buffers()
        layout = SharedLayout.plan(params, buffers, self.model.input_shape, rows, self.workers)
        self._path = shared_file(layout.size)
        self._finalizer = weakref.finalize(self, end_workers, self._procs, self._path)
        shared = np.memmap(self._path, dtype=np.uint8, mode="r+", shape=(layout.size,))
        self._params = {k: r.view(shared) for k, r in layout.params.items()}
        self._buffers = {k: r.view(shared) for k, r in layout.buffers.items()}
        self._grads = [{k: r.view(shared) for k, r in mine.grads.items()} for mine in layout.slices]
        self._inputs = [mine.inputs.view(shared) for mine in layout.slices]
        self._pixels = [mine.pixels.view(shared) for mine in layout.slices]
        self._labels = [mine.labels.view(shared) for mine in layout.slices]
        algorithms = {layer.name: layer.algorithm for layer in self.model.layers
                      if isinstance(layer, Conv2D)}
        augment = None if self.augment is None else asdict(self.augment)
        env = worker_environment()
        for _ in range(self.workers):
            self._procs.append(start_worker(env))
        config = self.model.config()
        for index, proc in enumerate(self._procs):
            send(proc, setup_message(config, self._path, layout, index, augment, algorithms))
        for proc in self._procs:
            receive(proc, self._stop)
        remove_file(self._path)   # mapped by everyone: nothing is left behind even after a crash

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
        if x.dtype == np.uint8 and x.ndim == len(self.model.input_shape):
            x = x[:, None]             # (N, H, W) pixels of one channel
        slices = slice_bounds(len(x), self.workers, self.min_slice)
        seeds = rng.integers(2**63, size=len(slices)) if self.augment is not None else None
        on_processes = bool(self._procs) and len(slices) > 1 and self._fits(x, labels, slices)
        if on_processes:
            try:
                self._send(x, labels, slices, seeds)
            except _FAILURES as exc:
                self._fall_back(exc)
                on_processes = False
        self._pending = (on_processes, x, labels, slices, seeds)

    def collect(self) -> tuple[float, int]:
        """Finish the step :meth:`submit` started: ``(mean loss, correct count)``,
        the model's grads filled. :class:`StepAbandoned` (the model untouched,
        the processes ended) if the stop event was set while it ran."""
        if self._pending is None:
            raise RuntimeError("no step is running")
        on_processes, x, labels, slices, seeds = self._pending
        self._pending = None
        if on_processes:
            try:
                return self._gather(slices)
            except StepAbandoned:
                self._stop_processes("stopped while a step was running")
                raise
            except _FAILURES as exc:
                self._fall_back(exc)
        return self._threads.run_seeded(x, labels, self._transform, seeds)

    def discard(self) -> None:
        """Drop a submitted step without touching the model (e.g. a stop request)."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0]:
            try:
                for w in range(len(pending[3])):
                    receive(self._procs[w], self._stop)
            except _FAILURES as exc:
                self._fall_back(exc)

    def _fits(self, x: np.ndarray, labels: np.ndarray, slices) -> bool:
        rows = max(s.stop - s.start for s in slices)
        return (x.dtype in (np.float32, np.uint8) and x.shape[1:] == self._inputs[0].shape[1:]
                and rows <= len(self._inputs[0]) and len(labels) == len(x)
                and getattr(labels, "dtype", np.dtype(object)).kind in "iu")

    def _send(self, x, labels, slices, seeds) -> None:
        for name, value in self.model.named_params().items():
            np.copyto(self._params[name], value)
        for name, value in self.model.named_buffers().items():
            np.copyto(self._buffers[name], value)
        pixels = x.dtype == np.uint8
        for w, s in enumerate(slices):
            rows = s.stop - s.start
            np.copyto((self._pixels if pixels else self._inputs)[w][:rows], x[s])
            np.copyto(self._labels[w][:rows], labels[s], casting="same_kind")
            send(self._procs[w], STEP.pack(rows, seeds is not None, pixels, slice_share(s, slices),
                                           0 if seeds is None else int(seeds[w])))

    def _gather(self, slices) -> tuple[float, int]:
        """The answers, then the slices' gradients (each scaled by its share)
        summed as the threads sum them."""
        k = len(slices)
        results = [receive(self._procs[w], self._stop) for w in range(k)]
        sum_slice_grads(self.model.named_grads(), self._grads[:k])
        for name, value in self.model.named_buffers().items():  # the first slice's process
            np.copyto(value, self._buffers[name])                 # moved them
        return slice_totals(results, slices)

    # ---------------------------------------------------------------- closing
    def _drop_views(self) -> None:
        self._params, self._buffers = {}, {}
        self._grads, self._inputs, self._pixels, self._labels = [], [], [], []

    def _fall_back(self, exc: BaseException) -> None:
        self._stop_processes(f"a slice process failed ({exc}); the slices run on threads")

    def _stop_processes(self, reason: str) -> None:
        self.fallback_reason = reason
        procs, self._procs = list(self._procs), []
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        self._drop_views()      # unmapped, so the file can go (Windows keeps mapped files)
        end_workers(procs, self._path)

    def close(self) -> None:
        """End the processes and threads (idempotent)."""
        if self._procs:
            self._stop_processes("closed")
        self._threads.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

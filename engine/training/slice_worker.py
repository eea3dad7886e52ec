"""A slice process: ``python -m engine.training.slice_worker``, started by
:class:`engine.training.process_parallel.ProcessParallel`, never by hand.

It reads its setup from stdin (see :mod:`engine.training.slice_layout`),
builds the replica that runs slice ``index`` in the threads' split
(:class:`~engine.training.parallel.DataParallel`: same layers, same dropout
stream for a fresh model) on the shared parameters, then for each
step message runs forward + backward on its region's images and writes its
gradients to its region. It answers every message on stdout and ends when
stdin closes. Ctrl+C is left to the training process, which closes the pipe.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import warnings

import numpy as np

from ..data.augment import AugmentConfig, augment_batch
from ..data.dataset import images_to_input
from ..nn.layers.conv import Conv2D
from ..nn.model import Model
from ..system.runtime import keep_freed_memory, use_one_blas_thread
from .parallel import scale_into
from .slice_layout import (DONE, LENGTH, MAX_ERROR_BYTES, MAX_SETUP_BYTES, STEP, Region,
                           read_exactly)


def _read_shared_arrays(model: Model, params: dict[str, np.ndarray],
                        buffers: dict[str, np.ndarray], update_buffers: bool) -> None:
    """Every layer of ``model`` computes with the shared arrays of its names
    (see :meth:`Layer.read_shared_arrays`); the names must match exactly."""
    if set(params) != set(model.named_params()) or set(buffers) != set(model.named_buffers()):
        raise ValueError("the shared arrays do not match the model")
    for layer in model.layers:
        layer.read_shared_arrays({k: params[f"{layer.name}.{k}"] for k in layer.params},
                                 {k: buffers[f"{layer.name}.{k}"] for k in layer.buffers},
                                 update_buffers)


class SliceReplica:
    """The replica of one slice process, bound to the shared file's regions."""

    def __init__(self, setup: dict):
        self._map = np.memmap(setup["path"], dtype=np.uint8, mode="r+", shape=(int(setup["size"]),))

        def views(records: dict) -> dict[str, np.ndarray]:
            return {k: Region.from_record(r).view(self._map) for k, r in records.items()}

        replica = base = Model.from_config(setup["model"])
        for _ in range(int(setup["index"])):   # the dropout child stream of a thread's replica
            replica = base.shared_replica()
        # the first slice's replica updates batch norm's running statistics, as the model's
        # own layers do in the threads' split; the training process copies them back
        _read_shared_arrays(replica, views(setup["params"]), views(setup["buffers"]),
                            update_buffers=int(setup["index"]) == 0)
        for layer in replica.layers:
            if isinstance(layer, Conv2D):
                layer.set_algorithm(setup["algorithms"].get(layer.name, "auto"))
        self.model = replica
        self.grads = views(setup["grads"])
        self.inputs = Region.from_record(setup["inputs"]).view(self._map)
        self.pixels = Region.from_record(setup["pixels"]).view(self._map)
        self.labels = Region.from_record(setup["labels"]).view(self._map)
        augment = setup["augment"]
        self.augment = None if augment is None else AugmentConfig(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in augment.items()})

    def step(self, rows: int, seed: int | None, pixels: bool = False,
             share: float = 1.0) -> tuple[float, int]:
        """Forward + backward on the first ``rows`` images (of the uint8 pixel
        region if ``pixels``, else of the float32 input region); the
        gradients, times ``share`` (the slice's share of the batch), to the
        shared region."""
        if not 0 < rows <= len(self.inputs):
            raise ValueError(f"slice of {rows} rows, the region holds {len(self.inputs)}")
        x = images_to_input(self.pixels[:rows]) if pixels else self.inputs[:rows]
        labels = self.labels[:rows]
        if seed is not None:
            x = augment_batch(x, np.random.default_rng(seed), self.augment)
        loss, correct = self.model.loss_and_grads(x, labels)
        scale_into(self.grads, self.model.named_grads(), share)
        return loss, correct


def _write(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def _reply(fd: int, status: int, loss: float = 0.0, correct: int = 0, error: str = "") -> None:
    """One answer on ``fd`` (unbuffered: nothing is left to flush when the pipe closes)."""
    message = DONE.pack(status, loss, correct)
    if status:
        text = error.encode("utf-8", "replace")[:MAX_ERROR_BYTES]
        message += LENGTH.pack(len(text)) + text
    _write(fd, message)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")   # a diverging step's overflows: the trainer reports them
    stdin, out = sys.stdin.buffer, os.dup(sys.stdout.fileno())
    quiet = os.open(os.devnull, os.O_WRONLY) if sys.stderr is None else sys.stderr.fileno()
    os.dup2(quiet, sys.stdout.fileno())   # nothing printed may corrupt the replies
    keep_freed_memory()
    use_one_blas_thread()
    try:
        (length,) = LENGTH.unpack(read_exactly(stdin, LENGTH.size))
        if length > MAX_SETUP_BYTES:
            raise ValueError(f"setup of {length} bytes")
        replica = SliceReplica(json.loads(read_exactly(stdin, length)))
    except EOFError:
        return 0
    except Exception as exc:  # noqa: BLE001 - reported to the training process
        with contextlib.suppress(BrokenPipeError):
            _reply(out, 1, error=_error_text(exc))
        return 1
    try:
        _reply(out, 0)
        return _serve(replica, stdin, out)
    except BrokenPipeError:           # the training process ended first
        return 0


def _serve(replica: SliceReplica, stdin, out: int) -> int:
    while True:
        try:
            rows, has_seed, pixels, share, seed = STEP.unpack(read_exactly(stdin, STEP.size))
        except EOFError:
            return 0
        try:
            loss, correct = replica.step(rows, seed if has_seed else None, bool(pixels), share)
        except Exception as exc:  # noqa: BLE001 - reported; the training thread redoes the step
            _reply(out, 1, error=_error_text(exc))
            continue
        _reply(out, 0, loss, correct)


if __name__ == "__main__":
    sys.exit(main())

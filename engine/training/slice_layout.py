"""What the training process and its slice processes share: the layout of
one memory-mapped file and the messages on the pipes between them.

The file holds, 64-byte aligned, the model's parameters and buffers (one
copy, written by the training process before every step, read by every
slice process) and, per slice process ``w``, its gradients (written by it,
read by the training process), an input region of ``rows`` float32
images, a pixel region of ``rows`` uint8 images (a step's images arrive in
one of the two) and a label region. A :class:`Region` is ``(offset in
bytes, shape, dtype)``.

Messages (little-endian, fixed size, never pickled):

* setup, training -> slice: ``<I`` length + that many bytes of JSON
  (:func:`setup_message`); reply :data:`READY` or an error;
* step, training -> slice: :data:`STEP` ``(rows, has_seed, pixels, share,
  seed)`` (``pixels`` 1: the images are in the uint8 pixel region, 0: in
  the float32 input region; ``share``: the slice's share of the batch, by
  which it scales the gradients it writes);
  reply :data:`DONE` ``(status, loss, correct)``; ``status`` 0 is success,
  1 an error whose UTF-8 text follows as ``<I`` length + bytes;
* quit: the training process closes the pipe.
"""
from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass

import numpy as np

STEP = struct.Struct("<qBBdQ")      # rows, has_seed (0/1), pixels (0/1), share, seed
DONE = struct.Struct("<Bdq")        # status, mean loss, correct count
LENGTH = struct.Struct("<I")
ALIGN = 64
#: a setup message longer than this is refused (a model config is a few kB)
MAX_SETUP_BYTES = 16 << 20
#: an error text longer than this is cut
MAX_ERROR_BYTES = 4096


@dataclass(frozen=True)
class Region:
    """``shape`` values of ``dtype`` at byte ``offset`` of the shared file."""
    offset: int
    shape: tuple[int, ...]
    dtype: str

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize

    def view(self, buffer) -> np.ndarray:
        """The region as an array on ``buffer`` (a writable memory map)."""
        return np.ndarray(self.shape, np.dtype(self.dtype), buffer, self.offset)

    def record(self) -> list:
        return [self.offset, list(self.shape), self.dtype]

    @classmethod
    def from_record(cls, record) -> "Region":
        offset, shape, dtype = record
        return cls(int(offset), tuple(int(s) for s in shape), str(dtype))


@dataclass(frozen=True)
class SliceRegions:
    """One slice process's regions: gradients by name, inputs ``(rows, C, H, W)``
    float32, pixels ``(rows, C, H, W)`` uint8, labels ``(rows,)``."""
    grads: dict[str, Region]
    inputs: Region
    pixels: Region
    labels: Region


@dataclass(frozen=True)
class SharedLayout:
    """Every region of the shared file and its total size in bytes."""
    params: dict[str, Region]
    buffers: dict[str, Region]
    slices: tuple[SliceRegions, ...]
    size: int

    @classmethod
    def plan(cls, params: dict[str, np.ndarray], buffers: dict[str, np.ndarray],
             input_shape: tuple[int, ...], rows: int, slices: int) -> "SharedLayout":
        """Regions for ``slices`` slice processes of up to ``rows`` images each."""
        end = [0]

        def place(shape, dtype) -> Region:
            region = Region(end[0], tuple(int(s) for s in shape), np.dtype(dtype).str)
            end[0] += -(-max(region.nbytes, 1) // ALIGN) * ALIGN
            return region

        shared_params = {k: place(v.shape, v.dtype) for k, v in params.items()}
        shared_buffers = {k: place(v.shape, v.dtype) for k, v in buffers.items()}
        per_slice = tuple(SliceRegions({k: place(v.shape, v.dtype) for k, v in params.items()},
                                       place((rows, *input_shape), np.float32),
                                       place((rows, *input_shape), np.uint8),
                                       place((rows,), np.int64)) for _ in range(slices))
        return cls(shared_params, shared_buffers, per_slice, end[0])


def setup_message(model_config: dict, path: str, layout: SharedLayout, index: int,
                  augment: dict | None, algorithms: dict[str, str]) -> bytes:
    """What slice process ``index`` (0-based among the slice processes) needs to start."""
    mine = layout.slices[index]
    body = json.dumps({
        "model": model_config, "path": path, "size": layout.size, "index": index,
        "params": {k: r.record() for k, r in layout.params.items()},
        "buffers": {k: r.record() for k, r in layout.buffers.items()},
        "grads": {k: r.record() for k, r in mine.grads.items()},
        "inputs": mine.inputs.record(), "pixels": mine.pixels.record(),
        "labels": mine.labels.record(),
        "augment": augment, "algorithms": algorithms,
    }).encode()
    return LENGTH.pack(len(body)) + body


def read_exactly(stream, n: int) -> bytes:
    """``n`` bytes from a binary stream (buffered or raw: partial reads are
    continued); ``EOFError`` if it ends first."""
    data = b""
    while len(data) < n:
        more = stream.read(n - len(data))
        if not more:
            raise EOFError(f"the pipe closed after {len(data)} of {n} bytes")
        data += more
    return data

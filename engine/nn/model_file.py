"""Model files: ``.npz`` archives with one ``architecture`` member (the UTF-8
JSON of :meth:`engine.nn.model.Model.config`, stored as a uint8 array) and
one float array per parameter (``conv1.K``, ``conv1.b``, ...) and per buffer
(batch norm's running statistics, ``bn1.running_mean``, ``bn1.running_var``;
same dtype as the parameters), and optionally the novelty statistics (five arrays named ``novelty_*``, see
:mod:`engine.nn.novelty_stats`; files without them load as before).

Writing is here; reading, which must distrust every byte, is
:mod:`engine.nn.model_load`.
"""
from __future__ import annotations

import json

import numpy as np

from ..system.atomic import atomic_write

ARCH_KEY = "architecture"
MAX_FILE_BYTES = 96 * 2**20         # a model file larger than this is refused
ALLOWED_DTYPES = (np.dtype("<f4"), np.dtype("<f8"))


class ModelFileError(ValueError):
    """A model file is malformed, unsafe or does not describe a valid model."""


def save_model(model, path) -> None:
    """Write ``model`` (a :class:`~engine.nn.model.Model`) to ``path``
    atomically (temp file + fsync + rename), with its novelty statistics if
    it has valid ones."""
    arch = json.dumps(model.config(), sort_keys=True).encode("utf-8")
    arrays = {ARCH_KEY: np.frombuffer(arch, dtype=np.uint8)}
    dtype = next(iter(model.named_params().values()), np.zeros(0, np.float32)).dtype
    for name, value in model.named_params().items():
        arrays[name] = np.ascontiguousarray(value)
    for name, value in model.named_buffers().items():
        arrays[name] = np.ascontiguousarray(value, dtype=dtype)
    stats = model.novelty_stats          # None if never fitted or the weights changed since
    if stats is not None:
        arrays.update(stats.to_arrays())
    with atomic_write(path) as f:
        np.savez(f, **arrays)

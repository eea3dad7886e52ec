"""Loading model files (see :mod:`engine.nn.model_file` for the format).

Model files are untrusted input. Loading never unpickles
(``allow_pickle=False``), reads every array header before any data, and
rejects, with a :class:`ModelFileError` (a ``ValueError``) naming the
problem: files that are not zip archives, members that are not ``.npy``,
object/int/complex dtypes, declared sizes beyond a limit (before
allocating), unknown, missing or extra arrays, shapes that disagree with the
architecture, NaN/Inf values, architectures that are malformed or cost more
than the app can serve (:func:`engine.nn.architecture.describe_architecture`),
and weights that are finite but overflow (a probe forward pass of a few
fixed inputs must give finite outputs). Buffers (batch norm's running
statistics) are checked like the weights (names and shapes from the
architecture, the weights' dtype, finite values) and a running variance
must not be negative. A missing path raises
``FileNotFoundError``.

Novelty statistics (:mod:`engine.nn.novelty_stats`) are optional: all five
arrays or none; their dtypes, shapes (implied by the architecture and capped
before any is read) and values (finite, positive scales) are checked like the
weights. Statistics whose weight fingerprint does not match the weights are
not an error (another machine sums a little differently only far below the
tolerance; a mismatch means they were fitted to other weights): the model
loads without them.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .architecture import describe_architecture
from .layers import ArchitectureError
from .limits import MAX_LAYERS
from .model import Model
from .model_file import ALLOWED_DTYPES, ARCH_KEY, MAX_FILE_BYTES, ModelFileError, save_model
from .novelty_stats import NOVELTY_KEYS, NoveltyStats, expected_shapes
from .npz_reader import read_member, read_member_header, zip_entry_count

__all__ = ["load_model", "save_model", "ModelFileError"]  # save_model: for engine.model_io

MAX_ARCH_BYTES = 1 * 2**20          # architecture JSON
MAX_MEMBERS = 4 * MAX_LAYERS + 1 + len(NOVELTY_KEYS)   # two parameters and two buffers per
#                                                        layer, the architecture, novelty statistics
_BROKEN = (zipfile.BadZipFile, EOFError, OSError, RuntimeError)


def load_model(path) -> Model:
    """Read and fully validate a model file; see the module docstring."""
    path = Path(path)
    _check_path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelFileError(f"{path.name} is not a model file (.npz zip archive): {exc}") from None
    with zf:
        infos = _member_infos(zf, path.name)
        try:
            headers = {name: read_member_header(zf, info) for name, info in infos.items()}
            arch = _read_architecture(zf, infos[ARCH_KEY], headers[ARCH_KEY], path.name)
        except _BROKEN as exc:
            raise ModelFileError(f"{path.name} is corrupt or truncated: {exc}") from None
        try:
            summary = describe_architecture(arch)
        except ArchitectureError as exc:
            raise ModelFileError(str(exc)) from None
        expected = {**summary.param_shapes, **summary.buffer_shapes}
        dtype = _check_weight_headers(expected, headers,
                                      set(infos) - {ARCH_KEY} - set(NOVELTY_KEYS), path.name)
        try:
            weights = {name: _finite(read_member(zf, infos[name]), name, path.name)
                       for name in expected}
            novelty = _read_novelty(zf, infos, headers, summary, path.name)
        except _BROKEN as exc:
            raise ModelFileError(f"{path.name} is corrupt or truncated: {exc}") from None
    buffers = {name: weights.pop(name) for name in summary.buffer_shapes}
    for name, value in buffers.items():
        if name.endswith(".running_var") and np.any(value < 0):
            raise ModelFileError(f"{path.name}: {name} has negative values (a variance cannot be "
                                 f"negative)")
    model = Model.from_config(arch, source=os.fspath(path))
    model.load_params({k: v.astype(dtype, copy=False) for k, v in weights.items()})
    model.load_buffers({k: v.astype(dtype, copy=False) for k, v in buffers.items()})
    if not model.outputs_are_finite():
        raise ModelFileError(f"{path.name}: the network's outputs are not finite numbers (its "
                             f"weights are too large to compute with); it cannot predict")
    if novelty is not None and novelty.matches(model.named_params()):
        model.set_novelty_stats(novelty)
    return model


def _read_novelty(zf, infos, headers, summary, file_name: str) -> NoveltyStats | None:
    """The file's novelty statistics, checked (see the module docstring), or None."""
    present = [key for key in NOVELTY_KEYS if key in infos]
    if not present:
        return None
    if len(present) != len(NOVELTY_KEYS):
        raise ModelFileError(f"{file_name}: incomplete novelty statistics (has {present}, "
                             f"needs all of {list(NOVELTY_KEYS)})")
    shape, dtype, _ = headers["novelty_layers"]
    if dtype != np.dtype("<i8") or len(shape) != 1 or not 1 <= shape[0] <= MAX_LAYERS:
        raise ModelFileError(f"{file_name}: novelty_layers is not a short int64 vector")
    layers = read_member(zf, infos["novelty_layers"])
    output_shapes = [layer.output_shape for layer in summary.layers]
    try:
        want = expected_shapes(layers, output_shapes, summary.num_classes,
                               len(summary.param_shapes))
    except ValueError as exc:
        raise ModelFileError(f"{file_name}: {exc}") from None
    for key in NOVELTY_KEYS[1:]:
        shape, dtype, _ = headers[key]
        if dtype != np.dtype("<f8") or shape != want[key]:
            raise ModelFileError(f"{file_name}: {key} is {dtype} {shape}, expected float64 "
                                 f"{want[key]}")
    arrays = {key: read_member(zf, infos[key]) for key in NOVELTY_KEYS}
    try:
        return NoveltyStats.from_arrays(arrays, output_shapes, summary.num_classes,
                                        len(summary.param_shapes))
    except ValueError as exc:
        raise ModelFileError(f"{file_name}: {exc}") from None


def _check_path(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}")
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file")
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(f"{path} is empty")
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"{path} is {size} bytes, larger than any model this app makes")
    entries = zip_entry_count(path)
    if entries is not None and entries > MAX_MEMBERS:
        raise ModelFileError(f"{path.name}: {entries} members, too many for a model")


def _member_infos(zf: zipfile.ZipFile, file_name: str) -> dict[str, zipfile.ZipInfo]:
    """``{member name without .npy: info}``; refuses odd, duplicate or too many members."""
    members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        raise ModelFileError(f"{file_name}: {len(members)} members, too many for a model")
    infos = {}
    for info in members:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise ModelFileError(f"{file_name}: unexpected member {info.filename!r}")
        if info.filename[:-4] in infos:
            raise ModelFileError(f"{file_name}: duplicate member {info.filename!r}")
        infos[info.filename[:-4]] = info
    if ARCH_KEY not in infos:
        raise ModelFileError(f"{file_name}: no architecture description (not a model saved "
                             f"by this app?)")
    return infos


def _read_architecture(zf, info, header, file_name: str):
    shape, dtype, _ = header
    if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_ARCH_BYTES:
        raise ModelFileError(f"{file_name}: architecture member is not UTF-8 bytes of sane size")
    raw = read_member(zf, info).tobytes()
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # incl. JSONDecodeError, Unicode, int > 4300 digits
        raise ModelFileError(f"{file_name}: architecture is not valid JSON: {exc}") from None


def _check_weight_headers(expected: dict, headers: dict, found: set, file_name: str) -> np.dtype:
    """Names, shapes and dtypes of the weight members; returns their one dtype."""
    if found != set(expected):
        missing, extra = sorted(set(expected) - found), sorted(found - set(expected))
        raise ModelFileError(f"{file_name}: weights do not match the architecture "
                             f"(missing {missing}, unexpected {extra})")
    dtypes = set()
    for name, want in expected.items():
        shape, dtype, _ = headers[name]
        if dtype not in ALLOWED_DTYPES:
            raise ModelFileError(f"{file_name}: {name} has dtype {dtype}, expected float32 or "
                                 f"float64")
        if shape != want:
            raise ModelFileError(f"{file_name}: {name} has shape {shape}, expected {want}")
        dtypes.add(dtype)
    if len(dtypes) > 1:
        raise ModelFileError(f"{file_name}: mixed float32/float64 weights")
    return dtypes.pop() if dtypes else np.dtype(np.float32)


def _finite(array: np.ndarray, name: str, file_name: str) -> np.ndarray:
    if not np.all(np.isfinite(array)):
        raise ModelFileError(f"{file_name}: {name} contains NaN or infinite values")
    return array

"""Run files: a :class:`~engine.training.run_record.TrainingRun` (settings,
curves and checkpoints) as one ``.npz`` archive, never pickled. Members:

* ``run``: the UTF-8 JSON description (a uint8 array; see
  :mod:`engine.training.run_description`): label, settings, architecture,
  each checkpoint's step and epoch fraction, how the run finished, its time;
* ``steps`` (int64), ``loss``, ``accuracy``, ``lr`` (float64): per step, one length;
* ``epoch_test_accuracy``, ``epoch_test_loss``, ``epoch_train_loss``
  (float64): per epoch, one length;
* ``ckpt000/conv1.K``, ``ckpt000/conv1.b``, ...: checkpoint ``i``'s weights
  (every parameter and buffer of the architecture; float32 or float64, one
  dtype in the whole file).

Writing is atomic (:func:`engine.system.atomic.atomic_write`: a folder, a
device or a write-protected file at the path is refused, never replaced)
and checks the run as reading would. Reading distrusts every byte, like
model files (:mod:`engine.nn.model_load`): files above
:data:`MAX_RUN_FILE_BYTES` (512 MB), too many members, members that are not
``.npy``, headers read before any data (object dtypes, sizes beyond what the
member holds, dtypes other than the expected ones refused), every
checkpoint's weights exactly the architecture's names and shapes, finite,
their total within :data:`MAX_WEIGHT_BYTES` (checked on the headers, before
reading), steps strictly increasing, curves of equal, capped lengths. Every
refusal is a :class:`RunFileError` naming the file and the problem.
"""
from __future__ import annotations

import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from ..nn.model import Model
from ..nn.model_file import ALLOWED_DTYPES, ModelFileError
from ..nn.npz_reader import read_member, read_member_header, zip_entry_count
from ..system.atomic import atomic_write
from .checkpoints import MAX_CHECKPOINT_ARRAYS, Checkpoint
from .run_description import RunDescription, RunFileError, describe_run, read_description
from .run_record import TrainingRun

__all__ = ["RunFileError", "load_run", "run_path_for", "save_run"]

RUN_KEY = "run"
MAX_RUN_FILE_BYTES = 512 * 2**20        # a run file larger than this is refused
MAX_WEIGHT_BYTES = 256 * 2**20          # all checkpoints' weights together
MAX_JSON_BYTES = 4 * 2**20
MAX_STEP_POINTS = 2**22                 # per-step curve length (4,194,304 steps)
MAX_EPOCH_POINTS = 10_000
STEP_CURVES = {"steps": np.dtype("<i8"), "loss": np.dtype("<f8"),
               "accuracy": np.dtype("<f8"), "lr": np.dtype("<f8")}
EPOCH_CURVES = ("epoch_test_accuracy", "epoch_test_loss", "epoch_train_loss")
MAX_MEMBERS = 1 + len(STEP_CURVES) + len(EPOCH_CURVES) + MAX_CHECKPOINT_ARRAYS
_BROKEN = (zipfile.BadZipFile, EOFError, OSError, RuntimeError)


def run_path_for(model_path: str | os.PathLike) -> Path:
    """Where ``python -m engine train --checkpoints`` saves the run of a model
    saved to ``model_path``: ``model.npz`` -> ``model.run.npz``, same folder."""
    path = Path(model_path)
    return path.with_name(f"{path.stem}.run.npz")


def save_run(run: TrainingRun, path: str | os.PathLike) -> None:
    """Write ``run`` to ``path`` atomically; a :class:`RunFileError` if it
    breaks a limit of the format (nothing is written then), ``OSError`` if
    the path cannot be written (a folder or device in the way, ...)."""
    name = Path(path).name
    description = describe_run(run)
    try:
        text = json.dumps(description, sort_keys=True, allow_nan=False).encode("utf-8")
    except ValueError as exc:
        raise RunFileError(f"cannot save {name}: {exc}") from None
    checked = read_description(json.loads(text), name)
    arrays = {RUN_KEY: np.frombuffer(text, dtype=np.uint8)}
    arrays.update({key: np.ascontiguousarray(getattr(run, key), dtype=dtype)
                   for key, dtype in STEP_CURVES.items()})
    arrays.update({key: np.ascontiguousarray(getattr(run, key), dtype="<f8")
                   for key in EPOCH_CURVES})
    dtype = next((a.dtype for c in run.checkpoints for a in c.weights.values()), None)
    for i, checkpoint in enumerate(run.checkpoints):
        arrays.update({f"ckpt{i:03d}/{k}": np.ascontiguousarray(v, dtype=dtype)
                       for k, v in checkpoint.weights.items()})
    _check_members(checked, set(arrays), name)
    _check_headers(checked, {k: (v.shape, v.dtype) for k, v in arrays.items()}, name)
    _check_curves(checked, arrays, name)
    if len(text) > MAX_JSON_BYTES:
        raise RunFileError(f"cannot save {name}: the description takes {len(text):,} bytes "
                           f"(limit {MAX_JSON_BYTES:,})")
    with atomic_write(path) as f:
        np.savez(f, **arrays)


def load_run(path: str | os.PathLike) -> TrainingRun:
    """Read and fully check a run file (see the module docstring); a missing
    path raises ``FileNotFoundError``, anything wrong a :class:`RunFileError`."""
    path = Path(path)
    _check_path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise RunFileError(f"{path.name} is not a run file (.npz zip archive): {exc}") from None
    with zf:
        try:
            return _read(zf, path.name)
        except ModelFileError as exc:          # from the .npy member reader
            raise RunFileError(f"{path.name}: {exc}") from None
        except _BROKEN as exc:
            raise RunFileError(f"{path.name} is corrupt or truncated: {exc}") from None


def _check_path(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"no run file at {path}")
    if path.is_dir():
        raise RunFileError(f"{path} is a folder, not a run file")
    size = path.stat().st_size
    if size == 0:
        raise RunFileError(f"{path} is empty")
    if size > MAX_RUN_FILE_BYTES:
        raise RunFileError(f"{path} is {size:,} bytes, larger than a run file may be "
                           f"({MAX_RUN_FILE_BYTES:,})")
    entries = zip_entry_count(path)
    if entries is not None and entries > MAX_MEMBERS:
        raise RunFileError(f"{path.name}: {entries:,} members, too many for a run file")


def _read(zf: zipfile.ZipFile, name: str) -> TrainingRun:
    infos = _member_infos(zf, name)
    shape, dtype, _ = read_member_header(zf, infos[RUN_KEY])
    if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_JSON_BYTES:
        raise RunFileError(f"{name}: the run description is not UTF-8 bytes of sane size")
    try:
        obj = json.loads(read_member(zf, infos[RUN_KEY]).tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:   # JSON, Unicode, int of > 4300 digits
        raise RunFileError(f"{name}: the run description is not valid JSON: {exc}") from None
    desc = read_description(obj, name)
    _check_members(desc, set(infos), name)
    headers = {key: read_member_header(zf, info)[:2] for key, info in infos.items()}
    _check_headers(desc, headers, name)
    arrays = {key: read_member(zf, infos[key]) for key in (*STEP_CURVES, *EPOCH_CURVES)}
    _check_curves(desc, arrays, name)
    checkpoints = tuple(_checkpoint(zf, infos, desc, i, name) for i in range(len(desc.checkpoints)))
    _check_outputs(desc, checkpoints, name)
    return TrainingRun(
        label=desc.label, architecture=desc.architecture, config=desc.config,
        checkpoints=checkpoints, **arrays, finished_reason=desc.finished_reason,
        elapsed_s=desc.elapsed_s, dataset=desc.dataset, total_steps=desc.total_steps,
        pen_mix=desc.pen_mix)


def _member_infos(zf: zipfile.ZipFile, name: str) -> dict[str, zipfile.ZipInfo]:
    """``{member name without .npy: info}``; refuses odd, duplicate or too many members."""
    members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        raise RunFileError(f"{name}: {len(members):,} members, too many for a run file")
    unpacked = sum(info.file_size for info in members)
    if unpacked > MAX_RUN_FILE_BYTES:
        raise RunFileError(f"{name}: its members unpack to {unpacked:,} bytes (limit "
                           f"{MAX_RUN_FILE_BYTES:,})")
    infos = {}
    for info in members:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise RunFileError(f"{name}: unexpected member {info.filename[:80]!r}")
        if info.filename[:-4] in infos:
            raise RunFileError(f"{name}: duplicate member {info.filename[:80]!r}")
        infos[info.filename[:-4]] = info
    if RUN_KEY not in infos:
        raise RunFileError(f"{name}: no run description (not a run file saved by this app?)")
    return infos


def _check_members(desc: RunDescription, found: set[str], name: str) -> None:
    """The members (names without ``.npy``) are exactly those ``desc`` implies."""
    expected = {RUN_KEY, *STEP_CURVES, *EPOCH_CURVES, *_weight_members(desc, name)}
    if found != expected:
        missing, extra = sorted(expected - found), sorted(found - expected)
        raise RunFileError(f"{name}: members do not match the description (missing "
                           f"{missing[:5]}, unexpected {[e[:60] for e in extra[:5]]})")


def _weight_members(desc: RunDescription, name: str) -> list[str]:
    """The weight members the description implies: ``ckpt000/conv1.K``, ..."""
    names = [*desc.summary.param_shapes, *desc.summary.buffer_shapes]
    if len(desc.checkpoints) * len(names) > MAX_CHECKPOINT_ARRAYS:
        raise RunFileError(f"{name}: {len(desc.checkpoints)} checkpoints of {len(names)} arrays "
                           f"each, more than {MAX_CHECKPOINT_ARRAYS:,} arrays in all")
    return [f"ckpt{i:03d}/{k}" for i in range(len(desc.checkpoints)) for k in names]


def _check_headers(desc: RunDescription, headers: dict, name: str) -> None:
    """Shapes and dtypes (``headers``: ``{member: (shape, dtype)}``) of the curves
    and weights against the description and the caps, before any data is read."""
    lengths = set()
    for key, want in STEP_CURVES.items():
        shape, dtype = headers[key]
        if dtype != want or len(shape) != 1 or shape[0] > MAX_STEP_POINTS:
            raise RunFileError(f"{name}: {key} must be a {want.name} vector of at most "
                               f"{MAX_STEP_POINTS:,} values, is {dtype} {shape}")
        lengths.add(shape[0])
    epoch_lengths = {headers[key][0] for key in EPOCH_CURVES}
    if len(lengths) != 1 or len(epoch_lengths) != 1:
        raise RunFileError(f"{name}: the curves have different lengths")
    for key in EPOCH_CURVES:
        shape, dtype = headers[key]
        if dtype != np.dtype("<f8") or len(shape) != 1 or shape[0] > desc.config.epochs:
            raise RunFileError(f"{name}: {key} must be a float64 vector of at most "
                               f"{desc.config.epochs} values (the epochs), is {dtype} {shape}")
    expected = {**desc.summary.param_shapes, **desc.summary.buffer_shapes}
    dtypes, total = set(), 0
    for member in _weight_members(desc, name):
        shape, dtype = headers[member]
        want = expected[member.split("/", 1)[1]]
        if dtype not in ALLOWED_DTYPES or tuple(shape) != want:
            raise RunFileError(f"{name}: {member} is {dtype} {tuple(shape)}, expected float32 "
                               f"or float64 {want}")
        dtypes.add(dtype)
        total += math.prod(want) * dtype.itemsize
    if len(dtypes) > 1:
        raise RunFileError(f"{name}: checkpoints mix float32 and float64 weights")
    if total > MAX_WEIGHT_BYTES:
        raise RunFileError(f"{name}: the checkpoints hold {total:,} bytes of weights (limit "
                           f"{MAX_WEIGHT_BYTES:,})")


def _check_curves(desc: RunDescription, arrays: dict, name: str) -> None:
    steps = arrays["steps"]
    if len(steps) and (steps[0] < 1 or steps[-1] > desc.total_steps or np.any(np.diff(steps) <= 0)):
        raise RunFileError(f"{name}: the curve's steps are not strictly increasing from 1 to at "
                           f"most {desc.total_steps:,}")
    for key in ("loss", "lr", *EPOCH_CURVES, "accuracy"):
        if not np.all(np.isfinite(arrays[key])):
            raise RunFileError(f"{name}: {key} holds NaN or infinite values")
    if np.any(arrays["lr"] < 0):
        raise RunFileError(f"{name}: lr holds negative learning rates")
    for key in ("accuracy", "epoch_test_accuracy"):
        if np.any(arrays[key] < 0) or np.any(arrays[key] > 1):
            raise RunFileError(f"{name}: {key} holds values outside 0..1 (it is a fraction)")


def _checkpoint(zf, infos, desc: RunDescription, i: int, name: str) -> Checkpoint:
    weights = {}
    for key in (*desc.summary.param_shapes, *desc.summary.buffer_shapes):
        member = f"ckpt{i:03d}/{key}"
        array = np.ascontiguousarray(read_member(zf, infos[member]))
        if not np.all(np.isfinite(array)):
            raise RunFileError(f"{name}: {member} contains NaN or infinite values")
        if key.endswith(".running_var") and np.any(array < 0):
            raise RunFileError(f"{name}: {member} has negative values (a variance cannot be "
                               f"negative)")
        array.setflags(write=False)
        weights[key] = array
    step, fraction = desc.checkpoints[i]
    return Checkpoint(step, fraction, weights, desc.architecture)


def _check_outputs(desc: RunDescription, checkpoints: tuple[Checkpoint, ...], name: str) -> None:
    """Every checkpoint's network must compute finite outputs (finite weights can overflow)."""
    if not checkpoints:
        return
    model = Model.from_config(desc.architecture)
    for checkpoint in checkpoints:
        params = {k: checkpoint.weights[k] for k in model.named_params()}
        model.load_params(params)
        model.load_buffers({k: checkpoint.weights[k] for k in model.named_buffers()})
        if not model.outputs_are_finite():
            raise RunFileError(f"{name}: the network of the checkpoint at step "
                               f"{checkpoint.step:,} computes non-finite outputs (its weights "
                               f"are too large); it cannot predict")

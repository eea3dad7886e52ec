"""Personal-set files: one ``.npz`` (zip of ``.npy`` arrays, deflated, never
pickled) that is both the per-user store and the export/import format.

Members (``N`` samples, ``S`` strokes, ``P`` points)::

    meta          uint8 (k,)           UTF-8 JSON {"format": FORMAT, "version": 1}, k <= 4096
    images        <f4 (N, 1, 28, 28)   in [0, 1]
    labels        <i8 (N,)             0-9
    added         <f8 (N,)             seconds since 1970, 0 to MAX_TIME
    stroke_starts <i8 (N + 1,)         sample i has strokes stroke_starts[i]:stroke_starts[i+1]
    point_starts  <i8 (S + 1,)         stroke j has points point_starts[j]:point_starts[j+1]
    points        <f4 (P, 2)           (x, y) canvas fractions in [0, 1]

Files are untrusted input (people exchange them). :func:`load_personal_set`
never unpickles, checks the file (a regular file of at most
:data:`MAX_FILE_BYTES`), the archive (exactly these members, no more than
:data:`MAX_UNPACKED_BYTES` declared when unpacked in all), every ``.npy``
header (dtype and shape, counts consistent, the limits of
:mod:`engine.personal.sample_set`; each member's declared unpacked size
must fit its shape) before reading any data, and then the values (finite,
in range, offsets starting at 0, increasing, ending at the counts). Any
problem raises one :class:`PersonalSetError` (a ``ValueError``) naming it. The
ids are not stored: they are recomputed from the images.

Writing is atomic (:func:`engine.system.atomic.atomic_write`: a temporary
file renamed over the target, never replacing a folder or a device).
"""
from __future__ import annotations

import json
import os
import stat
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..nn.model_file import ModelFileError
from ..nn.npz_reader import MAX_HEADER_BYTES, read_member, read_member_header, zip_entry_count
from ..system.atomic import atomic_write
from .sample_set import (IMAGE_SHAPE, MAX_POINTS, MAX_POINTS_PER_SAMPLE, MAX_SAMPLES,
                         MAX_STROKES_PER_SAMPLE, MAX_TIME, NUM_DIGITS, PersonalSample,
                         PersonalSet, PersonalSetError, content_id)

__all__ = ["FORMAT", "VERSION", "ENV_VAR", "MAX_FILE_BYTES", "MAX_UNPACKED_BYTES",
           "default_personal_path", "save_personal_set", "load_personal_set",
           "import_personal_set"]

FORMAT, VERSION = "cnn-playground-personal-set", 1
#: Environment variable naming the personal-set file (tests, portable installs).
ENV_VAR = "CNN_PLAYGROUND_PERSONAL"
MAX_META_BYTES = 4096
_DTYPES = {"meta": "|u1", "images": "<f4", "labels": "<i8", "added": "<f8",
           "stroke_starts": "<i8", "point_starts": "<i8", "points": "<f4"}
#: Unpacked size of the largest allowed set (images, per-sample arrays, strokes).
MAX_UNPACKED_BYTES = (MAX_SAMPLES * (4 * int(np.prod(IMAGE_SHAPE)) + 8 + 8 + 8)
                      + 8 * (MAX_SAMPLES * MAX_STROKES_PER_SAMPLE + 2) + 8 * MAX_POINTS
                      + MAX_META_BYTES + len(_DTYPES) * MAX_HEADER_BYTES)
#: A file larger than this (compressed) is refused before it is opened as a zip.
MAX_FILE_BYTES = MAX_UNPACKED_BYTES + 2**20
_BROKEN = (zipfile.BadZipFile, EOFError, OSError, RuntimeError, zlib.error)


def default_personal_path() -> Path:
    """``$CNN_PLAYGROUND_PERSONAL`` if set, else ``personal-set.npz`` in the
    per-user data folder (``platformdirs.user_data_dir("cnn-playground")``)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    import platformdirs
    return Path(platformdirs.user_data_dir("cnn-playground")) / "personal-set.npz"


def save_personal_set(personal_set: PersonalSet, path=None) -> Path:
    """Write the set to ``path`` atomically (None: :func:`default_personal_path`,
    whose folder is created if missing); returns the path. An export is a save."""
    if path is None:
        path = default_personal_path()
        path.parent.mkdir(parents=True, exist_ok=True)
    path = Path(path)
    samples = list(personal_set)
    strokes = [p for s in samples for p in s.strokes]
    arrays = {
        "meta": np.frombuffer(json.dumps({"format": FORMAT, "version": VERSION}).encode(), np.uint8),
        "images": personal_set.images.astype("<f4"),
        "labels": personal_set.labels.astype("<i8"),
        "added": personal_set.added.astype("<f8"),
        "stroke_starts": np.cumsum([0] + [len(s.strokes) for s in samples]).astype("<i8"),
        "point_starts": np.cumsum([0] + [len(p) for p in strokes]).astype("<i8"),
        "points": (np.concatenate(strokes) if strokes else np.zeros((0, 2))).astype("<f4"),
    }
    with atomic_write(path) as f:
        np.savez_compressed(f, **arrays)
    return path


def load_personal_set(path=None) -> PersonalSet:
    """Read and fully validate a personal-set file (see the module docstring).
    ``None``: :func:`default_personal_path`, an empty set when that file does
    not exist yet. Another missing path raises ``FileNotFoundError``."""
    if path is None:
        path = default_personal_path()
        if not path.exists() and not path.is_symlink():
            return PersonalSet()
    path = Path(path)
    _check_path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise PersonalSetError(f"{path.name} is not a personal-set file (.npz zip archive): "
                               f"{exc}") from None
    with zf:
        try:
            infos = _member_infos(zf, path.name)
            headers = {name: read_member_header(zf, info) for name, info in infos.items()}
            counts = _check_headers(headers, infos, path.name)
            _check_meta(read_member(zf, infos["meta"]), path.name)
            arrays = {name: read_member(zf, info) for name, info in infos.items() if name != "meta"}
        except ModelFileError as exc:          # from the shared .npy reader
            raise PersonalSetError(f"{path.name}: {exc}") from None
        except _BROKEN as exc:
            raise PersonalSetError(f"{path.name} is corrupt or truncated: {exc}") from None
    return _build(arrays, counts, path.name)


def import_personal_set(current: PersonalSet, path) -> PersonalSet:
    """``current`` merged with the samples of the file at ``path`` (validated
    as :func:`load_personal_set`; drawings already in ``current`` are skipped)."""
    return current.merge(load_personal_set(Path(path)))


def _check_path(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"no personal-set file at {path}")
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise PersonalSetError(f"{path} is a folder, not a personal-set file")
    if not stat.S_ISREG(info.st_mode):
        raise PersonalSetError(f"{path} is not a regular file (a device, pipe or socket)")
    if info.st_size == 0:
        raise PersonalSetError(f"{path} is empty")
    if info.st_size > MAX_FILE_BYTES:
        raise PersonalSetError(f"{path} is {info.st_size:,} bytes, larger than any personal set "
                               f"(limit {MAX_FILE_BYTES:,})")
    entries = zip_entry_count(path)
    if entries is not None and entries != len(_DTYPES):
        raise PersonalSetError(f"{path.name}: {entries} members, a personal-set file has "
                               f"{len(_DTYPES)}")


def _member_infos(zf: zipfile.ZipFile, file_name: str) -> dict[str, zipfile.ZipInfo]:
    """``{member name without .npy: info}``: exactly the expected members."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist()[:len(_DTYPES) + 1]:
        name = info.filename[:-4] if info.filename.endswith(".npy") else None
        if name not in _DTYPES or info.is_dir():
            raise PersonalSetError(f"{file_name}: unexpected member {info.filename[:80]!r}")
        if name in infos:
            raise PersonalSetError(f"{file_name}: duplicate member {info.filename!r}")
        infos[name] = info
    missing = sorted(set(_DTYPES) - set(infos))
    if missing or len(zf.infolist()) != len(_DTYPES):
        raise PersonalSetError(f"{file_name}: not a personal-set file (missing {missing})")
    total = sum(info.file_size for info in infos.values())
    if total > MAX_UNPACKED_BYTES:
        raise PersonalSetError(f"{file_name}: unpacks to {total:,} bytes, more than any personal "
                               f"set (limit {MAX_UNPACKED_BYTES:,})")
    return infos


def _check_headers(headers: dict, infos: dict, file_name: str) -> tuple[int, int, int]:
    """Dtypes, shapes, counts and limits from the headers alone -> ``(N, S, P)``."""
    for name, (shape, dtype, _) in headers.items():
        if dtype.str != _DTYPES[name] or dtype.fields is not None or dtype.subdtype is not None:
            raise PersonalSetError(f"{file_name}: {name} has dtype {dtype}, expected "
                                   f"{np.dtype(_DTYPES[name])}")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if infos[name].file_size > nbytes + MAX_HEADER_BYTES + 128:
            raise PersonalSetError(f"{file_name}: {name} unpacks to {infos[name].file_size:,} "
                                   f"bytes, more than its shape {shape} holds")

    def shape(name):
        return headers[name][0]

    n = shape("labels")[0] if len(shape("labels")) == 1 else -1
    if not 0 <= n <= MAX_SAMPLES:
        raise PersonalSetError(f"{file_name}: labels has shape {shape('labels')}, expected (N,) "
                               f"with N at most {MAX_SAMPLES:,}")
    s = shape("point_starts")[0] - 1 if len(shape("point_starts")) == 1 else -1
    p = shape("points")[0] if len(shape("points")) == 2 else -1
    want = {"meta": None, "images": (n,) + IMAGE_SHAPE, "labels": (n,), "added": (n,),
            "stroke_starts": (n + 1,), "point_starts": (s + 1,), "points": (p, 2)}
    for name, expected in want.items():
        if expected is not None and shape(name) != expected:
            raise PersonalSetError(f"{file_name}: {name} has shape {shape(name)}, expected "
                                   f"{expected} for {n} samples")
    if len(shape("meta")) != 1 or shape("meta")[0] > MAX_META_BYTES:
        raise PersonalSetError(f"{file_name}: meta is not a short UTF-8 text")
    if not 0 <= s <= n * MAX_STROKES_PER_SAMPLE:
        raise PersonalSetError(f"{file_name}: {s} strokes, more than {MAX_STROKES_PER_SAMPLE} "
                               f"per sample")
    if not 0 <= p <= MAX_POINTS:
        raise PersonalSetError(f"{file_name}: {p:,} stroke points, more than the limit of "
                               f"{MAX_POINTS:,}")
    return n, s, p


def _check_meta(raw: np.ndarray, file_name: str) -> None:
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise PersonalSetError(f"{file_name}: meta is not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise PersonalSetError(f"{file_name}: not a personal-set file (format "
                               f"{str(meta.get('format') if isinstance(meta, dict) else meta)[:60]!r})")
    if meta.get("version") != VERSION:
        raise PersonalSetError(f"{file_name}: personal-set format version "
                               f"{str(meta.get('version'))[:20]}, this app reads {VERSION}")


def _offsets(starts: np.ndarray, end: int, per_item: int, what: str, file_name: str) -> None:
    """``starts``: 0 first, ``end`` last, steps from 0 (or 1) to ``per_item``."""
    steps = np.diff(starts)
    least = 1 if what == "point_starts" else 0
    if starts[0] != 0 or starts[-1] != end or (len(steps) and (steps.min() < least
                                                              or steps.max() > per_item)):
        raise PersonalSetError(f"{file_name}: {what} are not offsets from 0 to {end} in steps "
                               f"of {least} to {per_item}")


def _in_range(a: np.ndarray, lo: float, hi: float, what: str, file_name: str) -> None:
    if a.size and not (np.isfinite(a).all() and a.min() >= lo and a.max() <= hi):
        raise PersonalSetError(f"{file_name}: {what} holds values that are not finite numbers "
                               f"from {lo:g} to {hi:g}")


def _build(arrays: dict, counts: tuple[int, int, int], file_name: str) -> PersonalSet:
    n, s, p = counts
    _in_range(arrays["images"], 0.0, 1.0, "images", file_name)
    _in_range(arrays["labels"], 0, NUM_DIGITS - 1, "labels", file_name)
    _in_range(arrays["added"], 0.0, MAX_TIME, "added", file_name)
    _in_range(arrays["points"], 0.0, 1.0, "points", file_name)
    sample_starts, stroke_starts = arrays["stroke_starts"], arrays["point_starts"]
    _offsets(sample_starts, s, MAX_STROKES_PER_SAMPLE, "stroke_starts", file_name)
    _offsets(stroke_starts, p, MAX_POINTS_PER_SAMPLE, "point_starts", file_name)
    per_sample = stroke_starts[sample_starts[1:]] - stroke_starts[sample_starts[:-1]]
    if n and per_sample.max() > MAX_POINTS_PER_SAMPLE:
        raise PersonalSetError(f"{file_name}: a sample has {int(per_sample.max()):,} stroke "
                               f"points, more than {MAX_POINTS_PER_SAMPLE:,}")
    points = arrays["points"]
    strokes = [points[a:b] for a, b in zip(stroke_starts[:-1], stroke_starts[1:])]
    samples = []
    for i in range(n):
        image = np.array(arrays["images"][i], np.float32) + np.float32(0.0)
        image.setflags(write=False)
        own = tuple(np.array(st, np.float32) for st in strokes[sample_starts[i]:sample_starts[i + 1]])
        for st in own:
            st.setflags(write=False)
        samples.append(PersonalSample(content_id(image), image, int(arrays["labels"][i]), own,
                                      float(arrays["added"][i])))
    return PersonalSet(samples)

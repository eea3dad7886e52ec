"""Model files: ``.npz`` with one ``architecture`` member (UTF-8 JSON as uint8)
and one float array per parameter (``conv1.K``, ``conv1.b``, ...).

Model files are untrusted input. Loading never unpickles (``allow_pickle=False``),
reads every array header before any data, and rejects, with a
:class:`ModelFileError` (a ``ValueError``) naming the problem: files that are
not zip archives, members that are not ``.npy``, object/int/complex dtypes,
declared sizes beyond a limit (before allocating), unknown, missing or extra
arrays, shapes that disagree with the architecture, NaN/Inf values, and
architectures that are malformed or too large. A missing path raises
``FileNotFoundError``.
"""
from __future__ import annotations

import json
import math
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

from .atomic import atomic_write
from .im2col import conv_output_size
from .model import FORMAT_NAME, FORMAT_VERSION, Model

ARCH_KEY = "architecture"
MAX_FILE_BYTES = 96 * 2**20         # a model file larger than this is refused
MAX_PARAMS = 10_000_000             # parameters in total (float64: 80 MB)
MAX_LAYERS = 64
MAX_ARCH_BYTES = 1 * 2**20          # architecture JSON
MAX_DIM = 4096                      # channels, features
MAX_KERNEL = 31
MAX_INPUT_SIDE = 512
MAX_ACTIVATION = 1 << 22            # values per sample after any layer
MAX_HEADER_BYTES = 64 * 1024        # .npy header
MAX_METADATA_DEPTH = 32
MAX_MEMBERS = 2 * MAX_LAYERS + 1    # weights and bias per layer, plus the architecture
ALLOWED_DTYPES = (np.dtype("<f4"), np.dtype("<f8"))


class ModelFileError(ValueError):
    """A model file is malformed, unsafe or does not describe a valid model."""


def save_model(model: Model, path) -> None:
    """Write ``model`` to ``path`` atomically (temp file + fsync + rename)."""
    arch = json.dumps(model.config(), sort_keys=True).encode("utf-8")
    arrays = {ARCH_KEY: np.frombuffer(arch, dtype=np.uint8)}
    for name, value in model.named_params().items():
        arrays[name] = np.ascontiguousarray(value)
    with atomic_write(path) as f:
        np.savez(f, **arrays)


# ------------------------------------------------------------------ reading
def _read_member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """Return ``(shape, dtype, fortran_order)`` of a ``.npy`` member, checking sizes."""
    if info.file_size > MAX_FILE_BYTES:
        raise ModelFileError(f"array {info.filename!r} unpacks to {info.file_size} bytes "
                             f"(limit {MAX_FILE_BYTES})")
    with zf.open(info) as f:
        head = f.read(12)
        if head[:6] == b"\x93NUMPY" and len(head) == 12:
            hlen = struct.unpack("<H", head[8:10])[0] if head[6] == 1 else struct.unpack("<I", head[8:12])[0]
            if hlen > MAX_HEADER_BYTES:
                raise ModelFileError(f"array {info.filename!r}: .npy header of {hlen} bytes; refused")
        f.seek(0)
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ModelFileError(f"array {info.filename!r}: unsupported .npy version {version}")
        except ModelFileError:
            raise
        except Exception as exc:  # numpy raises ValueError/ast errors on garbage headers
            raise ModelFileError(f"array {info.filename!r} has a malformed .npy header: {exc}") from None
    if dtype.hasobject:
        raise ModelFileError(f"array {info.filename!r} holds Python objects (would need pickle); refused")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > info.file_size:
        raise ModelFileError(f"array {info.filename!r} declares shape {shape} of {dtype} "
                             f"({nbytes} bytes) but the member holds only {info.file_size} bytes")
    return tuple(shape), dtype, fortran


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with zf.open(info) as f:
        try:
            return np.lib.format.read_array(f, allow_pickle=False)
        except Exception as exc:
            raise ModelFileError(f"array {info.filename!r} could not be read: {exc}") from None


def _expect_int(value, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ModelFileError(f"architecture: {what} must be an integer in [{lo}, {hi}], got {value!r}")
    return value


def _expect_pair(value, what: str, lo: int, hi: int) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if not isinstance(value, list) or len(value) != 2:
        raise ModelFileError(f"architecture: {what} must be a pair of integers, got {value!r}")
    return _expect_int(value[0], what, lo, hi), _expect_int(value[1], what, lo, hi)


def expected_param_shapes(arch: dict) -> dict[str, tuple[int, ...]]:
    """Validate an architecture dict *without allocating anything* and return
    the parameter shapes it implies, ``{"conv1.K": (C, D, k1, k2), ...}``."""
    if not isinstance(arch, dict):
        raise ModelFileError("architecture is not a JSON object")
    if arch.get("format") != FORMAT_NAME:
        raise ModelFileError(f"architecture: format is {arch.get('format')!r}, expected {FORMAT_NAME!r}")
    if arch.get("version") != FORMAT_VERSION:
        raise ModelFileError(f"architecture: unsupported version {arch.get('version')!r}")
    shape = arch.get("input_shape")
    if not isinstance(shape, list) or len(shape) != 3:
        raise ModelFileError(f"architecture: input_shape must be [C, H, W], got {shape!r}")
    shape = (_expect_int(shape[0], "input channels", 1, 16),
             _expect_int(shape[1], "input height", 1, MAX_INPUT_SIDE),
             _expect_int(shape[2], "input width", 1, MAX_INPUT_SIDE))
    layers = arch.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ModelFileError(f"architecture: layers must be a list of 1..{MAX_LAYERS} layers")
    if not isinstance(arch.get("metadata", {}), dict):
        raise ModelFileError("architecture: metadata must be a JSON object")
    stack = [(arch.get("metadata", {}), 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            raise ModelFileError("architecture: metadata nested too deeply")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)
    shapes: dict[str, tuple[int, ...]] = {}
    names = set()
    total = 0
    for i, lc in enumerate(layers):
        if not isinstance(lc, dict):
            raise ModelFileError(f"architecture: layer {i} is not an object")
        kind, name = lc.get("type"), lc.get("name")
        if not isinstance(name, str) or not name or len(name) > 64 or "." in name or name in names:
            raise ModelFileError(f"architecture: layer {i} has a missing, bad or duplicate name {name!r}")
        names.add(name)
        allowed = {"Conv2D": {"in_channels", "out_channels", "kernel_size", "padding", "stride"},
                   "MaxPool2D": {"pool_size", "stride", "padding"},
                   "Dense": {"in_features", "out_features"},
                   "ReLU": set(), "Flatten": set(), "Dropout": {"rate", "seed"}}.get(kind) \
            if isinstance(kind, str) else None
        if allowed is None:
            raise ModelFileError(f"architecture: layer {name!r} has unknown type {kind!r}")
        extra = set(lc) - allowed - {"type", "name"}
        missing = allowed - set(lc)
        if extra or missing:
            raise ModelFileError(f"architecture: layer {name!r} ({kind}) has unexpected keys "
                                 f"{sorted(extra)} / missing keys {sorted(missing)}")
        try:
            if kind == "Conv2D":
                if len(shape) != 3:
                    raise ModelFileError(f"architecture: {name!r} needs a (C, H, W) input, gets {shape}")
                cin = _expect_int(lc["in_channels"], f"{name}.in_channels", 1, MAX_DIM)
                cout = _expect_int(lc["out_channels"], f"{name}.out_channels", 1, MAX_DIM)
                k = _expect_pair(lc["kernel_size"], f"{name}.kernel_size", 1, MAX_KERNEL)
                p = _expect_pair(lc["padding"], f"{name}.padding", 0, MAX_KERNEL)
                s = _expect_pair(lc["stride"], f"{name}.stride", 1, MAX_KERNEL)
                if cin != shape[0]:
                    raise ModelFileError(f"architecture: {name!r} expects {cin} channels, gets {shape[0]}")
                shapes[f"{name}.K"], shapes[f"{name}.b"] = (cin, cout) + k, (cout,)
                shape = (cout, conv_output_size(shape[1], k[0], p[0], s[0]),
                         conv_output_size(shape[2], k[1], p[1], s[1]))
            elif kind == "MaxPool2D":
                if len(shape) != 3:
                    raise ModelFileError(f"architecture: {name!r} needs a (C, H, W) input, gets {shape}")
                k = _expect_pair(lc["pool_size"], f"{name}.pool_size", 1, MAX_KERNEL)
                s = _expect_pair(lc["stride"], f"{name}.stride", 1, MAX_KERNEL)
                p = _expect_pair(lc["padding"], f"{name}.padding", 0, MAX_KERNEL)
                shape = (shape[0], conv_output_size(shape[1], k[0], p[0], s[0]),
                         conv_output_size(shape[2], k[1], p[1], s[1]))
            elif kind == "Dense":
                fin = _expect_int(lc["in_features"], f"{name}.in_features", 1, 1 << 20)
                fout = _expect_int(lc["out_features"], f"{name}.out_features", 1, MAX_DIM)
                if shape != (fin,):
                    raise ModelFileError(f"architecture: {name!r} expects ({fin},) input, gets {shape}")
                shapes[f"{name}.W"], shapes[f"{name}.b"] = (fin, fout), (fout,)
                shape = (fout,)
            elif kind == "Flatten":
                shape = (math.prod(shape),)
            elif kind == "Dropout":
                rate = lc["rate"]
                if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate < 1:
                    raise ModelFileError(f"architecture: {name}.rate must be in [0, 1), got {rate!r}")
                _expect_int(lc["seed"], f"{name}.seed", 0, 2**63 - 1)
        except ValueError as exc:  # conv_output_size: kernel does not fit
            if isinstance(exc, ModelFileError):
                raise
            raise ModelFileError(f"architecture: layer {name!r}: {exc}") from None
        if math.prod(shape) > MAX_ACTIVATION:
            raise ModelFileError(f"architecture: layer {name!r} outputs {shape}, more than "
                                 f"{MAX_ACTIVATION} activation values per sample; too large")
        total += sum(math.prod(v) for k, v in shapes.items() if k.startswith(name + "."))
        if total > MAX_PARAMS:
            raise ModelFileError(f"architecture has more than {MAX_PARAMS} parameters; refused")
    if len(shape) != 1:
        raise ModelFileError(f"architecture: the last layer outputs {shape}, expected class scores (K,)")
    return shapes


def _zip_entry_count(path: Path) -> int | None:
    """Entry count from the zip's end-of-central-directory record, read before
    ``zipfile`` parses (and allocates for) the whole directory; None if absent."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65536 - 22))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count = struct.unpack("<H", tail[at + 10:at + 12])[0]
    return None if count == 0xFFFF else count  # 0xFFFF: zip64, let zipfile decide


def load_model(path) -> Model:
    """Read and fully validate a model file; see the module docstring."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}")
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file")
    size = path.stat().st_size
    if size == 0:
        raise ModelFileError(f"{path} is empty")
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"{path} is {size} bytes, larger than any model this app makes")
    entries = _zip_entry_count(path)
    if entries is not None and entries > MAX_MEMBERS:
        raise ModelFileError(f"{path.name}: {entries} members, too many for a model")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ModelFileError(f"{path.name} is not a model file (.npz zip archive): {exc}") from None
    with zf:
        infos = {}
        if len(zf.infolist()) > MAX_MEMBERS:
            raise ModelFileError(f"{path.name}: {len(zf.infolist())} members, too many for a model")
        for info in zf.infolist():
            if not info.filename.endswith(".npy") or info.is_dir():
                raise ModelFileError(f"{path.name}: unexpected member {info.filename!r}")
            if info.filename[:-4] in infos:
                raise ModelFileError(f"{path.name}: duplicate member {info.filename!r}")
            infos[info.filename[:-4]] = info
        if ARCH_KEY not in infos:
            raise ModelFileError(f"{path.name}: no architecture description (not a model saved by this app?)")
        headers = {}
        try:
            for name, info in infos.items():
                headers[name] = _read_member_header(zf, info)
            arch_shape, arch_dtype, _ = headers[ARCH_KEY]
            if arch_dtype != np.uint8 or len(arch_shape) != 1 or arch_shape[0] > MAX_ARCH_BYTES:
                raise ModelFileError(f"{path.name}: architecture member is not UTF-8 bytes of sane size")
            arch_bytes = _read_member(zf, infos[ARCH_KEY]).tobytes()
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
            raise ModelFileError(f"{path.name} is corrupt or truncated: {exc}") from None
        try:
            arch = json.loads(arch_bytes.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # incl. JSONDecodeError, Unicode, int > 4300 digits
            raise ModelFileError(f"{path.name}: architecture is not valid JSON: {exc}") from None
        expected = expected_param_shapes(arch)
        found = set(infos) - {ARCH_KEY}
        if found != set(expected):
            missing, extra = sorted(set(expected) - found), sorted(found - set(expected))
            raise ModelFileError(f"{path.name}: weights do not match the architecture "
                                 f"(missing {missing}, unexpected {extra})")
        dtypes = set()
        for name, want in expected.items():
            shape, dtype, _ = headers[name]
            if dtype not in ALLOWED_DTYPES:
                raise ModelFileError(f"{path.name}: {name} has dtype {dtype}, expected float32 or float64")
            if shape != want:
                raise ModelFileError(f"{path.name}: {name} has shape {shape}, expected {want}")
            dtypes.add(dtype)
        if len(dtypes) > 1:
            raise ModelFileError(f"{path.name}: mixed float32/float64 weights")
        weights = {}
        try:
            for name in expected:
                arr = _read_member(zf, infos[name])
                if not np.all(np.isfinite(arr)):
                    raise ModelFileError(f"{path.name}: {name} contains NaN or infinite values")
                weights[name] = arr
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
            raise ModelFileError(f"{path.name} is corrupt or truncated: {exc}") from None
    model = Model.from_config(arch)
    dtype = dtypes.pop() if dtypes else np.dtype(np.float32)
    for layer in model.layers:
        for key in list(layer.params):
            layer.params[key] = weights[f"{layer.name}.{key}"].astype(dtype, copy=True)
            layer.grads[key] = np.zeros_like(layer.params[key])
    model.source = os.fspath(path)
    return model

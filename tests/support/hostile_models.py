"""The catalogue of hostile model files used by
``tests/engine/nn/test_model_file_hostile.py`` (and the command-line
scenario ``tests/scenarios/test_cli_bad_inputs.py``).

Each case builds one malformed, malicious or absurd file in a folder and
says which :class:`engine.nn.model_file.ModelFileError` message it must
raise, within which time and peak of traced allocations::

    build, match, seconds, peak_mb = CASES["zip-bomb-300MB-member"]
    path = build(tmp_path)

Files that carry pickle payloads would create a file named
:data:`MARKER_NAME` if they were ever unpickled (:class:`OpenPayload`,
:class:`SystemPayload`); :data:`PICKLE_CASES` lists them.

Categories: file level (empty, random, truncated at many offsets, pickles,
gzip, special files), archive level (non-.npy members, directories,
duplicates, encryption, unknown compression, CRC errors, zip bomb, many
members), ``.npy`` header level (object/int/complex/float16/bool/big-endian/
structured dtypes, 0-d arrays, 80 GB declared shapes, header-length bomb,
code in the header), values (NaN/Inf) and the architecture JSON (encoding,
nesting, format, layer types, keys, integer fields, shape chain, names,
sizes).
"""
from __future__ import annotations

import copy
import gzip
import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.limits import MAX_PARAMS
from engine.nn.model_file import ARCH_KEY, MAX_FILE_BYTES, save_model

MARKER_NAME = "PWNED-marker"

BASE = presets.build("tiny", np.random.default_rng(0))
CFG = BASE.config()
PARAMS = {k: v.copy() for k, v in BASE.named_params().items()}
# tiny: conv1(1->8, 3x3, pad 1) relu1 pool1 conv2(8->16, 3x3, pad 1) relu2 pool2 flatten fc1(784->10)
assert set(PARAMS) == {"conv1.K", "conv1.b", "conv2.K", "conv2.b", "fc1.W", "fc1.b"}


# ---------------------------------------------------------------- payloads
class OpenPayload:
    """Unpickling this calls ``open(marker, "w")``: creates the marker file."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


class SystemPayload:
    """Unpickling this runs ``os.system("touch marker")``."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


# ---------------------------------------------------------------- builders
def arch_u8(obj=None, raw: bytes | None = None) -> np.ndarray:
    data = raw if raw is not None else json.dumps(CFG if obj is None else obj).encode("utf-8")
    return np.frombuffer(data, dtype=np.uint8)


def arrays(cfg=None, raw_arch: bytes | None = None, drop=(), **replace) -> dict:
    """The base model's arrays with the architecture and some weights swapped.
    ``replace`` keys use ``__`` for ``.`` (``conv1__K=...``)."""
    out = {ARCH_KEY: arch_u8(cfg, raw_arch)}
    out.update({k: v.copy() for k, v in PARAMS.items()})
    for name in drop:
        out.pop(name)
    for key, value in replace.items():
        out[key.replace("__", ".")] = value
    return out


def write_npz(path: Path, items: dict) -> Path:
    with open(path, "wb") as f:
        np.savez(f, **items)
    return path


def npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npy_header(shape, descr: str = "<f4", version=(1, 0), fortran=False) -> bytes:
    """A hand-written .npy header (magic + dict), as numpy would write it."""
    buf = io.BytesIO()
    d = {"descr": descr, "fortran_order": fortran, "shape": tuple(shape)}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(buf, d)
    else:
        np.lib.format.write_array_header_2_0(buf, d)
    return buf.getvalue()


def base_members(cfg=None) -> dict[str, bytes]:
    return {f"{k}.npy": npy_bytes(v) for k, v in arrays(cfg).items()}


def write_zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def patch_central_entry(path: Path, member: str, flag_or: int = 0, method: int | None = None):
    """Edit the central-directory record of ``member`` in place."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        pos = zf.start_dir
    while data[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", data[pos + 28:pos + 34])
        name = bytes(data[pos + 46:pos + 46 + n]).decode()
        if name == member:
            flag, meth = struct.unpack("<HH", data[pos + 8:pos + 12])
            data[pos + 8:pos + 12] = struct.pack("<HH", flag | flag_or,
                                                 meth if method is None else method)
            path.write_bytes(bytes(data))
            return
        pos += 46 + n + m + k
    raise AssertionError(f"{member} not found")


def member_data_offset(path: Path, member: str) -> int:
    """Offset of ``member``'s (stored) data in the archive."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = path.read_bytes()
    n, m = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + n + m


def flip_byte(path: Path, offset: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def mutated(fn: Callable[[dict], object]) -> dict:
    cfg = copy.deepcopy(CFG)
    fn(cfg)
    return cfg


def layer(cfg: dict, name: str) -> dict:
    return next(lc for lc in cfg["layers"] if lc["name"] == name)


def saved_model_bytes(tmp: Path) -> bytes:
    """The bytes of the base model as ``engine.save_model`` writes it."""
    save_model(BASE, tmp / "real.npz")
    return (tmp / "real.npz").read_bytes()


# ---------------------------------------------------------------- the cases
# Each case: id -> (build(tmp_path) -> path, message regex, time limit s, peak MB)
CASES: dict[str, tuple[Callable[[Path], Path], str, float, float]] = {}


def case(cid: str, match: str, seconds: float = 1.0, peak_mb: float = 50.0):
    def register(build):
        assert cid not in CASES
        CASES[cid] = (build, match, seconds, peak_mb)
        return build
    return register


def npz_case(cid: str, match: str, **kw):
    """Register a case given by ``arrays(**kw)``."""
    case(cid, match)(lambda tmp: write_npz(tmp / "m.npz", arrays(**kw)))


def arch_case(cid: str, match: str, fn: Callable[[dict], object]):
    """Register a case: the base weights under the architecture edited by ``fn``."""
    case(cid, match)(lambda tmp: write_npz(tmp / "m.npz", arrays(cfg=mutated(fn))))


def raw_arch_case(cid: str, match: str, raw: bytes, **limits):
    case(cid, match, **limits)(lambda tmp: write_npz(tmp / "m.npz", arrays(raw_arch=raw)))


NOT_ZIP = r"m\.npz is not a model file \(\.npz zip archive\)"

# --- file level
case("empty-file", r"m\.npz is empty")(lambda tmp: _write(tmp / "m.npz", b""))
case("random-bytes", NOT_ZIP)(
    lambda tmp: _write(tmp / "m.npz", np.random.default_rng(1).bytes(64 * 1024)))
case("text-file", NOT_ZIP)(lambda tmp: _write(tmp / "m.npz", b"conv1.K = [1, 2, 3]\n" * 50))
case("html-error-page", NOT_ZIP)(
    lambda tmp: _write(tmp / "m.npz", b"<html><body>404 Not Found</body></html>"))
case("gzip-of-a-model", NOT_ZIP)(lambda tmp: _write(tmp / "m.npz", gzip.compress(saved_model_bytes(tmp))))
case("bare-npy-not-npz", NOT_ZIP)(lambda tmp: _write(tmp / "m.npz", npy_bytes(PARAMS["fc1.W"])))
case("pickle-with-open-payload", NOT_ZIP)(
    lambda tmp: _write(tmp / "m.npz", pickle.dumps({"conv1.K": OpenPayload(tmp / MARKER_NAME)})))
case("pickled-object-array", NOT_ZIP)(
    lambda tmp: _write(tmp / "m.npz", npy_bytes(np.array([SystemPayload(tmp / MARKER_NAME)]))))
case("larger-than-any-model", r"m\.npz is \d+ bytes, larger than any model")(
    lambda tmp: _sparse(tmp / "m.npz", MAX_FILE_BYTES + 1))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)  # a hole: no disk space used
    return path


TRUNCATE_AT = [1, 4, 30, 0.05, 0.25, 0.5, 0.75, 0.95, -100, -22, -1]
for _cut in TRUNCATE_AT:
    def _truncated(tmp, cut=_cut):
        data = saved_model_bytes(tmp)
        n = cut if isinstance(cut, int) and cut > 0 else (
            len(data) + cut if isinstance(cut, int) else int(len(data) * cut))
        return _write(tmp / "m.npz", data[:n])
    case(f"truncated-at-{_cut}", NOT_ZIP + "|m\\.npz is corrupt or truncated")(_truncated)

# --- archive level
case("empty-zip", r"m\.npz: no architecture description")(lambda tmp: write_zip(tmp / "m.npz", {}))
case("non-npy-member", r"m\.npz: unexpected member 'README\.txt'")(
    lambda tmp: write_zip(tmp / "m.npz", {**base_members(), "README.txt": b"hello"}))
case("directory-entry", r"m\.npz: unexpected member 'sub/'")(
    lambda tmp: write_zip(tmp / "m.npz", {**base_members(), "sub/": b""}))
case("nested-member", r"unexpected \['sub/conv1\.K'\]")(
    lambda tmp: write_zip(tmp / "m.npz", {**base_members(), "sub/conv1.K.npy": npy_bytes(PARAMS["conv1.K"])}))
case("path-traversal-member", r"unexpected \['\.\./\.\./fc9\.W'\]")(
    lambda tmp: write_zip(tmp / "m.npz", {**base_members(), "../../fc9.W.npy": npy_bytes(PARAMS["fc1.b"])}))
case("member-data-cut-short", r"array 'fc1\.W\.npy' declares shape \(784, 10\) of float32 \(31360 bytes\) "
     r"but the member holds only 15808 bytes")(
    lambda tmp: write_zip(tmp / "m.npz", {**base_members(),
                                           "fc1.W.npy": npy_bytes(PARAMS["fc1.W"])[:128 + 15680]}))
case("pickle-bytes-as-member", r"array 'architecture\.npy' has a malformed \.npy header")(
    lambda tmp: write_zip(tmp / "m.npz", {**base_members(),
                                           "architecture.npy": pickle.dumps(OpenPayload(tmp / MARKER_NAME))}))


@case("encrypted-member", r"m\.npz is corrupt or truncated: .*encrypted")
def _encrypted(tmp):
    path = write_zip(tmp / "m.npz", base_members())
    patch_central_entry(path, "conv1.K.npy", flag_or=0x1)
    return path


@case("unknown-compression-method", r"m\.npz is corrupt or truncated: .*compression")
def _unknown_compression(tmp):
    path = write_zip(tmp / "m.npz", base_members())
    patch_central_entry(path, "fc1.W.npy", method=99)
    return path


@case("crc-mismatch-in-weights", r"Bad CRC-32 for file 'fc1\.W\.npy'")
def _crc_weights(tmp):
    path = write_npz(tmp / "m.npz", arrays())
    return flip_byte(path, member_data_offset(path, "fc1.W.npy") + 128 + 4 * 1000 + 1)


@case("crc-mismatch-in-architecture", r"Bad CRC-32 for file 'architecture\.npy'")
def _crc_arch(tmp):
    path = write_npz(tmp / "m.npz", arrays())
    return flip_byte(path, member_data_offset(path, "architecture.npy") + 128 + 5)


@case("corrupt-deflate-stream", r"array 'fc1\.W\.npy' could not be read|m\.npz is corrupt or truncated")
def _corrupt_deflate(tmp):
    path = tmp / "m.npz"
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays())
    with zipfile.ZipFile(path) as zf:
        size = zf.getinfo("fc1.W.npy").compress_size
    data = bytearray(path.read_bytes())
    start = member_data_offset(path, "fc1.W.npy") + size // 2
    data[start:start + 64] = bytes(64)
    return _write(path, bytes(data))


@case("duplicate-member-names", r"duplicate")
def _duplicate_members(tmp):
    """Two different ``conv1.b`` arrays: which one is the model? Ambiguous: refuse."""
    path = write_zip(tmp / "m.npz", base_members())
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("conv1.b.npy", npy_bytes(np.full(8, 1e3, np.float32)))
    return path


@case("zip-bomb-300MB-member", r"array 'fc1\.W\.npy' unpacks to 31457\d{4} bytes \(limit", seconds=2.0)
def _zip_bomb(tmp):
    path = tmp / "m.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in base_members().items():
            if name != "fc1.W.npy":
                zf.writestr(name, data)
        with zf.open("fc1.W.npy", "w", force_zip64=True) as f:
            f.write(npy_header((784, 10)))
            zeros = bytes(1 << 20)
            for _ in range(300):
                f.write(zeros)
    return path


@case("many-extra-members", r"unexpected|too many|members", seconds=1.0)
def _many_members(tmp):
    """10000 tiny extra members (a 1.3 MB file): refused quickly (before reading
    10000 headers), with a message of bounded length (not 10000 names)."""
    path = write_zip(tmp / "m.npz", base_members())
    empty = npy_bytes(np.zeros(0, np.float32))
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(10000):
            zf.writestr(f"x{i}.npy", empty)
    return path


# --- .npy header level
npz_case("object-array-with-system-payload", r"array 'conv1\.b\.npy' holds Python objects",
         conv1__b=np.array([SystemPayload(Path("/nonexistent") / MARKER_NAME)] * 8, dtype=object))
case("object-array-with-open-payload", r"array 'fc1\.b\.npy' holds Python objects")(
    lambda tmp: write_npz(tmp / "m.npz", arrays(fc1__b=np.array([OpenPayload(tmp / MARKER_NAME)] * 10))))
case("object-architecture", r"array 'architecture\.npy' holds Python objects")(
    lambda tmp: write_npz(tmp / "m.npz", {**arrays(), ARCH_KEY: np.array([OpenPayload(tmp / MARKER_NAME)])}))
npz_case("structured-dtype-with-object-field", r"holds Python objects",
         conv1__b=np.zeros(8, dtype=[("a", "<f4"), ("o", "O")]))
for _dt in ["int32", "int64", "complex64", "float16", "bool", ">f4", ">f8", "uint8", "longdouble"]:
    npz_case(f"dtype-{_dt}", r"m\.npz: conv1\.K has dtype .*, expected float32 or float64",
             conv1__K=PARAMS["conv1.K"].astype(_dt))
npz_case("dtype-structured", r"m\.npz: conv1\.K has dtype .*, expected float32 or float64",
         conv1__K=np.zeros(PARAMS["conv1.K"].shape, dtype=[("a", "<f4")]))
npz_case("dtype-subarray", r"conv1\.b has (dtype|shape)",
         conv1__b=np.zeros(8, dtype=np.dtype(("<f4", (2,)))))
npz_case("mixed-float32-float64", r"mixed float32/float64 weights",
         fc1__W=PARAMS["fc1.W"].astype(np.float64))
npz_case("zero-d-weight", r"m\.npz: fc1\.b has shape \(\), expected \(10,\)", fc1__b=np.float32(0.5))
npz_case("wrong-shape-transposed", r"m\.npz: fc1\.W has shape \(10, 784\), expected \(784, 10\)",
         fc1__W=np.ascontiguousarray(PARAMS["fc1.W"].T))
npz_case("wrong-shape-flattened", r"m\.npz: conv2\.K has shape \(1152,\), expected \(8, 16, 3, 3\)",
         conv2__K=PARAMS["conv2.K"].ravel())
npz_case("wrong-shape-empty", r"m\.npz: conv1\.b has shape \(0,\)", conv1__b=np.zeros(0, np.float32))
npz_case("missing-weight", r"missing \['conv1\.K'\], unexpected \[\]", drop=["conv1.K"])
npz_case("extra-weight", r"missing \[\], unexpected \['fc2\.W'\]", fc2__W=np.zeros((10, 10), np.float32))
npz_case("weights-renamed", r"missing \['fc1\.W'\], unexpected \['fc1\.w'\]",
         drop=["fc1.W"], fc1__w=PARAMS["fc1.W"])
npz_case("architecture-missing", r"m\.npz: no architecture description", drop=[ARCH_KEY])
npz_case("architecture-0d", r"architecture member is not UTF-8 bytes of sane size", architecture=np.uint8(123))
npz_case("architecture-float32", r"architecture member is not UTF-8 bytes of sane size",
         architecture=arch_u8().astype(np.float32))
npz_case("architecture-2d", r"architecture member is not UTF-8 bytes of sane size",
         architecture=np.zeros((2, 8), np.uint8))
npz_case("architecture-over-1MB", r"architecture member is not UTF-8 bytes of sane size",
         architecture=np.full(2**20 + 1, ord(" "), np.uint8))
npz_case("nan-weight", r"m\.npz: conv2\.K contains NaN or infinite values",
         conv2__K=np.where(np.arange(1152).reshape(8, 16, 3, 3) == 700, np.nan, PARAMS["conv2.K"]).astype(np.float32))
npz_case("inf-weight", r"m\.npz: fc1\.W contains NaN or infinite values",
         fc1__W=np.where(np.arange(7840).reshape(784, 10) == 5, np.inf, PARAMS["fc1.W"]).astype(np.float32))
npz_case("minus-inf-bias", r"m\.npz: fc1\.b contains NaN or infinite values",
         fc1__b=np.array([0] * 9 + [-np.inf], np.float32))
npz_case("nan-float64-model", r"contains NaN or infinite values",
         **{k.replace(".", "__"): (v.astype(np.float64) if k != "conv1.b" else np.full(8, np.nan))
            for k, v in PARAMS.items()})


def _header_member_case(cid: str, match: str, header: bytes, tail: bytes = b"", member="conv1.K.npy",
                        **limits):
    case(cid, match, **limits)(
        lambda tmp: write_zip(tmp / "m.npz", {**base_members(), member: header + tail}))


_80GB = (20_000_000_000,)
_header_member_case("80GB-declared-v1", r"array 'conv1\.K\.npy' declares shape \(20000000000,\) of float32 "
                    r"\(80000000000 bytes\) but the member holds only \d+ bytes",
                    npy_header(_80GB), b"\0" * 64)
_header_member_case("80GB-declared-v2", r"array 'conv1\.K\.npy' declares shape .* but the member holds only",
                    npy_header(_80GB, version=(2, 0)), b"\0" * 64)
_header_member_case("80GB-declared-2d-architecture", r"array 'architecture\.npy' declares shape",
                    npy_header((200_000, 100_000), "|u1"), b"{}", member="architecture.npy")
_header_member_case("negative-dimension", r"conv1\.K\.npy|conv1\.K has shape",
                    npy_header((-1, 16, 3, 3)), b"\0" * 64)
_header_member_case("negative-architecture-length", r"architecture",
                    npy_header((-5,), "|u1"), b"{}", member="architecture.npy")
_header_member_case("bad-npy-magic", r"array 'conv1\.K\.npy' has a malformed \.npy header",
                    b"\x93NUMPX\x01\x00" + b"\0" * 200)
_header_member_case("npy-version-9", r"array 'conv1\.K\.npy': unsupported \.npy version \(9, 0\)"
                    r"|array 'conv1\.K\.npy' has a malformed \.npy header",
                    b"\x93NUMPY\x09\x00" + b"\0" * 200)
def raw_v1_header(text: bytes) -> bytes:
    """Magic, length and ``text`` padded like numpy pads (total a multiple of 64)."""
    body = text + b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


_header_member_case("header-with-code", r"array 'conv1\.K\.npy' has a malformed \.npy header",
                    raw_v1_header(b"{'descr': __import__('os').system('touch " + MARKER_NAME.encode()
                                  + b"'), 'fortran_order': False, 'shape': (8,), }"), b"\0" * 64)
_header_member_case("header-not-a-dict", r"array 'conv1\.K\.npy' has a malformed \.npy header",
                    raw_v1_header(b"[1, 2, 3]"), b"\0" * 64)
_header_member_case("truncated-header", r"array 'conv1\.K\.npy' has a malformed \.npy header",
                    npy_header((8, 16, 3, 3))[:40])


@case("npy-v2-header-length-bomb", r"architecture\.npy.*header", seconds=2.0)
def _header_length_bomb(tmp):
    """A v2 .npy header may declare a 4 GB header; 80 MB of deflated zeros (a
    80 KB file) under the per-member limit must not be read into memory."""
    path = tmp / "m.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in base_members().items():
            if name != "architecture.npy":
                zf.writestr(name, data)
        with zf.open("architecture.npy", "w", force_zip64=True) as f:
            f.write(b"\x93NUMPY\x02\x00" + struct.pack("<I", 80 * 2**20))
            zeros = bytes(1 << 20)
            assert 80 * 2**20 < MAX_FILE_BYTES  # so that the header check itself is exercised
            for _ in range(80):
                f.write(zeros)
    return path


# --- architecture JSON
raw_arch_case("arch-not-utf8", r"m\.npz: architecture is not valid JSON", b'{"format": "\xff\xfe"}')
raw_arch_case("arch-not-json", r"m\.npz: architecture is not valid JSON", b"format = cnn-playground-model")
raw_arch_case("arch-empty-bytes", r"m\.npz: architecture is not valid JSON", b"")
raw_arch_case("arch-truncated-json", r"m\.npz: architecture is not valid JSON",
              json.dumps(CFG).encode()[:-10])
raw_arch_case("arch-json-list", r"architecture is not a JSON object", json.dumps(CFG["layers"]).encode())
raw_arch_case("arch-json-null", r"architecture is not a JSON object", b"null")
raw_arch_case("arch-json-string", r"architecture is not a JSON object", b'"cnn-playground-model"')
raw_arch_case("arch-100000-nested-lists", r"m\.npz: architecture is not valid JSON",
              b"[" * 100_000 + b"]" * 100_000)
raw_arch_case("arch-100000-nested-objects", r"m\.npz: architecture is not valid JSON",
              b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
raw_arch_case("arch-5000-digit-integer", r"architecture",
              json.dumps(CFG).encode().replace(b'"out_channels": 8', b'"out_channels": 8' + b"0" * 5000, 1))
arch_case("format-wrong", r"architecture: format is 'keras-model', expected 'cnn-playground-model'",
          lambda c: c.update(format="keras-model"))
arch_case("format-missing", r"architecture: format is None", lambda c: c.pop("format"))
arch_case("version-2", r"architecture: unsupported version 2", lambda c: c.update(version=2))
arch_case("version-string", r"architecture: unsupported version '1'", lambda c: c.update(version="1"))
arch_case("input-shape-2d", r"architecture: input_shape must be \[C, H, W\]", lambda c: c.update(input_shape=[28, 28]))
arch_case("input-channels-zero", r"input channels must be an integer in \[1, 16\], got 0",
          lambda c: c.update(input_shape=[0, 28, 28]))
arch_case("layers-empty", r"architecture: layers must be a list of 1\.\.64 layers", lambda c: c.update(layers=[]))
arch_case("layers-object", r"architecture: layers must be a list", lambda c: c.update(layers={"conv1": {}}))
arch_case("1000-layers", r"architecture: layers must be a list of 1\.\.64 layers",
          lambda c: c.update(layers=c["layers"][:6] + [{"type": "ReLU", "name": f"r{i}"} for i in range(1000)]
                             + c["layers"][6:]))
arch_case("layer-not-object", r"architecture: layer 2 is not an object", lambda c: c["layers"].__setitem__(2, "pool"))
arch_case("unknown-layer-type", r"architecture: layer 'conv1' has unknown type 'Conv3D'",
          lambda c: layer(c, "conv1").update(type="Conv3D"))
arch_case("layer-type-is-a-list", r"architecture: layer 'conv1' .*type",
          lambda c: layer(c, "conv1").update(type=[]))
arch_case("layer-type-is-an-object", r"architecture: layer 'relu1' .*type",
          lambda c: layer(c, "relu1").update(type={"$class": "os.system"}))
arch_case("layer-type-dunder", r"unknown type '__class__'", lambda c: layer(c, "relu1").update(type="__class__"))
arch_case("missing-key", r"'conv1' \(Conv2D\) has unexpected keys \[\] / missing keys \['kernel_size'\]",
          lambda c: layer(c, "conv1").pop("kernel_size"))
arch_case("extra-key", r"'fc1' \(Dense\) has unexpected keys \['activation'\]",
          lambda c: layer(c, "fc1").update(activation="eval"))
arch_case("missing-name", r"architecture: layer 0 has a missing, bad or duplicate name None",
          lambda c: c["layers"][0].pop("name"))
arch_case("duplicate-layer-names", r"layer 4 has a missing, bad or duplicate name 'relu1'",
          lambda c: c["layers"][4].update(name="relu1"))
arch_case("name-with-dot", r"missing, bad or duplicate name 'conv1\.K'",
          lambda c: layer(c, "pool1").update(name="conv1.K"))
arch_case("name-too-long", r"missing, bad or duplicate name 'xxxx",
          lambda c: layer(c, "relu1").update(name="x" * 65))
arch_case("name-not-string", r"missing, bad or duplicate name 7", lambda c: layer(c, "relu1").update(name=7))
for _what, _value in [("negative", -8), ("zero", 0), ("bool", True), ("float", 8.0), ("string", "8"),
                      ("null", None), ("huge", 10**6)]:
    arch_case(f"channels-{_what}", r"conv1\.out_channels must be an integer in \[1, 4096\], got ",
              lambda c, v=_value: layer(c, "conv1").update(out_channels=v))
arch_case("kernel-larger-than-input", r"layer 'conv2': kernel 31 does not fit input 14 with padding 1",
          lambda c: layer(c, "conv2").update(kernel_size=[31, 31]))
arch_case("kernel-size-triple", r"conv1\.kernel_size must be a pair of integers",
          lambda c: layer(c, "conv1").update(kernel_size=[3, 3, 3]))
arch_case("stride-zero", r"conv1\.stride must be an integer in \[1, 31\], got 0",
          lambda c: layer(c, "conv1").update(stride=[0, 1]))
arch_case("padding-negative", r"conv2\.padding must be an integer in \[0, 31\], got -1",
          lambda c: layer(c, "conv2").update(padding=-1))
arch_case("pool-size-zero", r"pool1\.pool_size must be an integer in \[1, 31\]",
          lambda c: layer(c, "pool1").update(pool_size=[0, 0]))
arch_case("inconsistent-channel-chain", r"architecture: 'conv2' expects 4 channels, gets 8",
          lambda c: layer(c, "conv2").update(in_channels=4))
arch_case("input-channels-mismatch", r"architecture: 'conv1' expects 1 channels, gets 3",
          lambda c: c.update(input_shape=[3, 28, 28]))
arch_case("dense-in-features-mismatch", r"architecture: 'fc1' expects \(800,\) input, gets \(784,\)",
          lambda c: layer(c, "fc1").update(in_features=800))
arch_case("dense-without-flatten", r"architecture: 'fc1' expects \(784,\) input, gets \(16, 7, 7\)",
          lambda c: c["layers"].remove(layer(c, "flatten")))
arch_case("conv-after-flatten", r"architecture: 'fc9' needs a \(C, H, W\) input, gets \(10,\)",
          lambda c: c["layers"].append({"type": "Conv2D", "name": "fc9", "in_channels": 10, "out_channels": 2,
                                        "kernel_size": 1, "padding": 0, "stride": 1}))
arch_case("no-class-scores", r"the last layer outputs \(16, 7, 7\), expected class scores",
          lambda c: c.update(layers=c["layers"][:6]))
arch_case("dropout-rate-one", r"architecture: d1\.rate must be in \[0, 1\), got 1",
          lambda c: c["layers"].insert(7, {"type": "Dropout", "name": "d1", "rate": 1, "seed": 0}))
arch_case("dropout-rate-nan", r"architecture: d1\.rate must be in \[0, 1\), got nan",
          lambda c: c["layers"].insert(7, {"type": "Dropout", "name": "d1", "rate": float("nan"), "seed": 0}))
arch_case("dropout-seed-negative", r"d1\.seed must be an integer",
          lambda c: c["layers"].insert(7, {"type": "Dropout", "name": "d1", "rate": 0.5, "seed": -1}))
arch_case("metadata-not-object", r"architecture: metadata must be a JSON object",
          lambda c: c.update(metadata=["x"]))


def _absurd_dense_stack(c):
    """50 Dense layers of 100000 x 100000 (2 TB of float32 if allocated)."""
    c["layers"] = [{"type": "Flatten", "name": "flatten"},
                   {"type": "Dense", "name": "fc0", "in_features": 784, "out_features": 100000}] + [
        {"type": "Dense", "name": f"fc{i}", "in_features": 100000, "out_features": 100000} for i in range(1, 50)]


arch_case("absurd-50-dense-100000x100000", r"fc0\.out_features must be an integer in \[1, 4096\], got 100000",
          _absurd_dense_stack)
arch_case("over-parameter-limit", rf"architecture has more than {MAX_PARAMS} parameters; refused",
          lambda c: c.update(layers=[{"type": "Flatten", "name": "f"}] + [
              {"type": "Dense", "name": f"d{i}", "in_features": 784 if i == 0 else 4096, "out_features": 4096}
              for i in range(4)]))


def _activation_bomb(c):
    """Few parameters (45k) but a 4096 x 462 x 462 activation per sample (3.5 GB of
    float32 for one drawing): padding-only max pools blow the feature maps up,
    then big pools shrink them back. Must be refused at load time, not by an
    out-of-memory crash at the first prediction."""
    c["layers"] = [{"type": "Conv2D", "name": "c1", "in_channels": 1, "out_channels": 4096,
                    "kernel_size": [1, 1], "padding": [31, 31], "stride": [1, 1]}]
    c["layers"] += [{"type": "MaxPool2D", "name": f"p{i}", "pool_size": [1, 1], "stride": [1, 1],
                     "padding": [31, 31]} for i in range(6)]
    c["layers"] += [{"type": "MaxPool2D", "name": "s1", "pool_size": [31, 31], "stride": [31, 31], "padding": 0},
                    {"type": "MaxPool2D", "name": "s2", "pool_size": [14, 14], "stride": [14, 14], "padding": 0},
                    {"type": "Flatten", "name": "f"},
                    {"type": "Dense", "name": "d", "in_features": 4096, "out_features": 10}]


case("activation-bomb", r"activation|too large|memory")(
    lambda tmp: write_npz(tmp / "m.npz", {ARCH_KEY: arch_u8(mutated(_activation_bomb)),
                                         "c1.K": np.zeros((1, 4096, 1, 1), np.float32),
                                         "c1.b": np.zeros(4096, np.float32),
                                         "d.W": np.zeros((4096, 10), np.float32),
                                         "d.b": np.zeros(10, np.float32)}))


# --- paths
@case("directory-path", r"is a folder, not a model file")
def _directory(tmp):
    (tmp / "m.npz").mkdir()
    (tmp / "m.npz" / "architecture.npy").write_bytes(npy_bytes(arch_u8()))
    return tmp / "m.npz"


PICKLE_CASES = ["pickle-with-open-payload", "pickled-object-array", "pickle-bytes-as-member",
                "object-array-with-open-payload", "object-architecture", "object-array-with-system-payload",
                "structured-dtype-with-object-field", "header-with-code"]

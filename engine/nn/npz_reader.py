"""Reading ``.npy`` members of an untrusted ``.npz`` (zip) archive safely:
headers are read and checked (length, dtype, declared size against the
member's real size) before any data, and arrays never unpickle.

Every problem raises :class:`engine.nn.model_file.ModelFileError` naming the
member and the problem.
"""
from __future__ import annotations

import math
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

from .model_file import MAX_FILE_BYTES, ModelFileError

MAX_HEADER_BYTES = 64 * 1024        # a .npy header longer than this is refused


def read_member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """``(shape, dtype, fortran_order)`` of a ``.npy`` member, checking sizes."""
    if info.file_size > MAX_FILE_BYTES:
        raise ModelFileError(f"array {info.filename!r} unpacks to {info.file_size} bytes "
                             f"(limit {MAX_FILE_BYTES})")
    with zf.open(info) as f:
        head = f.read(12)
        if head[:6] == b"\x93NUMPY" and len(head) == 12:
            hlen = struct.unpack("<H", head[8:10])[0] if head[6] == 1 \
                else struct.unpack("<I", head[8:12])[0]
            if hlen > MAX_HEADER_BYTES:
                raise ModelFileError(f"array {info.filename!r}: .npy header of {hlen} bytes; "
                                     f"refused")
        f.seek(0)
        shape, fortran, dtype = _parse_header(f, info.filename)
    if dtype.hasobject:
        raise ModelFileError(f"array {info.filename!r} holds Python objects (would need "
                             f"pickle); refused")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > info.file_size:
        raise ModelFileError(f"array {info.filename!r} declares shape {shape} of {dtype} "
                             f"({nbytes} bytes) but the member holds only {info.file_size} bytes")
    return tuple(shape), dtype, fortran


def _parse_header(f, filename: str):
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(f)
        if version in ((2, 0), (3, 0)):
            return np.lib.format.read_array_header_2_0(f)
    except Exception as exc:  # numpy raises ValueError/ast errors on garbage headers
        raise ModelFileError(f"array {filename!r} has a malformed .npy header: {exc}") from None
    raise ModelFileError(f"array {filename!r}: unsupported .npy version {version}")


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """The array of a ``.npy`` member (``allow_pickle=False``)."""
    with zf.open(info) as f:
        try:
            return np.lib.format.read_array(f, allow_pickle=False)
        except Exception as exc:
            raise ModelFileError(f"array {info.filename!r} could not be read: {exc}") from None


def zip_entry_count(path: Path) -> int | None:
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

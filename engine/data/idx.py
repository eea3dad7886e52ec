"""Reading IDX files (the MNIST format), checked before use.

Layout (big-endian header, gzip or not):

* images: magic 2051 (``0x00000803``: unsigned bytes, 3 dims), then
  ``N, 28, 28`` as uint32, then ``N*28*28`` pixel bytes, 0 (black background)
  .. 255 (white ink), row-major;
* labels: magic 2049 (``0x00000801``: unsigned bytes, 1 dim), then ``N``,
  then ``N`` label bytes 0..9.

Every file is checked structurally (magic, element type, number of
dimensions, 28x28, header count vs. data length, labels <= 9, image/label
counts agree, 60000 train / 10000 test) and then by the SHA-256 of its
decompressed bytes. Nothing is ever unpickled.
"""
from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np

from .mnist_files import (FILES, IMAGE_SIZE, IMAGES_MAGIC, LABELS_MAGIC, MAX_IDX_BYTES, UBYTE,
                          Kind, MnistData, MnistError, MnistNotFoundError, PathLike, find_file,
                          how_to_point)


def read_idx_bytes(path: Path) -> bytes:
    """The decompressed bytes of an IDX file (gzip detected by its magic).
    Raises MnistError for empty, non-gzip ``.gz``, corrupt or truncated gzip,
    or oversized files."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise MnistError(f"{path} is empty (0 bytes)")
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            if head == b"\x1f\x8b":
                try:
                    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                        data = gz.read(MAX_IDX_BYTES + 1)
                except EOFError:
                    raise MnistError(
                        f"truncated gzip stream in {path}: the file is incomplete "
                        f"(interrupted download or copy?)") from None
                except (gzip.BadGzipFile, zlib.error) as exc:
                    raise MnistError(f"corrupt gzip data in {path}: {exc}") from None
            elif path.suffix == ".gz":
                raise MnistError(f"{path} is not a gzip file (starts with {head!r}, "
                                 f"expected b'\\x1f\\x8b')")
            else:
                if size > MAX_IDX_BYTES:
                    raise MnistError(f"{path} is too large for an MNIST file "
                                     f"({size} bytes > {MAX_IDX_BYTES})")
                data = fh.read()
    except FileNotFoundError:
        raise MnistNotFoundError(f"{path} does not exist") from None
    if len(data) > MAX_IDX_BYTES:
        raise MnistError(f"{path} decompresses to more than {MAX_IDX_BYTES} bytes; "
                         f"not an MNIST file")
    return data


def parse_idx(data: bytes, kind: Kind, where: object) -> np.ndarray:
    """Validate the IDX structure of ``data`` and return a read-only uint8
    view: images ``(N, 28, 28)``, labels ``(N,)`` with values 0..9."""
    if kind not in ("images", "labels"):
        raise ValueError(f"kind must be 'images' or 'labels', not {kind!r}")
    expected_magic, ndim = (IMAGES_MAGIC, 3) if kind == "images" else (LABELS_MAGIC, 1)
    if len(data) < 4:
        raise MnistError(f"truncated IDX header in {where}: only {len(data)} bytes")
    magic = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0:
        raise MnistError(f"bad magic number 0x{magic:08x} in {where} "
                         f"(expected {expected_magic}); not an IDX file")
    if data[2] != UBYTE:
        raise MnistError(f"unsupported element type 0x{data[2]:02x} in {where} "
                         f"(expected 0x08, unsigned byte; magic 0x{magic:08x})")
    if data[3] != ndim:
        hint = {1: " (a labels file?)", 3: " (an images file?)"}.get(data[3], "")
        raise MnistError(f"bad magic number 0x{magic:08x} in {where} "
                         f"(expected {expected_magic}): {data[3]} dimensions, "
                         f"{kind} have {ndim}{hint}")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise MnistError(f"truncated IDX header in {where}: {len(data)} bytes, "
                         f"need {header_len}")
    dims = struct.unpack(f">{ndim}I", data[4:header_len])
    if kind == "images" and dims[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise MnistError(f"images in {where} are {dims[1]}x{dims[2]} pixels, "
                         f"expected {IMAGE_SIZE}x{IMAGE_SIZE}")
    count = dims[0]
    payload = count * (IMAGE_SIZE * IMAGE_SIZE if kind == "images" else 1)
    actual = len(data) - header_len
    if actual < payload:
        raise MnistError(f"truncated {kind} file {where}: header says {count} {kind} "
                         f"= {payload} data bytes, only {actual} present")
    if actual > payload:
        raise MnistError(f"header count does not match data length in {where}: "
                         f"header says {count} {kind} = {payload} data bytes, "
                         f"{actual} present")
    arr = np.frombuffer(data, dtype=np.uint8, count=payload, offset=header_len)
    arr = arr.reshape(dims)
    if kind == "labels" and count and int(arr.max()) > 9:
        bad = int(np.flatnonzero(arr > 9)[0])
        raise MnistError(f"label {int(arr[bad])} at index {bad} in {where} is out of "
                         f"range (labels must be 0..9)")
    return arr


def check_sha256(data: bytes, expected: str, where: object, hint: bool = True) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        advice = (" The file is corrupt or not the original MNIST; replace it (files "
                  "deleted from the cache folder are downloaded again).") if hint else ""
        raise MnistError(f"SHA-256 mismatch for {where}: decompressed content hashes "
                         f"to {got}, expected {expected}.{advice}")


def load_idx(path: PathLike, kind: Kind, *, expected_count: int | None = None,
             sha256: str | None = None) -> np.ndarray:
    """Load one IDX file (gzip or uncompressed) after validating it.

    ``kind="images"`` -> ``(N, 28, 28)`` uint8 pixels 0..255;
    ``kind="labels"`` -> ``(N,)`` uint8 labels 0..9. The array is read-only.
    ``expected_count`` and ``sha256`` (of the decompressed bytes) are checked
    when given. Raises :class:`MnistError` naming the file and the problem.
    """
    path = Path(path)
    data = read_idx_bytes(path)
    arr = parse_idx(data, kind, path)
    if expected_count is not None and arr.shape[0] != expected_count:
        raise MnistError(f"{path} holds {arr.shape[0]} {kind}, expected {expected_count}")
    if sha256 is not None:
        check_sha256(data, sha256, path)
    return arr


def load_split(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify the images and labels of ``split`` in ``folder``:
    structure of each file, then images/labels counts agree, then the
    expected count, then SHA-256. Returns ``(images, labels)``."""
    specs = [next(f for f in FILES if f.split == split and f.kind == kind)
             for kind in ("images", "labels")]
    paths = []
    for spec in specs:
        path = find_file(folder, spec.name)
        if path is None:
            raise MnistNotFoundError(f"{spec.name}(.gz) is missing from {folder}. "
                                     + how_to_point())
        paths.append(path)
    raw = [read_idx_bytes(path) for path in paths]
    arrays = [parse_idx(data, spec.kind, path) for data, spec, path in zip(raw, specs, paths)]
    n_img, n_lab = arrays[0].shape[0], arrays[1].shape[0]
    if n_img != n_lab:
        raise MnistError(f"count mismatch in the {split} set: {n_img} images in "
                         f"{paths[0]} but {n_lab} labels in {paths[1]}")
    for spec, path, arr in zip(specs, paths, arrays):
        if arr.shape[0] != spec.count:
            raise MnistError(f"{path} holds {arr.shape[0]} {spec.kind}, expected "
                             f"{spec.count} for the MNIST {split} set")
    for spec, path, data in zip(specs, paths, raw):
        check_sha256(data, spec.sha256, path)
    return arrays[0], arrays[1]


def load_folder(folder: Path) -> MnistData:
    """Read and verify the four files in ``folder`` (the small test set first,
    so a bad test file is reported quickly)."""
    test_images, test_labels = load_split(folder, "test")
    train_images, train_labels = load_split(folder, "train")
    return MnistData(train_images=train_images, train_labels=train_labels,
                     test_images=test_images, test_labels=test_labels, source=folder)

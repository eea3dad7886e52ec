"""MNIST folders for the data tests: copies of the real files with one file
replaced, the catalogue of corrupt variants (each with the message the
loader must give), and a clean environment for loopback downloads::

    folder = bad_folder(tmp_path / "x", mnist_dir, TEST_LAB, TEST_LAB + ".gz", b"")
    load_mnist(folder, download=False)      # MnistError: ... is empty
"""
from __future__ import annotations

import gzip
import os
import shutil
import struct
from pathlib import Path

from engine.data.mnist import FILES, MAX_IDX_BYTES, find_file

NAMES = [f.name for f in FILES]
TRAIN_IMG, TRAIN_LAB, TEST_IMG, TEST_LAB = NAMES
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy")


def clean_env(monkeypatch) -> None:
    """No data-dir override and no proxy for loopback HTTP."""
    monkeypatch.delenv("CNN_PLAYGROUND_DATA", raising=False)
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def gz(data: bytes, level: int = 1) -> bytes:
    """Deterministic gzip (``mtime=0``)."""
    return gzip.compress(data, compresslevel=level, mtime=0)


def put(data: bytes, offset: int, new: bytes) -> bytes:
    """``data`` with the bytes at ``offset`` replaced by ``new``."""
    return data[:offset] + new + data[offset + len(new):]


def listing(folder: Path) -> list[str]:
    """Everything in ``folder`` (recursively, hidden files included)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def make_folder(dest: Path, src: Path, overrides: dict[str, tuple[str, bytes]]) -> Path:
    """Copy of the real files into ``dest``; ``overrides[name] = (file_name, bytes)``
    replaces one of them with the given content under the given file name."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        if name in overrides:
            file_name, content = overrides[name]
            (dest / file_name).write_bytes(content)
        else:
            path = find_file(src, name)
            shutil.copyfile(path, dest / path.name)
    return dest


def bad_folder(dest: Path, src: Path, name: str, file_name: str, content) -> Path:
    """The real files (symlinked) with ``name`` replaced by ``file_name`` holding
    ``content`` (bytes, or a callable that creates the path itself)."""
    dest.mkdir(parents=True)
    for n in NAMES:
        if n != name:
            real = find_file(src, n)
            (dest / real.name).symlink_to(real.resolve())
    if callable(content):
        content(dest / file_name)
    else:
        (dest / file_name).write_bytes(content)
    return dest


# ---------------------------------------------------------------- corrupt variants
def _fifo(path: Path):
    os.mkfifo(path)


def _dir(path: Path):
    path.mkdir()
    (path / "x").write_bytes(b"x")


def _sparse(path: Path):
    with open(path, "wb") as f:
        f.truncate(MAX_IDX_BYTES + 1)


def _gzip_bomb(path: Path):
    """A valid images header then 100 MB of zeros, gzip-compressed (~100 KB)."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(struct.pack(">IIII", 2051, 127_551, 28, 28))
        zeros = bytes(1 << 20)
        for _ in range(100):
            f.write(zeros)


# (id, name replaced, file name written, make(raw) -> bytes | callable, API regex, CLI: file named)
VARIANTS = [
    ("bad-magic-images", TEST_IMG, TEST_IMG + ".gz", lambda r: gz(put(r[TEST_IMG], 0, b"\x1f\x2e\x08\x03")),
     r"bad magic number 0x1f2e0803 in .*t10k-images-idx3-ubyte\.gz \(expected 2051\)"),
    ("labels-file-where-images-belong", TEST_IMG, TEST_IMG + ".gz", lambda r: gz(r[TEST_LAB]),
     r"bad magic number 0x00000801 in .*t10k-images-idx3-ubyte\.gz \(expected 2051\): 1 dimensions, "
     r"images have 3 \(a labels file\?\)"),
    ("truncated-gzip-labels", TEST_LAB, TEST_LAB + ".gz", lambda r: gz(r[TEST_LAB])[:3000],
     r"truncated gzip stream in .*t10k-labels-idx1-ubyte\.gz"),
    ("gzip-trailing-garbage", TEST_LAB, TEST_LAB + ".gz", lambda r: gz(r[TEST_LAB]) + b"<html>oops</html>",
     r"corrupt gzip data in .*t10k-labels-idx1-ubyte\.gz"),
    ("header-count-disagrees-with-data", TEST_IMG, TEST_IMG + ".gz",
     lambda r: gz(put(r[TEST_IMG], 4, struct.pack(">I", 9000))),
     r"header count does not match data length in .*t10k-images-idx3-ubyte\.gz: header says 9000 images"),
    ("header-count-4-billion", TEST_LAB, TEST_LAB, lambda r: put(r[TEST_LAB], 4, b"\xff\xff\xff\xff"),
     r"truncated labels file .*t10k-labels-idx1-ubyte: header says 4294967295 labels"),
    ("images-28x27", TEST_IMG, TEST_IMG, lambda r: put(r[TEST_IMG], 12, struct.pack(">I", 27)),
     r"images in .*t10k-images-idx3-ubyte are 28x27 pixels, expected 28x28"),
    ("images-14x14-consistent", TEST_IMG, TEST_IMG + ".gz",
     lambda r: gz(struct.pack(">IIII", 2051, 10000, 14, 14) + r[TEST_IMG][16:16 + 10000 * 196]),
     r"images in .*t10k-images-idx3-ubyte\.gz are 14x14 pixels, expected 28x28"),
    ("label-255-at-the-end", TEST_LAB, TEST_LAB + ".gz", lambda r: gz(r[TEST_LAB][:-1] + b"\xff"),
     r"label 255 at index 9999 in .*t10k-labels-idx1-ubyte\.gz is out of range"),
    ("train-label-10", TRAIN_LAB, TRAIN_LAB + ".gz", lambda r: gz(put(r[TRAIN_LAB], 8 + 59_998, b"\x0a")),
     r"label 10 at index 59998 in .*train-labels-idx1-ubyte\.gz is out of range"),
    ("wrong-hash-recompressed", TEST_IMG, TEST_IMG + ".gz",
     lambda r: gz(put(r[TEST_IMG], 16 + 5 * 784 + 400, bytes([r[TEST_IMG][16 + 5 * 784 + 400] ^ 0x80]))),
     r"SHA-256 mismatch for .*t10k-images-idx3-ubyte\.gz: decompressed content hashes to [0-9a-f]{64}, "
     r"expected 0fa7898d"),
    ("wrong-hash-train-images", TRAIN_IMG, TRAIN_IMG,
     lambda r: put(r[TRAIN_IMG], 16 + 784 * 30000 + 300, bytes([r[TRAIN_IMG][16 + 784 * 30000 + 300] ^ 1])),
     r"SHA-256 mismatch for .*train-images-idx3-ubyte:"),
    ("image-label-count-mismatch", TEST_LAB, TEST_LAB + ".gz",
     lambda r: gz(struct.pack(">II", 2049, 9990) + r[TEST_LAB][8:8 + 9990]),
     r"count mismatch in the test set: 10000 images in .*t10k-images-idx3-ubyte\.gz but 9990 labels in "
     r".*t10k-labels-idx1-ubyte\.gz"),
    ("empty-split-consistent", TEST_IMG, TEST_IMG, lambda r: struct.pack(">IIII", 2051, 0, 28, 28),
     r"count mismatch in the test set: 0 images in .*t10k-images-idx3-ubyte"),
    ("gzip-bomb", TEST_IMG, TEST_IMG + ".gz", lambda r: _gzip_bomb,
     r"t10k-images-idx3-ubyte\.gz decompresses to more than 67108864 bytes"),
    ("raw-file-too-large", TEST_IMG, TEST_IMG, lambda r: _sparse,
     r"t10k-images-idx3-ubyte is too large for an MNIST file"),
    ("fifo-instead-of-file", TEST_LAB, TEST_LAB + ".gz", lambda r: _fifo,
     r"MNIST files missing from .*: t10k-labels-idx1-ubyte\(\.gz\) \(download disabled\)"),
    ("directory-instead-of-file", TEST_IMG, TEST_IMG + ".gz", lambda r: _dir,
     r"MNIST files missing from .*: t10k-images-idx3-ubyte\(\.gz\) \(download disabled\)"),
]
IDS = [v[0] for v in VARIANTS]


def corrupt_folders(root: Path, src: Path, raw: dict[str, bytes]) -> dict[str, Path]:
    """``{variant id: folder}``: one folder per entry of :data:`VARIANTS` under ``root``."""
    return {cid: bad_folder(root / cid, src, name, file_name, make(raw))
            for cid, name, file_name, make, _ in VARIANTS}


def mirror_folder(dest: Path, src: Path, raw: dict[str, bytes]) -> Path:
    """The four files as a download mirror serves them (``name.gz``): the
    real ``.gz`` files symlinked, raw ones compressed."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        real = find_file(src, name)
        if real.suffix == ".gz":
            (dest / real.name).symlink_to(real.resolve())
        else:
            (dest / f"{name}.gz").write_bytes(gz(raw[name]))
    return dest

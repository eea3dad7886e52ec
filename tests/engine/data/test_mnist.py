"""engine.data.mnist (with engine.data.idx and engine.data.mnist_files):
loading, validation of every file (structure, counts, SHA-256) and locating
the data folder. Real data comes from $CNN_PLAYGROUND_DATA or
``../shared/datasets/mnist``. (Downloads: ``test_download.py``; a catalogue
of corrupt folders: ``test_mnist_corrupt.py``.)
"""
from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from engine.data.mnist import (FILES, MnistData, MnistError, MnistNotFoundError, ensure_mnist, find_file,
                               load_idx, load_mnist, missing_files, resolve_data_dir)
from tests.support.mnist_folders import (NAMES, TEST_IMG, TEST_LAB, TRAIN_IMG, TRAIN_LAB, clean_env, gz,
                                         listing, make_folder, put)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """No data-dir override and no proxy for loopback HTTP."""
    clean_env(monkeypatch)


# ---------------------------------------------------------------- loading


def test_load_real_data(mnist_dir):
    data = load_mnist(mnist_dir, download=False)
    assert isinstance(data, MnistData)
    assert data.train_images.shape == (60000, 28, 28)
    assert data.train_labels.shape == (60000,)
    assert data.test_images.shape == (10000, 28, 28)
    assert data.test_labels.shape == (10000,)
    for arr in (data.train_images, data.train_labels, data.test_images, data.test_labels):
        assert arr.dtype == np.uint8
        assert not arr.flags.writeable
    assert np.bincount(data.train_labels, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(data.test_labels, minlength=10).tolist() == TEST_COUNTS
    assert data.train_images.max() == 255 and data.train_images.min() == 0
    assert data.source == Path(os.path.abspath(mnist_dir))
    assert "source=" in repr(data) and "array" not in repr(data)


def test_raw_uncompressed_files(tmp_path, mnist_dir, mnist_raw):
    for name in NAMES:
        (tmp_path / name).write_bytes(mnist_raw[name])
    data = load_mnist(tmp_path, download=False)
    ref = load_mnist(mnist_dir, download=False)
    np.testing.assert_array_equal(data.train_images, ref.train_images)
    np.testing.assert_array_equal(data.test_labels, ref.test_labels)
    assert ensure_mnist(tmp_path, download=False) == tmp_path


def test_load_idx_single_file(mnist_dir):
    spec = FILES[3]
    labels = load_idx(find_file(mnist_dir, spec.name), "labels",
                      expected_count=10000, sha256=spec.sha256)
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    with pytest.raises(MnistError, match="holds 10000 labels, expected 60000"):
        load_idx(find_file(mnist_dir, spec.name), "labels", expected_count=60000)
    with pytest.raises(MnistError, match="SHA-256 mismatch"):
        load_idx(find_file(mnist_dir, spec.name), "labels", sha256="0" * 64)
    with pytest.raises(MnistError, match=r"bad magic number 0x00000801 .*expected 2051"):
        load_idx(find_file(mnist_dir, spec.name), "images")
    with pytest.raises(ValueError, match="kind must be"):
        load_idx(find_file(mnist_dir, spec.name), "pixels")


def _labels_with(n: int, raw_labels: bytes) -> bytes:
    """A consistent labels file holding the first ``n`` labels."""
    return struct.pack(">II", 2049, n) + raw_labels[8:8 + n]


def _flip_middle_of_gzip(data: bytes) -> bytes:
    mid = len(data) // 2
    return data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:]


# Each case: (id, file name in the folder, make(raw, gz_bytes) -> content, message regex).
CORRUPT_CASES = [
    ("bad-magic", TEST_LAB + ".gz",
     lambda r, g: gz(put(r[TEST_LAB], 0, b"\x12\x34\x08\x01")),
     r"bad magic number 0x12340801 in .*t10k-labels-idx1-ubyte\.gz \(expected 2049\)"),
    ("images-magic-in-labels-file", TEST_LAB + ".gz",
     lambda r, g: gz(put(r[TEST_LAB], 0, b"\x00\x00\x08\x03")),
     r"bad magic number 0x00000803 in .*t10k-labels-idx1-ubyte\.gz \(expected 2049\)"),
    ("wrong-dtype-byte", TEST_IMG, lambda r, g: put(r[TEST_IMG], 2, b"\x0d"),
     r"unsupported element type 0x0d in .*t10k-images-idx3-ubyte \(expected 0x08"),
    ("truncated-gzip", TEST_IMG + ".gz", lambda r, g: g[TEST_IMG][: len(g[TEST_IMG]) // 2],
     r"truncated gzip stream in .*t10k-images-idx3-ubyte\.gz"),
    ("corrupt-gzip", TEST_IMG + ".gz", lambda r, g: _flip_middle_of_gzip(g[TEST_IMG]),
     r"corrupt gzip data in .*t10k-images-idx3-ubyte\.gz"),
    ("not-gzip-garbage", TEST_IMG + ".gz", lambda r, g: b"<html>404 Not Found</html>",
     r"t10k-images-idx3-ubyte\.gz is not a gzip file"),
    ("garbage-raw", TEST_IMG, lambda r, g: b"<html>404 Not Found</html>" * 10,
     r"bad magic number 0x3c68746d in .*t10k-images-idx3-ubyte \(expected 2051\)"),
    ("empty-file", TEST_LAB + ".gz", lambda r, g: b"",
     r"t10k-labels-idx1-ubyte\.gz is empty"),
    ("short-header", TEST_LAB, lambda r, g: b"\x00\x00\x08\x01\x00\x00",
     r"truncated IDX header in .*t10k-labels-idx1-ubyte: 6 bytes, need 8"),
    ("truncated-raw-images", TEST_IMG, lambda r, g: r[TEST_IMG][:-784 * 3],
     r"truncated images file .*t10k-images-idx3-ubyte: header says 10000 images "
     r"= 7840000 data bytes, only 7837648 present"),
    ("header-count-too-large", TEST_LAB, lambda r, g: put(r[TEST_LAB], 4, struct.pack(">I", 10001)),
     r"truncated labels file .*: header says 10001 labels = 10001 data bytes, only 10000"),
    ("header-count-too-small", TEST_LAB + ".gz",
     lambda r, g: gz(put(r[TEST_LAB], 4, struct.pack(">I", 9999))),
     r"header count does not match data length in .*t10k-labels-idx1-ubyte\.gz: "
     r"header says 9999 labels = 9999 data bytes, 10000 present"),
    ("images-27x28", TEST_IMG, lambda r, g: put(r[TEST_IMG], 8, struct.pack(">I", 27)),
     r"images in .*t10k-images-idx3-ubyte are 27x28 pixels, expected 28x28"),
    ("label-out-of-range", TEST_LAB, lambda r, g: put(r[TEST_LAB], 8 + 5, b"\x0a"),
     r"label 10 at index 5 in .*t10k-labels-idx1-ubyte is out of range"),
    ("wrong-hash-pixel-flip", TEST_IMG,
     lambda r, g: put(r[TEST_IMG], 16 + 14 * 28 + 14, bytes([r[TEST_IMG][16 + 14 * 28 + 14] ^ 1])),
     r"SHA-256 mismatch for .*t10k-images-idx3-ubyte: decompressed content hashes to"),
    ("image-label-count-mismatch", TEST_LAB, lambda r, g: _labels_with(9999, r[TEST_LAB]),
     r"count mismatch in the test set: 10000 images in .* but 9999 labels in "
     r".*t10k-labels-idx1-ubyte"),
    ("wrong-split-size", TRAIN_LAB, lambda r, g: _labels_with(10000, r[TRAIN_LAB]),
     r"count mismatch in the train set: 60000 images .* but 10000 labels"),
]


@pytest.mark.reliability
@pytest.mark.parametrize("file_name, make, message",
                         [c[1:] for c in CORRUPT_CASES], ids=[c[0] for c in CORRUPT_CASES])
def test_corrupt_files_rejected(tmp_path, mnist_dir, mnist_raw, mnist_gz, file_name, make, message):
    name = file_name.removesuffix(".gz")
    folder = make_folder(tmp_path / "data", mnist_dir, {name: (file_name, make(mnist_raw, mnist_gz))})
    with pytest.raises(MnistError, match=message):
        load_mnist(folder, download=False)
    # download=True must not "repair" or touch a folder whose files are present
    before = listing(folder)
    with pytest.raises(MnistError, match=message):
        ensure_mnist(folder, download=True, base_urls=["http://127.0.0.1:9/"], progress=False)
    assert listing(folder) == before


@pytest.mark.reliability
def test_both_split_counts_wrong(tmp_path, mnist_dir, mnist_raw):
    """Consistent 9999-image/9999-label test set: the expected size is enforced."""
    images = struct.pack(">IIII", 2051, 9999, 28, 28) + mnist_raw[TEST_IMG][16:16 + 9999 * 784]
    folder = make_folder(tmp_path, mnist_dir, {
        TEST_IMG: (TEST_IMG, images), TEST_LAB: (TEST_LAB, _labels_with(9999, mnist_raw[TEST_LAB]))})
    with pytest.raises(MnistError, match=r"holds 9999 images, expected 10000 for the MNIST test set"):
        load_mnist(folder, download=False)


def test_missing_files_without_download(tmp_path, mnist_dir):
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copyfile(find_file(mnist_dir, TRAIN_LAB), folder / f"{TRAIN_LAB}.gz")
    assert missing_files(folder) == (TRAIN_IMG, TEST_IMG, TEST_LAB)
    with pytest.raises(MnistNotFoundError) as info:
        load_mnist(folder, download=False)
    msg = str(info.value)
    assert str(folder) in msg and "CNN_PLAYGROUND_DATA" in msg and "--data-dir" in msg
    assert TRAIN_IMG in msg and TRAIN_LAB + "(.gz)" not in msg
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, ValueError)
    assert listing(folder) == [f"{TRAIN_LAB}.gz"]


# ---------------------------------------------------------------- locations


def test_resolve_data_dir_precedence(tmp_path, monkeypatch):
    import platformdirs

    arg, env = tmp_path / "arg", tmp_path / "env"
    default = Path(platformdirs.user_cache_dir("cnn-playground")) / "mnist"
    assert resolve_data_dir() == default
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", "")  # empty counts as unset
    assert resolve_data_dir() == default
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(env))
    assert resolve_data_dir() == env
    assert resolve_data_dir(arg) == arg
    assert resolve_data_dir(str(arg)) == arg
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir("rel") == tmp_path / "rel"  # absolute
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_data_dir("~/x") == tmp_path / "x"


def test_env_var_used_for_loading(monkeypatch, mnist_dir):
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(mnist_dir))
    assert load_mnist(download=False).test_labels.shape == (10000,)

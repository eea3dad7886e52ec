"""engine.mnist: loading, validation, location and verified download.

Real data comes from $CNN_PLAYGROUND_DATA or ``../shared/datasets/mnist``;
downloads are served by a real HTTP server on 127.0.0.1 (no internet).
"""
from __future__ import annotations

import gzip
import os
import shutil
import socket
import struct
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

from engine import mnist
from engine.mnist import (
    FILES,
    DownloadCancelled,
    MnistData,
    MnistDownloadError,
    MnistError,
    MnistNotFoundError,
    download_mnist,
    ensure_mnist,
    load_idx,
    load_mnist,
    missing_files,
    resolve_data_dir,
)
from tests.support.loopback_http import QuietHandler

REPO_ROOT = Path(__file__).resolve().parents[2]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
NAMES = [f.name for f in FILES]
TRAIN_IMG, TRAIN_LAB, TEST_IMG, TEST_LAB = NAMES


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """Folder with the real MNIST files ($CNN_PLAYGROUND_DATA or ../shared)."""
    env = os.environ.get("CNN_PLAYGROUND_DATA")
    folder = Path(env) if env else REPO_ROOT.parent / "shared" / "datasets" / "mnist"
    if any(mnist.find_file(folder, n) is None for n in NAMES):
        pytest.skip(f"MNIST not found in {folder} (set CNN_PLAYGROUND_DATA)")
    return folder


@pytest.fixture(scope="session")
def raw(mnist_dir) -> dict[str, bytes]:
    """Decompressed IDX bytes of the four real files, by name."""
    out = {}
    for name in NAMES:
        path = mnist.find_file(mnist_dir, name)
        data = path.read_bytes()
        out[name] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    return out


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """No data-dir override and no proxy for loopback HTTP."""
    monkeypatch.delenv("CNN_PLAYGROUND_DATA", raising=False)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def make_folder(dest: Path, src: Path, overrides: dict[str, tuple[str, bytes]]) -> Path:
    """Copy of the real files into ``dest``; ``overrides[name] = (file_name, bytes)``
    replaces one of them with the given content under the given file name."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        if name in overrides:
            file_name, content = overrides[name]
            (dest / file_name).write_bytes(content)
        else:
            path = mnist.find_file(src, name)
            shutil.copyfile(path, dest / path.name)
    return dest


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1, mtime=0)


def listing(folder: Path) -> list[str]:
    """Everything in ``folder`` (recursively, hidden files included)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


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


def test_raw_uncompressed_files(tmp_path, mnist_dir, raw):
    for name in NAMES:
        (tmp_path / name).write_bytes(raw[name])
    data = load_mnist(tmp_path, download=False)
    ref = load_mnist(mnist_dir, download=False)
    np.testing.assert_array_equal(data.train_images, ref.train_images)
    np.testing.assert_array_equal(data.test_labels, ref.test_labels)
    assert ensure_mnist(tmp_path, download=False) == tmp_path


def test_load_idx_single_file(mnist_dir):
    spec = FILES[3]
    labels = load_idx(mnist.find_file(mnist_dir, spec.name), "labels",
                      expected_count=10000, sha256=spec.sha256)
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    with pytest.raises(MnistError, match="holds 10000 labels, expected 60000"):
        load_idx(mnist.find_file(mnist_dir, spec.name), "labels", expected_count=60000)
    with pytest.raises(MnistError, match="SHA-256 mismatch"):
        load_idx(mnist.find_file(mnist_dir, spec.name), "labels", sha256="0" * 64)
    with pytest.raises(MnistError, match=r"bad magic number 0x00000801 .*expected 2051"):
        load_idx(mnist.find_file(mnist_dir, spec.name), "images")
    with pytest.raises(ValueError, match="kind must be"):
        load_idx(mnist.find_file(mnist_dir, spec.name), "pixels")


def _set(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def _labels_with(n: int, raw_labels: bytes) -> bytes:
    """A consistent labels file holding the first ``n`` labels."""
    return struct.pack(">II", 2049, n) + raw_labels[8:8 + n]


def _flip_middle_of_gzip(data: bytes) -> bytes:
    mid = len(data) // 2
    return data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:]


# Each case: (id, file name in the folder, make(raw, gz_bytes) -> content, message regex).
CORRUPT_CASES = [
    ("bad-magic", TEST_LAB + ".gz",
     lambda r, g: gz(_set(r[TEST_LAB], 0, b"\x12\x34\x08\x01")),
     r"bad magic number 0x12340801 in .*t10k-labels-idx1-ubyte\.gz \(expected 2049\)"),
    ("images-magic-in-labels-file", TEST_LAB + ".gz",
     lambda r, g: gz(_set(r[TEST_LAB], 0, b"\x00\x00\x08\x03")),
     r"bad magic number 0x00000803 in .*t10k-labels-idx1-ubyte\.gz \(expected 2049\)"),
    ("wrong-dtype-byte", TEST_IMG, lambda r, g: _set(r[TEST_IMG], 2, b"\x0d"),
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
    ("header-count-too-large", TEST_LAB, lambda r, g: _set(r[TEST_LAB], 4, struct.pack(">I", 10001)),
     r"truncated labels file .*: header says 10001 labels = 10001 data bytes, only 10000"),
    ("header-count-too-small", TEST_LAB + ".gz",
     lambda r, g: gz(_set(r[TEST_LAB], 4, struct.pack(">I", 9999))),
     r"header count does not match data length in .*t10k-labels-idx1-ubyte\.gz: "
     r"header says 9999 labels = 9999 data bytes, 10000 present"),
    ("images-27x28", TEST_IMG, lambda r, g: _set(r[TEST_IMG], 8, struct.pack(">I", 27)),
     r"images in .*t10k-images-idx3-ubyte are 27x28 pixels, expected 28x28"),
    ("label-out-of-range", TEST_LAB, lambda r, g: _set(r[TEST_LAB], 8 + 5, b"\x0a"),
     r"label 10 at index 5 in .*t10k-labels-idx1-ubyte is out of range"),
    ("wrong-hash-pixel-flip", TEST_IMG,
     lambda r, g: _set(r[TEST_IMG], 16 + 14 * 28 + 14, bytes([r[TEST_IMG][16 + 14 * 28 + 14] ^ 1])),
     r"SHA-256 mismatch for .*t10k-images-idx3-ubyte: decompressed content hashes to"),
    ("image-label-count-mismatch", TEST_LAB, lambda r, g: _labels_with(9999, r[TEST_LAB]),
     r"count mismatch in the test set: 10000 images in .* but 9999 labels in "
     r".*t10k-labels-idx1-ubyte"),
    ("wrong-split-size", TRAIN_LAB, lambda r, g: _labels_with(10000, r[TRAIN_LAB]),
     r"count mismatch in the train set: 60000 images .* but 10000 labels"),
]


@pytest.fixture(scope="session")
def gz_bytes(mnist_dir, raw) -> dict[str, bytes]:
    """gzip bytes of the real files (as stored, or compressed if stored raw)."""
    out = {}
    for name in NAMES:
        data = mnist.find_file(mnist_dir, name).read_bytes()
        out[name] = data if data[:2] == b"\x1f\x8b" else gz(raw[name])
    return out


@pytest.mark.parametrize("file_name, make, message",
                         [c[1:] for c in CORRUPT_CASES], ids=[c[0] for c in CORRUPT_CASES])
def test_corrupt_files_rejected(tmp_path, mnist_dir, raw, gz_bytes, file_name, make, message):
    name = file_name.removesuffix(".gz")
    folder = make_folder(tmp_path / "data", mnist_dir, {name: (file_name, make(raw, gz_bytes))})
    with pytest.raises(MnistError, match=message):
        load_mnist(folder, download=False)
    # download=True must not "repair" or touch a folder whose files are present
    before = listing(folder)
    with pytest.raises(MnistError, match=message):
        ensure_mnist(folder, download=True, base_urls=["http://127.0.0.1:9/"], progress=False)
    assert listing(folder) == before


def test_both_split_counts_wrong(tmp_path, mnist_dir, raw):
    """Consistent 9999-image/9999-label test set: the expected size is enforced."""
    images = struct.pack(">IIII", 2051, 9999, 28, 28) + raw[TEST_IMG][16:16 + 9999 * 784]
    folder = make_folder(tmp_path, mnist_dir, {
        TEST_IMG: (TEST_IMG, images), TEST_LAB: (TEST_LAB, _labels_with(9999, raw[TEST_LAB]))})
    with pytest.raises(MnistError, match=r"holds 9999 images, expected 10000 for the MNIST test set"):
        load_mnist(folder, download=False)


def test_missing_files_without_download(tmp_path, mnist_dir):
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copyfile(mnist.find_file(mnist_dir, TRAIN_LAB), folder / f"{TRAIN_LAB}.gz")
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


# ---------------------------------------------------------------- HTTP


class _InterruptingHandler(QuietHandler):
    """Announces more bytes than it sends, then closes the connection."""

    def do_GET(self):
        path = Path(self.directory) / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        self.send_half(path, declared_length=path.stat().st_size + 1000)


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="session")
def gz_dir(tmp_path_factory, mnist_dir, gz_bytes) -> Path:
    """The four real files as .gz, as a mirror serves them."""
    folder = tmp_path_factory.mktemp("mirror")
    for name in NAMES:
        (folder / f"{name}.gz").write_bytes(gz_bytes[name])
    return folder


def _mirror_with(tmp_path: Path, gz_dir: Path, name: str, content: bytes) -> Path:
    folder = tmp_path / "bad-mirror"
    folder.mkdir()
    for n in NAMES:
        if n != name:
            shutil.copyfile(gz_dir / f"{n}.gz", folder / f"{n}.gz")
    (folder / f"{name}.gz").write_bytes(content)
    return folder


def test_download_good(tmp_path, gz_dir, serve):
    url = serve(gz_dir)
    cache = tmp_path / "cache" / "mnist"  # does not exist yet
    calls = []
    assert download_mnist(cache, base_urls=[url], progress=lambda *a: calls.append(a)) == cache
    assert listing(cache) == sorted(f"{n}.gz" for n in NAMES)
    data = load_mnist(cache, download=False)
    assert np.bincount(data.test_labels).tolist() == TEST_COUNTS
    for name in NAMES:
        mine = [(d, t) for d, t, f in calls if f == f"{name}.gz"]
        size = (gz_dir / f"{name}.gz").stat().st_size
        assert mine[0] == (0, size)
        assert mine[-1] == (size, size)
        dones = [d for d, _ in mine]
        assert dones == sorted(dones) and len(set(dones)) == len(dones)
        if size > 200_000:
            assert len(mine) > 5  # reported per chunk, not once at the end
    # all present: a second call downloads nothing
    calls.clear()
    download_mnist(cache, base_urls=[url], progress=lambda *a: calls.append(a))
    assert calls == []


def test_load_mnist_downloads_missing_only(tmp_path, gz_dir, serve, mnist_dir):
    cache = make_folder(tmp_path / "c", mnist_dir, {})
    (cache / f"{TEST_IMG}.gz").unlink()
    fetched = []
    data = load_mnist(cache, base_urls=[serve(gz_dir)],
                      progress=lambda d, t, f: fetched.append(f))
    assert set(fetched) == {f"{TEST_IMG}.gz"}
    assert data.test_images.shape == (10000, 28, 28)


@pytest.fixture(scope="session")
def bad_hash_train_images(raw) -> bytes:
    """Structurally valid train images with one pixel changed (gzip)."""
    off = 16 + 28 * 14 + 14
    return gz(_set(raw[TRAIN_IMG], off, bytes([raw[TRAIN_IMG][off] ^ 1])))


def test_download_wrong_hash_leaves_nothing(tmp_path, gz_dir, serve, bad_hash_train_images):
    bad = serve(_mirror_with(tmp_path, gz_dir, TRAIN_IMG, bad_hash_train_images))
    cache = tmp_path / "cache"
    with pytest.raises(MnistDownloadError) as info:
        download_mnist(cache, base_urls=[bad], progress=False)
    msg = str(info.value)
    assert "SHA-256 mismatch" in msg and bad + f"{TRAIN_IMG}.gz" in msg
    assert isinstance(info.value, MnistError)
    assert listing(cache) == []
    download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)  # retry
    assert load_mnist(cache, download=False).train_images.shape == (60000, 28, 28)


def test_download_later_file_fails_keeps_verified_ones(tmp_path, gz_dir, serve, raw):
    labels = _set(raw[TEST_LAB], 8, bytes([(raw[TEST_LAB][8] + 1) % 10]))  # valid but wrong
    bad = serve(_mirror_with(tmp_path, gz_dir, TEST_LAB, gz(labels)))
    cache = tmp_path / "cache"
    with pytest.raises(MnistError, match="SHA-256 mismatch"):
        download_mnist(cache, base_urls=[bad], progress=False)
    assert listing(cache) == sorted(f"{n}.gz" for n in NAMES[:3])  # verified, no temp files
    fetched = []
    load_mnist(cache, base_urls=[serve(gz_dir)], progress=lambda d, t, f: fetched.append(f))
    assert set(fetched) == {f"{TEST_LAB}.gz"}


def test_download_truncated_gzip(tmp_path, gz_dir, serve, gz_bytes):
    bad = serve(_mirror_with(tmp_path, gz_dir, TRAIN_IMG, gz_bytes[TRAIN_IMG][:1_000_000]))
    cache = tmp_path / "cache"
    with pytest.raises(MnistDownloadError, match="truncated gzip stream"):
        download_mnist(cache, base_urls=[bad], progress=False)
    assert listing(cache) == []
    download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)
    assert len(listing(cache)) == 4


def test_download_interrupted_connection(tmp_path, gz_dir, serve):
    bad = serve(gz_dir, _InterruptingHandler)
    cache = tmp_path / "cache"
    with pytest.raises(MnistDownloadError) as info:
        download_mnist(cache, base_urls=[bad], progress=False)
    msg = str(info.value)
    assert bad + f"{TRAIN_IMG}.gz" in msg
    assert "IncompleteRead" in msg or "ChunkedEncodingError" in msg or "incomplete" in msg.lower()
    assert listing(cache) == []
    download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)
    load_mnist(cache, download=False)


def test_mirror_fallback(tmp_path, gz_dir, serve, closed_port_url):
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    cache = tmp_path / "cache"
    download_mnist(cache, base_urls=[closed_port_url, serve(empty), serve(gz_dir)], progress=False)
    assert listing(cache) == sorted(f"{n}.gz" for n in NAMES)


@pytest.mark.parametrize("how", ["return-false", "raise"])
def test_download_cancel(tmp_path, gz_dir, serve, how):
    cache = tmp_path / "cache"
    calls = []

    def progress(done, total, filename):
        calls.append((done, filename))
        if done > 100_000:
            if how == "raise":
                raise DownloadCancelled("user pressed cancel")
            return False
        return None

    url = serve(gz_dir)
    with pytest.raises(DownloadCancelled):
        download_mnist(cache, base_urls=[url, url], progress=progress)
    assert listing(cache) == []
    assert {f for _, f in calls} == {f"{TRAIN_IMG}.gz"}  # no fallback to the 2nd mirror
    assert calls.count((0, f"{TRAIN_IMG}.gz")) == 1
    download_mnist(cache, base_urls=[url], progress=False)
    assert len(listing(cache)) == 4


def test_offline_error_message(tmp_path, closed_port_url):
    cache = tmp_path / "cache"
    with pytest.raises(MnistDownloadError) as info:
        load_mnist(cache, base_urls=[closed_port_url], progress=False)
    msg = str(info.value)
    assert str(cache) in msg
    assert closed_port_url + f"{TRAIN_IMG}.gz" in msg
    assert "CNN_PLAYGROUND_DATA" in msg and "--data-dir" in msg
    assert isinstance(info.value, MnistNotFoundError)
    assert listing(cache) == []


def test_default_mirrors_are_https():
    assert mnist.MIRRORS and all(u.startswith("https://") for u in mnist.MIRRORS)


def test_unwritable_target(tmp_path, closed_port_url):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MnistDownloadError, match=r"cannot download MNIST into .*--data-dir"):
        download_mnist(blocker / "mnist", base_urls=[closed_port_url], progress=False)


def test_stale_temp_dirs_removed(tmp_path, gz_dir, serve):
    cache = tmp_path / "cache"
    old, fresh = cache / ".download-old", cache / ".download-fresh"
    for d in (old, fresh):
        d.mkdir(parents=True)
        (d / "x.part").write_bytes(b"partial")
    week_ago = time.time() - 7 * 86400
    os.utime(old, (week_ago, week_ago))
    download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)
    assert not old.exists() and fresh.exists()  # a fresh one may belong to a running download


def test_text_progress(tmp_path, gz_dir, serve, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # force the plain-text fallback
    download_mnist(tmp_path / "c", base_urls=[serve(gz_dir)], progress=True)
    err = capsys.readouterr().err
    assert "Downloading http://127.0.0.1" in err and "100%" in err and TEST_LAB in err


def test_tqdm_progress_when_available(tmp_path, gz_dir, serve, monkeypatch):
    bars = []

    class FakeTqdm:
        def __init__(self, total, **kwargs):
            self.total, self.n, self.closed = total, 0, False
            bars.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "tqdm", types.SimpleNamespace(tqdm=FakeTqdm))
    download_mnist(tmp_path / "c", base_urls=[serve(gz_dir)], progress=True)
    assert len(bars) == 4 and all(b.closed and b.n == b.total for b in bars)

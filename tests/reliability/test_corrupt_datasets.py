"""Corrupt MNIST folders, end to end: the public API and the command line.

``tests/engine/test_mnist.py`` checks the loader's messages for many corrupt
files; this suite adds what a user actually sees. Every variant is run
through ``engine.mnist.load_mnist(folder, download=False)`` (an
``MnistError`` naming the file and the problem) *and* through
``python -m engine evaluate --data-dir BAD --no-download`` in a subprocess
(exit code 2, one ``error:`` line naming the file, no traceback). It also
covers decompression bombs, oversized and special files, and downloads that
are cut off or whose process is killed midway: nothing half-written becomes
visible and a retry works (served by a loopback ``http.server`` only).
"""
from __future__ import annotations

import gzip
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engine import mnist, presets
from engine.mnist import FILES, MnistDownloadError, MnistError, MnistNotFoundError, load_mnist
from tests.support.data_fixtures import mnist_folder
from tests.support.loopback_http import QuietHandler

REPO_ROOT = Path(__file__).resolve().parents[2]
NAMES = [f.name for f in FILES]
TRAIN_IMG, TRAIN_LAB, TEST_IMG, TEST_LAB = NAMES


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Loopback HTTP must not go through a proxy; no data-dir override."""
    monkeypatch.delenv("CNN_PLAYGROUND_DATA", raising=False)
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def src(mnist_data) -> Path:
    """The folder with the real files (the fixture skips if none is configured)."""
    return mnist_folder()


@pytest.fixture(scope="module")
def raw(src) -> dict[str, bytes]:
    out = {}
    for name in NAMES:
        data = mnist.find_file(src, name).read_bytes()
        out[name] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    return out


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny.npz"
    presets.build("tiny", np.random.default_rng(0)).save(path)
    return path


def gz(data: bytes, level: int = 1) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


def put(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def bad_folder(dest: Path, src: Path, name: str, file_name: str, content) -> Path:
    """The real files (symlinked) with ``name`` replaced by ``file_name`` holding
    ``content`` (bytes, or a callable that creates the path itself)."""
    dest.mkdir(parents=True)
    for n in NAMES:
        if n != name:
            real = mnist.find_file(src, n)
            (dest / real.name).symlink_to(real.resolve())
    if callable(content):
        content(dest / file_name)
    else:
        (dest / file_name).write_bytes(content)
    return dest


def _fifo(path: Path):
    os.mkfifo(path)


def _dir(path: Path):
    path.mkdir()
    (path / "x").write_bytes(b"x")


def _sparse(path: Path):
    with open(path, "wb") as f:
        f.truncate(mnist.MAX_IDX_BYTES + 1)


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


@pytest.fixture(scope="module")
def folders(tmp_path_factory, src, raw) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad-mnist")
    out = {}
    for cid, name, file_name, make, _ in VARIANTS:
        out[cid] = bad_folder(root / cid, src, name, file_name, make(raw))
    return out


def test_enough_variants():
    assert len(VARIANTS) >= 10


@pytest.mark.parametrize("cid", IDS)
def test_public_api_names_file_and_problem(cid, folders):
    _, name, file_name, _, message = VARIANTS[IDS.index(cid)]
    folder = folders[cid]
    before = sorted(p.name for p in folder.iterdir())
    t0 = time.perf_counter()
    with pytest.raises(MnistError, match=message) as info:
        load_mnist(folder, download=False, progress=False)
    assert time.perf_counter() - t0 < 5.0
    assert isinstance(info.value, ValueError)
    assert file_name.removesuffix(".gz") in str(info.value)
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written or removed


@pytest.mark.parametrize("cid", IDS)
def test_cli_one_line_error_no_traceback(cid, folders, model_path):
    _, name, file_name, _, message = VARIANTS[IDS.index(cid)]
    try:
        proc = subprocess.run([sys.executable, "-m", "engine", "evaluate", "--model", str(model_path),
                               "--data-dir", str(folders[cid]), "--no-download"],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the command line hung on a corrupt data folder")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert file_name.removesuffix(".gz") in lines[0]
    assert re.search(message, lines[0]), lines[0]
    assert proc.stdout == ""


def test_recompressed_and_mixed_files_are_accepted(tmp_path, src, raw):
    """The hash is of the decompressed bytes: another gzip wrapper (level 4,
    another mtime) and uncompressed files side by side load normally."""
    (tmp_path / f"{TEST_IMG}.gz").write_bytes(gzip.compress(raw[TEST_IMG], compresslevel=4, mtime=12345))
    (tmp_path / TEST_LAB).write_bytes(raw[TEST_LAB])
    for name in (TRAIN_IMG, TRAIN_LAB):
        real = mnist.find_file(src, name)
        (tmp_path / real.name).symlink_to(real.resolve())
    data = load_mnist(tmp_path, download=False, progress=False)
    assert data.test_images.shape == (10000, 28, 28)
    assert np.array_equal(data.test_labels, np.frombuffer(raw[TEST_LAB], np.uint8, offset=8))


# ---------------------------------------------------------------- downloads
class _CutsOneFile(QuietHandler):
    """Serves every file, except that ``t10k-images`` is cut off midway."""

    def do_GET(self):
        path = Path(self.directory) / self.path.lstrip("/")
        if TEST_IMG not in self.path or not path.is_file():
            return super().do_GET()
        self.send_half(path)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, src, raw) -> Path:
    """The four files as a mirror serves them (``name.gz``)."""
    folder = tmp_path_factory.mktemp("mirror")
    for name in NAMES:
        real = mnist.find_file(src, name)
        if real.suffix == ".gz":
            (folder / real.name).symlink_to(real.resolve())
        else:
            (folder / f"{name}.gz").write_bytes(gz(raw[name]))
    return folder


def everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_download_cut_midway_keeps_only_verified_files_and_retry_works(tmp_path, mirror, serve):
    cache = tmp_path / "cache"
    with pytest.raises(MnistDownloadError, match=rf"{TEST_IMG}\.gz is not in .* could not be downloaded"):
        load_mnist(cache, base_urls=[serve(mirror, _CutsOneFile)], progress=False)
    # the two train files were verified before the cut: they stay; nothing partial is visible
    assert everything(cache) == [f"{TRAIN_IMG}.gz", f"{TRAIN_LAB}.gz"]
    with pytest.raises(MnistNotFoundError, match=rf"{TEST_IMG}\(\.gz\), {TEST_LAB}\(\.gz\)"):
        load_mnist(cache, download=False)
    fetched = []
    data = load_mnist(cache, base_urls=[serve(mirror)], progress=lambda d, t, f: fetched.append(f))
    assert set(fetched) == {f"{TEST_IMG}.gz", f"{TEST_LAB}.gz"}
    assert data.test_images.shape == (10000, 28, 28)
    assert everything(cache) == sorted(f"{n}.gz" for n in NAMES)


KILLED_DOWNLOADER = textwrap.dedent("""
    import sys, time
    from engine.mnist import load_mnist
    said = False
    def progress(done, total, name):
        global said
        if name.startswith("train-images") and done > 2_000_000 and not said:
            said = True
            print("MIDWAY", done, flush=True)
            time.sleep(60)  # the parent kills us here, mid-file
    load_mnist(sys.argv[1], base_urls=[sys.argv[2]], progress=progress)
    print("FINISHED", flush=True)
""")


def test_download_process_killed_midway_leaves_nothing_usable_and_retry_works(tmp_path, mirror, serve):
    """SIGKILL (no cleanup code runs) in the middle of the first file: the
    data folder may keep a ``.download-*`` temp folder, but no file under an
    MNIST name; loading without download reports the files as missing, and a
    retry downloads everything and loads."""
    cache = tmp_path / "cache"
    url = serve(mirror)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_DOWNLOADER, str(cache), url], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        line = proc.stdout.readline()  # blocks until MIDWAY (or EOF if the child failed)
        assert line.startswith("MIDWAY"), (line, proc.stderr.read() if proc.poll() is not None else "")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    left = everything(cache)
    assert all(p.startswith(".download-") for p in left), left
    assert any(p.endswith(".part") for p in left), left  # the kill really was mid-file
    assert mnist.missing_files(cache) == tuple(NAMES)
    with pytest.raises(MnistNotFoundError, match="download disabled"):
        load_mnist(cache, download=False)
    data = load_mnist(cache, base_urls=[url], progress=False)
    assert data.train_images.shape == (60000, 28, 28)
    assert [p for p in everything(cache) if not p.startswith(".download-")] == sorted(f"{n}.gz" for n in NAMES)

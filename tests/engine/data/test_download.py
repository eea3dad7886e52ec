"""engine.data.download (through engine.data.mnist): verified downloads.

Files are fetched into a temporary folder and renamed into the data folder
only once verified (structure, counts, SHA-256); mirrors are tried in order;
a cancel, a wrong hash, a truncated stream or a dropped connection leaves
nothing half-written, and a retry fetches only what is missing. Downloads are
served by a real HTTP server on 127.0.0.1 (no internet).
"""
from __future__ import annotations

import os
import shutil
import socket
import sys
import time
import tracemalloc
import types
from pathlib import Path

import numpy as np
import pytest

from engine.data import download
from engine.data.mnist import (MIRRORS, DownloadCancelled, MnistDownloadError, MnistError,
                               MnistNotFoundError, download_mnist, load_mnist)
from tests.support.loopback_http import QuietHandler
from tests.support.mnist_folders import (NAMES, TEST_IMG, TEST_LAB, TRAIN_IMG, clean_env, gz, listing,
                                         make_folder, put)

TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
reliability = pytest.mark.reliability


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """No data-dir override and no proxy for loopback HTTP."""
    clean_env(monkeypatch)


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
def gz_dir(tmp_path_factory, mnist_gz) -> Path:
    """The four real files as .gz, as a mirror serves them."""
    folder = tmp_path_factory.mktemp("mirror")
    for name in NAMES:
        (folder / f"{name}.gz").write_bytes(mnist_gz[name])
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
def bad_hash_train_images(mnist_raw) -> bytes:
    """Structurally valid train images with one pixel changed (gzip)."""
    off = 16 + 28 * 14 + 14
    return gz(put(mnist_raw[TRAIN_IMG], off, bytes([mnist_raw[TRAIN_IMG][off] ^ 1])))


@reliability
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


@reliability
def test_download_later_file_fails_keeps_verified_ones(tmp_path, gz_dir, serve, mnist_raw):
    labels = put(mnist_raw[TEST_LAB], 8, bytes([(mnist_raw[TEST_LAB][8] + 1) % 10]))  # valid but wrong
    bad = serve(_mirror_with(tmp_path, gz_dir, TEST_LAB, gz(labels)))
    cache = tmp_path / "cache"
    with pytest.raises(MnistError, match="SHA-256 mismatch"):
        download_mnist(cache, base_urls=[bad], progress=False)
    assert listing(cache) == sorted(f"{n}.gz" for n in NAMES[:3])  # verified, no temp files
    fetched = []
    load_mnist(cache, base_urls=[serve(gz_dir)], progress=lambda d, t, f: fetched.append(f))
    assert set(fetched) == {f"{TEST_LAB}.gz"}


@reliability
def test_download_truncated_gzip(tmp_path, gz_dir, serve, mnist_gz):
    bad = serve(_mirror_with(tmp_path, gz_dir, TRAIN_IMG, mnist_gz[TRAIN_IMG][:1_000_000]))
    cache = tmp_path / "cache"
    with pytest.raises(MnistDownloadError, match="truncated gzip stream"):
        download_mnist(cache, base_urls=[bad], progress=False)
    assert listing(cache) == []
    download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)
    assert len(listing(cache)) == 4


@reliability
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


@reliability
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


@reliability
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
    assert MIRRORS and all(u.startswith("https://") for u in MIRRORS)


@reliability
def test_unwritable_target(tmp_path, closed_port_url):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MnistDownloadError, match=r"cannot download MNIST into .*--data-dir"):
        download_mnist(blocker / "mnist", base_urls=[closed_port_url], progress=False)


def _our_stale_download(cache: Path, name: str, age_s: float) -> Path:
    """A temporary folder as a download of ours leaves it when killed midway."""
    d = cache / name
    d.mkdir(parents=True)
    (d / download._MARKER).write_bytes(download._MARKER_TEXT)
    (d / f"{TRAIN_IMG}.part").write_bytes(b"partial")
    then = time.time() - age_s
    os.utime(d, (then, then))
    return d


def test_stale_temp_dirs_removed(tmp_path, gz_dir, serve):
    cache = tmp_path / "cache"
    old = _our_stale_download(cache, ".download-old", 7 * 86400)
    fresh = _our_stale_download(cache, ".download-fresh", 60)
    download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)
    assert not old.exists() and fresh.exists()  # a fresh one may belong to a running download


def test_cleanup_removes_only_what_a_download_of_ours_left(tmp_path, gz_dir, serve):
    """Old folders that merely look like ours are the user's: kept."""
    cache = tmp_path / "cache"
    week = 7 * 86400
    ours = _our_stale_download(cache, ".download-ours", week)
    unmarked = cache / ".download-user"                       # the user's own, no marker
    unmarked.mkdir(parents=True)
    (unmarked / "thesis.tex").write_text("precious")
    wrong_marker = cache / ".download-fake"
    wrong_marker.mkdir()
    (wrong_marker / download._MARKER).write_text("someone else's")
    extra_file = _our_stale_download(cache, ".download-extra", week)
    (extra_file / "notes.txt").write_text("not an MNIST file")
    linked = cache / ".download-link"                        # a link to the user's folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / download._MARKER).write_bytes(download._MARKER_TEXT)
    linked.symlink_to(elsewhere)
    plain_file = cache / ".download-file"
    plain_file.write_text("a file, not a folder")
    for p in (unmarked, wrong_marker, extra_file, plain_file):
        os.utime(p, (time.time() - week, time.time() - week))
    download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)
    assert not ours.exists()
    for kept in (unmarked, wrong_marker, extra_file, linked, plain_file):
        assert kept.exists() or kept.is_symlink(), kept.name
    assert (unmarked / "thesis.tex").read_text() == "precious" and elsewhere.is_dir()


def test_nothing_is_cleaned_when_no_download_is_needed(tmp_path, mnist_dir):
    cache = tmp_path / "cache"
    shutil.copytree(mnist_dir, cache)
    ours = _our_stale_download(cache, ".download-ours", 7 * 86400)
    download_mnist(cache, base_urls=["http://127.0.0.1:9/"], progress=False)
    assert ours.exists()


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


IN_THE_WAY = {
    "dangling-link": lambda p: p.symlink_to("/nonexistent/usb/train-images"),
    "link-to-a-folder": lambda p: (p.parent / "user").mkdir() or p.symlink_to(p.parent / "user"),
    "fifo": os.mkfifo,
    "folder": lambda p: p.mkdir(),
    "link-loop": lambda p: p.symlink_to(p),
}


@pytest.mark.parametrize("kind", sorted(IN_THE_WAY))
def test_what_is_in_the_way_of_a_file_is_never_replaced(tmp_path, closed_port_url, kind):
    cache = tmp_path / "cache"
    cache.mkdir()
    blocker = cache / f"{TRAIN_IMG}.gz"
    IN_THE_WAY[kind](blocker)
    before = (os.path.islink(blocker), os.readlink(blocker) if os.path.islink(blocker) else None)
    with pytest.raises(MnistDownloadError, match=rf"{TRAIN_IMG}\.gz is there but is not a "
                                                 r"regular file"):
        download_mnist(cache, base_urls=[closed_port_url], progress=False)
    assert os.path.lexists(blocker)
    assert (os.path.islink(blocker), os.readlink(blocker) if os.path.islink(blocker) else None) \
        == before
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith(".")) == []


def test_a_huge_marker_is_not_read(tmp_path, gz_dir, serve):
    """A folder with our name and a 3 GB (sparse) marker is not ours: kept, never read."""
    cache = tmp_path / "cache"
    fake = _our_stale_download(cache, ".download-huge", 7 * 86400)
    with open(fake / download._MARKER, "r+b") as f:
        f.truncate(3 << 30)
    os.utime(fake, (time.time() - 7 * 86400,) * 2)
    tracemalloc.start()
    try:
        download_mnist(cache, base_urls=[serve(gz_dir)], progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert fake.is_dir() and peak < 200 * 2**20

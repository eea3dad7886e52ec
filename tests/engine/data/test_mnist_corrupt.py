"""Corrupt MNIST folders through the public API, and downloads cut midway.

``test_mnist.py`` checks the loader's messages for many corrupt files; this
suite adds the catalogue of what a user's folder may hold
(:data:`tests.support.mnist_folders.VARIANTS`: bad magic, truncated gzip,
trailing garbage, header counts that disagree with the data, images not
28x28, labels > 9, wrong SHA-256, image/label count mismatch, gzip bomb,
oversized and special files): every variant through
``engine.data.mnist.load_mnist(folder, download=False)`` raises an
``MnistError`` naming the file and the problem and leaves the folder as it
was. A download cut off midway (served by a loopback ``http.server`` only)
makes nothing half-written visible and a retry fetches only what is missing.
(The same variants through the command line, and a download process killed
midway: ``tests/scenarios/``.)
"""
from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pytest

from engine.data.mnist import MnistDownloadError, MnistError, MnistNotFoundError, find_file, load_mnist
from tests.support.loopback_http import QuietHandler
from tests.support.mnist_folders import (IDS, NAMES, TEST_IMG, TEST_LAB, TRAIN_IMG, TRAIN_LAB, VARIANTS,
                                         clean_env, corrupt_folders, listing, mirror_folder)

pytestmark = pytest.mark.reliability


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Loopback HTTP must not go through a proxy; no data-dir override."""
    clean_env(monkeypatch)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, mnist_dir, mnist_raw) -> dict[str, Path]:
    return corrupt_folders(tmp_path_factory.mktemp("bad-mnist"), mnist_dir, mnist_raw)


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


def test_recompressed_and_mixed_files_are_accepted(tmp_path, mnist_dir, mnist_raw):
    """The hash is of the decompressed bytes: another gzip wrapper (level 4,
    another mtime) and uncompressed files side by side load normally."""
    (tmp_path / f"{TEST_IMG}.gz").write_bytes(gzip.compress(mnist_raw[TEST_IMG], compresslevel=4, mtime=12345))
    (tmp_path / TEST_LAB).write_bytes(mnist_raw[TEST_LAB])
    for name in (TRAIN_IMG, TRAIN_LAB):
        real = find_file(mnist_dir, name)
        (tmp_path / real.name).symlink_to(real.resolve())
    data = load_mnist(tmp_path, download=False, progress=False)
    assert data.test_images.shape == (10000, 28, 28)
    assert np.array_equal(data.test_labels, np.frombuffer(mnist_raw[TEST_LAB], np.uint8, offset=8))


# ---------------------------------------------------------------- downloads
class _CutsOneFile(QuietHandler):
    """Serves every file, except that ``t10k-images`` is cut off midway."""

    def do_GET(self):
        path = Path(self.directory) / self.path.lstrip("/")
        if TEST_IMG not in self.path or not path.is_file():
            return super().do_GET()
        self.send_half(path)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, mnist_dir, mnist_raw) -> Path:
    """The four files as a mirror serves them (``name.gz``)."""
    return mirror_folder(tmp_path_factory.mktemp("mirror"), mnist_dir, mnist_raw)


def test_download_cut_midway_keeps_only_verified_files_and_retry_works(tmp_path, mirror, serve):
    cache = tmp_path / "cache"
    with pytest.raises(MnistDownloadError, match=rf"{TEST_IMG}\.gz is not in .* could not be downloaded"):
        load_mnist(cache, base_urls=[serve(mirror, _CutsOneFile)], progress=False)
    # the two train files were verified before the cut: they stay; nothing partial is visible
    assert listing(cache) == [f"{TRAIN_IMG}.gz", f"{TRAIN_LAB}.gz"]
    with pytest.raises(MnistNotFoundError, match=rf"{TEST_IMG}\(\.gz\), {TEST_LAB}\(\.gz\)"):
        load_mnist(cache, download=False)
    fetched = []
    data = load_mnist(cache, base_urls=[serve(mirror)], progress=lambda d, t, f: fetched.append(f))
    assert set(fetched) == {f"{TEST_IMG}.gz", f"{TEST_LAB}.gz"}
    assert data.test_images.shape == (10000, 28, 28)
    assert listing(cache) == sorted(f"{n}.gz" for n in NAMES)

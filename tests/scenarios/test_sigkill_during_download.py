"""A download process killed (SIGKILL) midway leaves nothing usable behind.

A subprocess downloads MNIST from a loopback mirror and is killed in the
middle of the first file, so no cleanup code runs: the data folder may keep
a ``.download-*`` temp folder, but no file under an MNIST name; loading
without download reports the files as missing, and a retry downloads
everything and loads. (Downloads that fail inside the process:
``tests/engine/data/test_download.py`` and ``test_mnist_corrupt.py``.)
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.data.mnist import MnistNotFoundError, load_mnist, missing_files
from tests.support.data_fixtures import REPO_ROOT
from tests.support.mnist_folders import NAMES, clean_env, listing, mirror_folder

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Loopback HTTP must not go through a proxy; no data-dir override."""
    clean_env(monkeypatch)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory, mnist_dir, mnist_raw) -> Path:
    """The four files as a mirror serves them (``name.gz``)."""
    return mirror_folder(tmp_path_factory.mktemp("mirror"), mnist_dir, mnist_raw)


KILLED_DOWNLOADER = textwrap.dedent("""
    import sys, time
    from engine.data.mnist import load_mnist
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
    left = listing(cache)
    assert all(p.startswith(".download-") for p in left), left
    assert any(p.endswith(".part") for p in left), left  # the kill really was mid-file
    assert missing_files(cache) == tuple(NAMES)
    with pytest.raises(MnistNotFoundError, match="download disabled"):
        load_mnist(cache, download=False)
    data = load_mnist(cache, base_urls=[url], progress=False)
    assert data.train_images.shape == (60000, 28, 28)
    assert [p for p in listing(cache) if not p.startswith(".download-")] == sorted(f"{n}.gz" for n in NAMES)

"""Fixtures for data: the real MNIST files (``mnist_data`` arrays, ``mnist_dir``
folder, ``mnist_raw`` / ``mnist_gz`` bytes) and a loopback HTTP server (``serve``)."""
from __future__ import annotations

import functools
import gzip
import os
import threading
from pathlib import Path

import pytest

from .loopback_http import LoopbackServer, QuietHandler

REPO_ROOT = Path(__file__).resolve().parents[2]


def mnist_folder() -> Path:
    """``$CNN_PLAYGROUND_DATA``, else ``../shared/datasets/mnist`` beside the checkout."""
    env = os.environ.get("CNN_PLAYGROUND_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "datasets" / "mnist"


@pytest.fixture(scope="session")
def mnist_data():
    """The four MNIST arrays (engine.data.mnist.MnistData); fails if CNN_PLAYGROUND_DATA
    names a folder without them, skips only when nothing was configured."""
    from engine.data.mnist import MnistNotFoundError, load_mnist
    try:
        return load_mnist(mnist_folder(), download=False, progress=False)
    except MnistNotFoundError:
        if os.environ.get("CNN_PLAYGROUND_DATA"):
            raise
        pytest.skip("MNIST not found; set CNN_PLAYGROUND_DATA to the folder of the IDX files")


@pytest.fixture
def serve():
    """``serve(folder, handler=QuietHandler) -> base URL`` of a 127.0.0.1 server,
    shut down after the test."""
    servers = []

    def start(folder: Path, handler=QuietHandler) -> str:
        srv = LoopbackServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}/"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _mnist_files_folder() -> Path:
    """:func:`mnist_folder` if it holds the four files; fails if
    CNN_PLAYGROUND_DATA names a folder without them, skips only when nothing
    was configured."""
    from engine.data.mnist import FILES, find_file
    folder = mnist_folder()
    missing = [f.name for f in FILES if find_file(folder, f.name) is None]
    if missing:
        if os.environ.get("CNN_PLAYGROUND_DATA"):
            raise FileNotFoundError(f"CNN_PLAYGROUND_DATA={folder} lacks {missing}")
        pytest.skip(f"MNIST not found in {folder} (set CNN_PLAYGROUND_DATA)")
    return folder


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the real MNIST files (as stored: ``.gz`` or raw)."""
    return _mnist_files_folder()


@pytest.fixture(scope="session")
def mnist_raw(mnist_dir) -> dict[str, bytes]:
    """Decompressed IDX bytes of the four real files, by name (``t10k-labels-idx1-ubyte``...)."""
    from engine.data.mnist import FILES, find_file
    out = {}
    for spec in FILES:
        data = find_file(mnist_dir, spec.name).read_bytes()
        out[spec.name] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    return out


@pytest.fixture(scope="session")
def mnist_gz(mnist_dir, mnist_raw) -> dict[str, bytes]:
    """gzip bytes of the four real files (as stored, or compressed if stored raw)."""
    from engine.data.mnist import FILES, find_file
    out = {}
    for spec in FILES:
        data = find_file(mnist_dir, spec.name).read_bytes()
        out[spec.name] = data if data[:2] == b"\x1f\x8b" else \
            gzip.compress(mnist_raw[spec.name], compresslevel=1, mtime=0)
    return out

"""Fixtures for data: the real MNIST files and a loopback HTTP server."""
from __future__ import annotations

import functools
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

"""Shared fixtures of the personal-handwriting tests: the bundled model, MNIST
replay (read-only, as loaded) and a synthetic writer the bundled model often
gets wrong (continental 1s read as 7, slashed 0s, crossed 7s...)."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.data.writer_styles import synthetic_writer

#: A writer (styles "all") on whose held-out samples the bundled model scores about 85 %.
HARD_WRITER = 124


@pytest.fixture(scope="session")
def replay(mnist_data):
    """MNIST training images (60000, 28, 28) uint8 and labels, read-only."""
    images, labels = mnist_data.train_images, mnist_data.train_labels
    assert not images.flags.writeable and not labels.flags.writeable
    return images, labels


@pytest.fixture(scope="session")
def base_model():
    return engine.load_model()


@pytest.fixture(scope="session")
def hard_writer(replay):
    return synthetic_writer(HARD_WRITER, styles="all", source=replay)


def read_only(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a

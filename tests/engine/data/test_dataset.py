"""engine.data.dataset: the labelled train/test split and the conversion of
stored uint8 images ``(N, 28, 28)`` into network input ``(N, 1, 28, 28)``
float32 in [0, 1]."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from engine.data.dataset import Dataset, images_to_input


def small_dataset(n_train=50, n_test=20, seed=0) -> Dataset:
    rng = np.random.default_rng(seed)
    return Dataset(rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_train),
                   rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_test))


def test_images_to_input_scales_uint8_and_adds_the_channel_axis():
    images = np.array([[[0, 51, 255]]], dtype=np.uint8)            # (1, 1, 3)
    x = images_to_input(images)
    assert x.shape == (1, 1, 1, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x[0, 0, 0], [0.0, 0.2, 1.0], rtol=1e-6)
    batch = np.random.default_rng(1).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.testing.assert_allclose(images_to_input(batch), batch[:, None] / 255.0, rtol=1e-6)
    assert images_to_input(batch[:0]).shape == (0, 1, 28, 28)


def test_images_to_input_keeps_float_input_without_copying():
    """Float32 ``(N, 1, 28, 28)`` input is already network input: returned as is;
    float64 is cast to float32, not rescaled."""
    x = np.random.default_rng(2).random((3, 1, 28, 28), dtype=np.float32)
    assert images_to_input(x) is x
    x64 = x.astype(np.float64)
    out = images_to_input(x64)
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_array_equal(out, x)


def test_counts_follow_the_subset_and_never_exceed_the_data():
    data = small_dataset(50, 20)
    assert data.train_count() == 50 and data.test_count() == 20
    assert data.train_count(30) == 30 and data.test_count(5) == 5
    assert data.train_count(500) == 50 and data.test_count(10**6) == 20
    assert data.train_count(30.0) == 30          # the CLI and GUI may pass numbers of any type


def test_test_split_is_the_first_images_in_order():
    data = small_dataset(10, 20, seed=3)
    images, labels = data.test_split(7)
    np.testing.assert_array_equal(images, data.test_images[:7])
    np.testing.assert_array_equal(labels, data.test_labels[:7])
    all_images, all_labels = data.test_split()
    assert len(all_images) == len(all_labels) == 20
    assert len(data.test_split(0)[1]) == 0


def test_from_mnist_takes_the_four_arrays():
    source = small_dataset(5, 3, seed=4)
    mnist = SimpleNamespace(train_images=source.train_images, train_labels=source.train_labels,
                            test_images=source.test_images, test_labels=source.test_labels)
    data = Dataset.from_mnist(mnist)
    assert data.train_images is source.train_images and data.test_labels is source.test_labels
    assert (data.train_count(), data.test_count()) == (5, 3)

"""A labelled image set split into training and test images, and the
conversion of stored uint8 images into network input."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def images_to_input(images: np.ndarray) -> np.ndarray:
    """``(N, 28, 28)`` uint8 0..255 -> ``(N, 1, 28, 28)`` float32 in [0, 1]."""
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[:, None]
    if x.dtype == np.uint8:
        return x.astype(np.float32) * np.float32(1 / 255)
    return x.astype(np.float32, copy=False)


@dataclass
class Dataset:
    """Training and test images ``(N, 28, 28)`` uint8 with labels ``(N,)``."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray

    @classmethod
    def from_mnist(cls, data) -> "Dataset":
        """From :class:`engine.data.mnist.MnistData` (or anything with the four arrays)."""
        return cls(data.train_images, data.train_labels, data.test_images, data.test_labels)

    def train_count(self, subset: int | None = None) -> int:
        """Training images a run uses: all, or ``subset`` of them."""
        n = len(self.train_labels)
        return n if subset is None else min(int(subset), n)

    def test_count(self, subset: int | None = None) -> int:
        """Test images an evaluation uses: all, or the first ``subset``."""
        n = len(self.test_labels)
        return n if subset is None else min(int(subset), n)

    def test_split(self, subset: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)`` of the first :meth:`test_count` test images."""
        n = self.test_count(subset)
        return self.test_images[:n], self.test_labels[:n]

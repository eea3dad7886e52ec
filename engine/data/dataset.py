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
    if x.dtype == np.uint8:   # one pass, one array: the cast happens inside the multiply
        return np.multiply(x, np.float32(1 / 255), dtype=np.float32)
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

    @property
    def num_classes(self) -> int:
        """Classes the labels need: the largest label plus one."""
        labels = [np.asarray(a) for a in (self.train_labels, self.test_labels) if len(a)]
        return 1 + max((int(a.max()) for a in labels), default=-1)

    def check_model(self, model) -> None:
        """Raise ``ValueError`` unless ``model`` reads these images and has a
        score for every label."""
        image = (1,) + tuple(np.asarray(self.train_images).shape[1:])
        if tuple(model.input_shape) != image:
            raise ValueError(f"the model reads inputs of shape {tuple(model.input_shape)}, but "
                             f"the images are {image}")
        if model.num_classes < self.num_classes:
            raise ValueError(f"the model has {model.num_classes} classes, but the labels need "
                             f"{self.num_classes} (0 to {self.num_classes - 1})")

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

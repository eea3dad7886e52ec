"""A 28x28 digit image put on the canvas as it is (an MNIST test digit), so
that the network reads exactly that image.

Why not simply paint it and let the drawing be framed like any other? The
framing (:func:`engine.data.preprocess.to_model_input`) scales every drawing
to a peak of 1.0, crops at an ink threshold and thins bold strokes: a quarter
of the MNIST test digits (e.g. the tenth whose brightest pixel is 254, not
255) would reach the network changed. So a placed image is two things:

* what the canvas shows: the pixels nearest-upsampled by the largest whole
  factor ``k = side // 28`` into a centred ``28k`` square (each MNIST pixel a
  crisp ``k x k`` block; the margin is black like the digit's background);
* what the network reads: :meth:`PlacedImage.network_input`, the pixels
  themselves as floats in [0, 1], used instead of framing the drawing for as
  long as the canvas shows the placed image alone (the canvas's
  :meth:`~gui.drawing.canvas.DrawingCanvas.placed_input`). A stroke drawn
  over it makes it a drawing like any other, framed as usual; undoing the
  stroke makes it exact again.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage, QPainter

from engine.data.dataset import images_to_input

SIZE = 28
"""Side of a placed image (pixels): the network's input size."""


@dataclass(frozen=True, eq=False)
class PlacedImage:
    """A history action of the canvas: the drawing replaced by ``pixels``.

    :param pixels: ``(28, 28)`` uint8, white ink on black (MNIST), read-only
    :param caption: what it is (e.g. "test digit #12, labelled 9"); shown on
        the canvas while the image is
    """

    pixels: np.ndarray
    caption: str = ""

    @classmethod
    def of(cls, pixels: np.ndarray, caption: str = "") -> PlacedImage:
        """A placed copy of ``pixels`` (``(28, 28)``, uint8 0..255)."""
        image = np.array(pixels, dtype=np.uint8, order="C")
        if image.shape != (SIZE, SIZE):
            raise ValueError(f"a placed image is {SIZE}x{SIZE} pixels, got shape {image.shape}")
        image.setflags(write=False)
        return cls(image, str(caption))

    def network_input(self) -> np.ndarray:
        """``(1, 28, 28)`` float32 in [0, 1]: the pixels as the network reads them."""
        return images_to_input(self.pixels[None])[0]

    def square(self, side: int) -> tuple[int, int]:
        """``(offset, k)``: on a ``side`` px image the pixels fill the square
        from ``(offset, offset)`` with ``k x k`` blocks."""
        k = max(1, side // SIZE)
        return (side - SIZE * k) // 2, k

    def paint(self, painter: QPainter, side: int) -> None:
        """Paint the pixels, nearest-upsampled, on a ``side`` px canvas image."""
        offset, k = self.square(side)
        big = np.ascontiguousarray(np.repeat(np.repeat(self.pixels, k, axis=0), k, axis=1))
        n = SIZE * k
        image = QImage(big.data, n, n, n, QImage.Format.Format_Grayscale8)
        painter.drawImage(offset, offset, image)   # 1:1, no scaling; ``big`` outlives it


@dataclass(frozen=True, eq=False)
class MnistDigit:
    """An MNIST test image chosen for the canvas.

    :param pixels: ``(28, 28)`` uint8
    :param index: its position in the test set
    :param label: its true digit
    :param note: more about it (e.g. what a model answered), may be empty
    """

    pixels: np.ndarray
    index: int
    label: int
    note: str = ""

    @property
    def caption(self) -> str:
        """E.g. ``"test digit #1234, labelled 7 (predicted 2)"``."""
        note = f" ({self.note})" if self.note else ""
        return f"test digit #{self.index}, labelled {self.label}{note}"

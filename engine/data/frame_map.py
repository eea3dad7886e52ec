"""Where the network input lies on the drawing: the affine map from the
28x28 input's pixels back to the canvas's pixels (same scale on both axes).

Coordinates are continuous with pixel edges on integers: input pixel
``(i, j)`` covers ``[i, i+1) x [j, j+1)``, canvas pixel ``(r, c)`` covers
``[r, r+1) x [c, c+1)``. ``canvas = origin + input / scale``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameMap:
    """Input pixels -> canvas pixels.

    :ivar scale: input pixels per canvas pixel (e.g. 20 / 200 = 0.1 for a
        digit 200 canvas pixels tall framed to 20 input pixels)
    :ivar origin: ``(row, col)`` canvas coordinate of the input's corner (0, 0)
        (may lie outside the canvas)
    """

    scale: float
    origin: tuple[float, float]

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ValueError(f"scale must be positive, got {self.scale}")

    def to_canvas(self, y: float, x: float) -> tuple[float, float]:
        """The canvas coordinate of input coordinate ``(y, x)``."""
        return self.origin[0] + y / self.scale, self.origin[1] + x / self.scale

    def to_input(self, row: float, col: float) -> tuple[float, float]:
        """The input coordinate of canvas coordinate ``(row, col)``."""
        return (row - self.origin[0]) * self.scale, (col - self.origin[1]) * self.scale

    def canvas_rect(self, top: float, left: float, bottom: float,
                    right: float) -> tuple[float, float, float, float]:
        """An input rectangle ``(top, left, bottom, right)`` on the canvas
        (same order); the whole input is ``canvas_rect(0, 0, 28, 28)``."""
        t, l = self.to_canvas(top, left)
        b, r = self.to_canvas(bottom, right)
        return t, l, b, r

    @staticmethod
    def placement(scale: float, dy: float, dx: float, row0: float, col0: float) -> "FrameMap":
        """The map of a crop whose top-left canvas pixel is ``(row0, col0)`` and
        whose coordinate ``u`` lands on input ``scale * u + d``."""
        return FrameMap(float(scale), (float(row0 - dy / scale), float(col0 - dx / scale)))

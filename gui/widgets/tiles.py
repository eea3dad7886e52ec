"""Display helpers: lay many small maps out as one tiled image, and find the
map under a pixel. Pure NumPy, no Qt: this is layout, not maths on the model.

One pyqtgraph ``ImageItem`` holding all maps of a layer tiled is ~20x cheaper
to update and paint than one item per map. Gaps between tiles are NaN, which
pyqtgraph paints transparent, so the panel background shows through.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def best_grid(n: int, tile_h: int, tile_w: int, width: float, height: float,
              gap: int = 1) -> tuple[int, int]:
    """``(rows, cols)`` that shows ``n`` tiles of ``tile_h x tile_w`` as large as
    possible in a ``width x height`` area (ties: fewer empty cells, then wider)."""
    n = max(int(n), 1)
    width, height = max(float(width), 1.0), max(float(height), 1.0)
    best, best_key = (1, n), None
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        if cols > 1 and (rows - 1) * cols >= n:   # same rows as a narrower grid: skip
            continue
        img_w = cols * (tile_w + gap) - gap
        img_h = rows * (tile_h + gap) - gap
        scale = min(width / img_w, height / img_h)
        key = (round(scale, 3), -(rows * cols - n), cols)
        if best_key is None or key > best_key:
            best, best_key = (rows, cols), key
    return best


@dataclass(frozen=True)
class TileLayout:
    """``n`` maps of ``(tile_h, tile_w)`` in a ``rows x cols`` grid, row-major."""

    n: int
    tile_h: int
    tile_w: int
    rows: int
    cols: int
    gap: int = 1

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)`` of the tiled image."""
        return (self.rows * (self.tile_h + self.gap) - self.gap,
                self.cols * (self.tile_w + self.gap) - self.gap)

    def tile(self, maps: np.ndarray) -> np.ndarray:
        """``maps: (n, tile_h, tile_w)`` -> ``(H, W)`` float32, NaN in gaps and empty cells."""
        n, h, w = maps.shape
        if (n, h, w) != (self.n, self.tile_h, self.tile_w):
            raise ValueError(f"expected maps of shape {(self.n, self.tile_h, self.tile_w)}, "
                             f"got {maps.shape}")
        g = self.gap
        cells = np.full((self.rows * self.cols, h + g, w + g), np.nan, dtype=np.float32)
        cells[:n, :h, :w] = maps
        grid = cells.reshape(self.rows, self.cols, h + g, w + g).transpose(0, 2, 1, 3)
        grid = grid.reshape(self.rows * (h + g), self.cols * (w + g))  # (rows*(h+g), cols*(w+g))
        return grid[:self.shape[0], :self.shape[1]]

    def locate(self, y: float, x: float) -> tuple[int, int, int] | None:
        """Pixel ``(y, x)`` of the tiled image -> ``(map index, row, col)`` or None
        for gaps, empty cells and outside."""
        if y < 0 or x < 0:
            return None
        yi, xi = int(y), int(x)
        r, ry = divmod(yi, self.tile_h + self.gap)
        c, cx = divmod(xi, self.tile_w + self.gap)
        if r >= self.rows or c >= self.cols or ry >= self.tile_h or cx >= self.tile_w:
            return None
        index = r * self.cols + c
        return (index, ry, cx) if index < self.n else None

    def origin(self, index: int) -> tuple[int, int]:
        """Top-left pixel ``(y, x)`` of map ``index``."""
        r, c = divmod(index, self.cols)
        return r * (self.tile_h + self.gap), c * (self.tile_w + self.gap)


def symmetric_levels(a: np.ndarray, percentile: float | None = None) -> tuple[float, float]:
    """``(-m, m)`` with ``m`` the largest magnitude, or that ``percentile`` of the
    magnitudes (brighter colours; the few larger values saturate)."""
    if not a.size:
        m = 0.0
    elif percentile is None:
        m = float(np.nanmax(np.abs(a)))
    else:
        m = float(np.nanpercentile(np.abs(a), percentile))
    m = m if np.isfinite(m) and m > 1e-12 else 1e-12
    return -m, m


def positive_levels(a: np.ndarray) -> tuple[float, float]:
    """``(0, max)`` (at least a tiny epsilon)."""
    m = float(np.nanmax(a)) if a.size else 0.0
    m = m if np.isfinite(m) and m > 1e-12 else 1e-12
    return 0.0, m


def normalise_each(maps: np.ndarray, signed: bool) -> np.ndarray:
    """Scale each map of ``(n, h, w)`` to peak magnitude 1 (display only)."""
    flat = np.abs(maps).reshape(len(maps), -1) if signed else maps.reshape(len(maps), -1)
    peak = flat.max(axis=1) if flat.size else np.zeros(len(maps))
    peak = np.where(peak > 1e-12, peak, 1.0).astype(np.float32)
    return maps / peak[:, None, None]

"""Display helpers: tiling maps into one image, locating a pixel's map, colour indices."""
from __future__ import annotations

import numpy as np
import pytest

from gui.widgets.theme import DARK, LIGHT, to_indices
from gui.widgets.tiles import TileLayout, best_grid, normalise_each


@pytest.mark.parametrize("n,h,w", [(32, 28, 28), (64, 5, 5), (7, 3, 4), (1, 10, 10)])
def test_tile_and_locate_round_trip(n, h, w):
    rows, cols = best_grid(n, h, w, 300, 200)
    assert rows * cols >= n and (rows - 1) * cols < n
    layout = TileLayout(n, h, w, rows, cols, gap=1)
    maps = np.random.default_rng(0).standard_normal((n, h, w)).astype(np.float32)
    tiled = layout.tile(maps)
    assert tiled.shape == layout.shape
    for i in range(n):
        y, x = layout.origin(i)
        assert np.array_equal(tiled[y:y + h, x:x + w], maps[i])
        assert layout.locate(y + h - 1, x + w - 1) == (i, h - 1, w - 1)
    gaps = np.isnan(tiled)
    assert gaps.sum() == tiled.size - n * h * w
    if cols > 1:
        assert layout.locate(0, w) is None          # the gap column


def test_best_grid_prefers_large_tiles():
    assert best_grid(32, 28, 28, 800, 100) == (1, 32) or best_grid(32, 28, 28, 800, 100)[0] <= 2
    assert best_grid(64, 10, 10, 200, 200) == (8, 8)
    assert best_grid(32, 28, 28, 200, 100) == (4, 8)


def test_colour_indices_reserve_zero_for_gaps():
    values = np.array([[-1.0, 0.0, 1.0, np.nan, 5.0]], dtype=np.float32)
    idx = to_indices(values, (-1.0, 1.0))
    assert idx.dtype == np.uint8
    assert idx.tolist() == [[1, 128, 255, 0, 255]]
    for theme in (LIGHT, DARK):
        for lut in (theme.sequential_lut(), theme.diverging_lut(), theme.gray_lut()):
            assert lut.shape == (256, 4) and lut[0, 3] == 0 and (lut[1:, 3] == 255).all()


def test_normalise_each_scales_maps_to_their_own_peak():
    maps = np.stack([np.full((2, 2), 4.0), np.full((2, 2), -0.5), np.zeros((2, 2))])
    out = normalise_each(maps.astype(np.float32), signed=True)
    assert np.allclose(out[0], 1) and np.allclose(out[1], -1) and np.allclose(out[2], 0)

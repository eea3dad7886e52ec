"""The Kernels tab: every convolution kernel of the shown model."""
from __future__ import annotations

import numpy as np

from engine.nn.layers import Conv2D


def test_kernel_view_shows_every_conv_kernel(window):
    convs = [layer for layer in window.model.layers if isinstance(layer, Conv2D)]
    assert list(window.kernel_view.panels) == [layer.name for layer in convs]
    for layer in convs:
        panel = window.kernel_view.panels[layer.name]
        assert np.array_equal(panel.weights, layer.params["K"])
        c_in, d_out, k1, k2 = layer.params["K"].shape
        assert panel.tiles.n == c_in * d_out and panel.view.array.shape == panel.tiles.shape

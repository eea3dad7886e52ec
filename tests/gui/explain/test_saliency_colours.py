"""Saliency maps coloured for display: red / blue by sign or a warm ramp,
opacity proportional to the magnitude, nothing where the map is 0."""
from __future__ import annotations

import numpy as np
import pytest

from gui.explain.heat_colours import (MAX_ALPHA, NEGATIVE, POSITIVE, WARM_HIGH, WARM_LOW,
                                      heat_strength, heat_to_rgba)
from gui.explain.heat_legend import HeatLegend, legend_text


def test_signed_maps_are_red_for_positive_and_blue_for_negative():
    heat = np.zeros((28, 28), np.float32)
    heat[3, 4], heat[10, 10], heat[20, 5] = 2.0, -1.0, 0.5
    rgba = heat_to_rgba(heat, signed=True)
    assert rgba.shape == (28, 28, 4) and rgba.dtype == np.uint8
    assert tuple(rgba[3, 4, :3]) == POSITIVE and rgba[3, 4, 3] == MAX_ALPHA
    assert tuple(rgba[10, 10, :3]) == NEGATIVE and rgba[10, 10, 3] == round(MAX_ALPHA / 2)
    assert rgba[20, 5, 3] == round(MAX_ALPHA / 4)                  # proportional to |value|
    assert rgba[0, 0, 3] == 0 and (rgba[..., 3] > 0).sum() == 3     # zero: transparent


def test_unsigned_maps_ramp_from_orange_to_yellow():
    heat = np.linspace(0.0, 1.0, 28 * 28, dtype=np.float32).reshape(28, 28)
    rgba = heat_to_rgba(heat, signed=False)
    assert tuple(rgba[-1, -1, :3]) == WARM_HIGH and rgba[-1, -1, 3] == MAX_ALPHA
    assert rgba[0, 0, 3] == 0 and tuple(rgba[0, 0, :3]) == WARM_LOW
    alpha = rgba[..., 3].ravel().astype(int)
    assert np.all(np.diff(alpha) >= 0)                               # stronger: more opaque
    assert np.all(rgba[..., 2] < rgba[..., 0])                        # warm: more red than blue


@pytest.mark.parametrize("heat", [np.zeros((28, 28)), np.full((28, 28), np.nan),
                                  np.full((28, 28), np.inf)])
def test_empty_or_broken_maps_are_fully_transparent(heat):
    assert heat_to_rgba(heat, signed=True)[..., 3].max() == 0
    assert heat_strength(heat).max() == 0.0


def test_the_legend_names_the_method_and_its_colours(qtbot):
    legend = HeatLegend()
    qtbot.addWidget(legend)
    legend.resize(160, legend.height())
    assert legend.text() == ""
    legend.set_method("gradient")
    assert legend.text() == legend_text("gradient") and "red" in legend.text()
    legend.set_method("gradcam")
    assert "Grad-CAM" in legend.text() and "yellow" in legend.text()
    image = legend.grab().toImage()
    right = image.pixelColor(image.width() - 3, image.height() // 2)
    assert right.red() > right.blue() + 40                           # the warm swatch is drawn
    left = image.pixelColor(image.width() - 3 * legend.swatch + 1, image.height() // 2)
    assert max(left.red(), left.green(), left.blue()) < 60   # its clear end: the input's black
    with pytest.raises(ValueError):
        legend.set_method("guesswork")

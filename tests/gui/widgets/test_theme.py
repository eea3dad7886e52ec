"""The looks: colour maps that read in both themes, and radio buttons whose
checked state is visible in both."""
from __future__ import annotations

import colorsys

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QRadioButton, QVBoxLayout, QWidget

from gui.widgets.theme import DARK, LIGHT, style_sheet


def _luminance(rgb) -> float:
    r, g, b = (np.asarray(rgb[:3], dtype=float) / 255.0)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _hex(colour: str) -> np.ndarray:
    return np.array(QColor(colour).getRgb()[:3])


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_the_diverging_map_has_strong_ends_and_a_visible_neutral_zero(theme):
    lut = theme.diverging_lut()
    low, zero, high = lut[1, :3], lut[128, :3], lut[255, :3]
    for end, hue in ((low, (0.55, 0.72)), (high, (-0.05, 0.06))):      # blue, red
        h, _, s = colorsys.rgb_to_hls(*(end / 255.0))
        h = h - 1.0 if h > 0.9 else h
        assert s > 0.6 and hue[0] <= h <= hue[1], (theme.name, end)
    assert np.ptp(zero.astype(int)) < 24                                  # zero is a grey
    panel = _hex(theme.surface)
    assert abs(_luminance(zero) - _luminance(panel)) > 0.15               # not the panel's colour
    quarter_low, quarter_high = lut[128 - 32, :3].astype(int), lut[128 + 32, :3].astype(int)
    assert quarter_low[2] - quarter_low[0] > 60 and quarter_high[0] - quarter_high[2] > 60


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_the_sequential_and_grey_maps_start_apart_from_the_panel(theme):
    panel = _luminance(_hex(theme.surface))
    for lut in (theme.sequential_lut(), theme.gray_lut()):
        assert abs(_luminance(lut[1]) - _luminance(lut[255])) > 0.7
        ends = (_luminance(lut[1]), _luminance(lut[255]))
        assert max(abs(e - panel) for e in ends) > 0.5


def _indicator_colours(button: QRadioButton) -> set[tuple[int, int, int]]:
    """Colours of the indicator square at the left of ``button``."""
    image = button.grab().toImage()
    side = min(image.height(), 16)
    return {QColor(image.pixel(x, y)).getRgb()[:3] for x in range(side) for y in range(side)}


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_a_checked_radio_button_shows_the_accent_colour(qtbot, theme):
    box = QWidget()
    qtbot.addWidget(box)
    box.setStyleSheet(style_sheet(theme))
    column = QVBoxLayout(box)
    on, off = QRadioButton("checked"), QRadioButton("not checked")
    column.addWidget(on)
    column.addWidget(off)
    on.setChecked(True)
    box.show()
    qtbot.waitExposed(box)
    accent = _hex(theme.accent)

    def accent_pixels(button):
        return sum(np.abs(np.array(c) - accent).sum() < 40 for c in _indicator_colours(button))

    assert accent_pixels(on) >= 3 and accent_pixels(off) == 0
    off.click()
    qtbot.waitUntil(lambda: accent_pixels(off) >= 3 and accent_pixels(on) == 0)

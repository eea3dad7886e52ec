"""The colour bar: the levels a map was coloured with, as short numbers beside
a gradient of its colour map, repainted only when the rounded numbers change."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from gui.widgets.colour_bar import ColourBar, scale_texts, short_number
from gui.widgets.theme import DARK, LIGHT

MINUS = "\u2212"


@pytest.mark.parametrize("value, text", [
    (2.234, "2.2"), (0.0931, "0.093"), (140.2, "140"), (-3.61, f"{MINUS}3.6"), (0.0, "0"),
    (123456.0, "1.2e+05"), (0.00042, "4.2e" + MINUS + "04"), (float("nan"), "?")])
def test_numbers_have_two_significant_digits(value, text):
    assert short_number(value) == text


def test_the_texts_name_the_levels_or_say_each_map_is_scaled_alone():
    assert scale_texts((-3.61, 3.61)) == ("", f"{MINUS}3.6", "0", "3.6")
    assert scale_texts((0.0, 2.23)) == ("", "0", "", "2.2")
    assert scale_texts((-1.0, 1.0), each=True) == ("each map:", f"{MINUS}max", "0", "+max")
    assert scale_texts((0.0, 1.0), each=True) == ("each map:", "0", "", "max")


class CountingBar(ColourBar):
    """A colour bar that counts its paints."""

    paints = 0

    def paintEvent(self, event) -> None:
        self.paints += 1
        super().paintEvent(event)


@pytest.fixture
def bar(qtbot):
    widget = CountingBar()
    qtbot.addWidget(widget)
    widget.resize(220, widget.height())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_bar_repaints_only_when_the_rounded_numbers_change(bar, qtbot):
    lut = LIGHT.diverging_lut()
    bar.set_scale((-2.11, 2.11), lut)
    qtbot.waitUntil(lambda: bar.paints > 0)
    qtbot.wait(30)
    before = bar.paints
    for m in (2.112, 2.12, 2.149):                 # all "2.1": nothing to repaint
        bar.set_scale((-m, m), lut)
    qtbot.wait(50)
    assert bar.paints == before and bar.texts() == ("", f"{MINUS}2.1", "0", "2.1")
    bar.set_scale((-2.5, 2.5), lut)
    qtbot.waitUntil(lambda: bar.paints > before)
    assert bar.texts() == ("", f"{MINUS}2.5", "0", "2.5")
    before = bar.paints
    bar.set_scale((-2.5, 2.5), DARK.diverging_lut())   # another colour map: repainted
    qtbot.waitUntil(lambda: bar.paints > before)


def _closest(image, colour: np.ndarray) -> tuple[float, int]:
    """(smallest RGB distance to ``colour``, its column) over the bar's middle row."""
    y = image.height() // 2
    row = np.array([QColor(image.pixel(x, y)).getRgb()[:3] for x in range(image.width())])
    distance = np.abs(row - colour).sum(axis=1)
    return float(distance.min()), int(distance.argmin())


@pytest.mark.parametrize("theme", [LIGHT, DARK])
def test_the_gradient_runs_from_the_low_colour_to_the_high_colour(bar, theme):
    lut = theme.diverging_lut()
    bar.set_scale((-1.0, 1.0), lut)
    image = bar.grab().toImage()
    low, low_x = _closest(image, lut[4, :3].astype(int))
    high, high_x = _closest(image, lut[252, :3].astype(int))
    assert low < 30 and high < 30
    assert low_x < image.width() // 2 < high_x


def test_nothing_is_drawn_without_levels(bar):
    bar.set_scale((0.0, 2.0), LIGHT.sequential_lut())
    assert bar.texts()[1:] == ("0", "", "2")
    bar.set_scale(None, None)
    assert bar.texts() == ("", "", "", "")
    image = bar.grab().toImage()
    colours = {image.pixel(x, image.height() // 2) for x in range(image.width())}
    assert len(colours) == 1                        # background only

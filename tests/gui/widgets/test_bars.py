"""gui.widgets.bars.BarsItem repaints only when its picture can change: a
training run re-sets the probabilities five times a second, and once the
network has learned the drawing they rarely move by a visible amount."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from gui.widgets.bars import UNSEEN_CHANGE, BarsItem, bar_chart, label_bar_slots


class CountingBars(BarsItem):
    """A BarsItem that counts its paints."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.paints = 0

    def paint(self, p, *args) -> None:
        self.paints += 1
        super().paint(p, *args)


@pytest.fixture
def chart(qtbot):
    plot = bar_chart()
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    bars = CountingBars(10)
    item.addItem(bars)
    label_bar_slots(item, 10)
    item.setYRange(0, 1.16, padding=0)
    plot.resize(300, 160)
    plot.show()
    qtbot.waitExposed(plot)
    return plot, bars


def _settle(qtbot, bars):
    qtbot.wait(30)
    return bars.paints


GREY = [QColor("#888888")] * 10


def _probs(top: int = 7, rest: float = 1e-4) -> np.ndarray:
    p = np.full(10, rest)
    p[top] = 1 - 9 * rest
    return p


def test_an_unseen_move_paints_nothing_but_keeps_the_heights(chart, qtbot):
    _, bars = chart
    bars.set_bars(_probs(), GREY, ["x"] * 10)
    before = _settle(qtbot, bars)
    assert before >= 1
    nudged = _probs() + 0.5 * UNSEEN_CHANGE
    bars.set_bars(nudged, list(GREY), ["x"] * 10)
    assert _settle(qtbot, bars) == before
    np.testing.assert_array_equal(bars.heights, nudged)


def test_small_steps_that_add_up_to_a_visible_move_are_painted(chart, qtbot):
    _, bars = chart
    bars.set_bars(_probs(), GREY)
    before = _settle(qtbot, bars)
    heights = _probs()
    for _ in range(5):                               # each step unseen, together 2.5x
        heights = heights.copy()
        heights[0] += 0.5 * UNSEEN_CHANGE
        bars.set_bars(heights, GREY)
        qtbot.wait(10)
    assert _settle(qtbot, bars) > before


@pytest.mark.parametrize("change", ["height", "colour", "label", "nan"])
def test_a_visible_change_repaints(chart, qtbot, change):
    _, bars = chart
    bars.set_bars(_probs(), GREY, ["x"] * 10)
    before = _settle(qtbot, bars)
    heights, colors, labels = _probs(), list(GREY), ["x"] * 10
    if change == "height":
        heights[0] += 0.02
    elif change == "colour":
        colors[3] = QColor("#ff0000")
    elif change == "label":
        labels[7] = "100 %"
    else:
        heights[2] = np.nan
    bars.set_bars(heights, colors, labels)
    assert _settle(qtbot, bars) > before


def test_the_box_grows_with_the_bars_and_shrinks_when_far_too_tall(chart):
    _, bars = chart
    bars.set_bars(np.full(10, 0.5), GREY)
    assert bars.boundingRect().bottom() >= 0.5
    bars.set_bars(np.full(10, 0.9), GREY)
    assert bars.boundingRect().bottom() >= 0.9
    bars.set_bars(np.full(10, 0.6), GREY)           # still within twice: the box stays
    assert bars.boundingRect().bottom() >= 0.9
    bars.set_bars(np.full(10, 0.2), GREY)
    assert 0.2 <= bars.boundingRect().bottom() < 0.9
    bars.set_bars(np.linspace(-0.3, 0.2, 10), GREY)  # negative bars: the box reaches down
    assert bars.boundingRect().top() <= -0.3

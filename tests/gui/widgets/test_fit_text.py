"""A subtitle that shows the longest of its variants that fits, never widens
its panel, and elides only when even the shortest does not fit."""
from __future__ import annotations

import pytest

from gui.widgets.fit_text import FitText

VARIANTS = ("32 maps · 28×28", "32 maps", "32")


@pytest.fixture
def text(qtbot):
    widget = FitText(VARIANTS)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_the_longest_variant_that_fits_is_shown(text):
    fm = text.fontMetrics()
    text.resize(fm.horizontalAdvance(VARIANTS[0]) + 2, text.height())
    assert text.shown_text() == VARIANTS[0]
    text.resize(fm.horizontalAdvance(VARIANTS[1]) + 1, text.height())
    assert text.shown_text() == VARIANTS[1]
    text.resize(fm.horizontalAdvance(VARIANTS[2]), text.height())
    assert text.shown_text() == VARIANTS[2]


def test_only_the_last_variant_is_ever_elided(qtbot):
    widget = FitText(("inactive when predicting", "inactive"))
    qtbot.addWidget(widget)
    widget.resize(widget.fontMetrics().horizontalAdvance("inact"), widget.height())
    shown = widget.shown_text()
    assert shown.endswith("\u2026") and "inactive".startswith(shown[:-1])


def test_it_asks_for_its_longest_text_but_accepts_any_width(text):
    assert text.sizeHint().width() > text.fontMetrics().horizontalAdvance(VARIANTS[0])
    assert text.minimumSizeHint().width() <= 1
    text.setText("10 classes")
    text.resize(text.sizeHint())
    assert text.text() == "10 classes" == text.shown_text()

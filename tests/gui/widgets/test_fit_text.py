"""A subtitle that shows the longest of its variants that fits, never widens
its panel, and elides only when even the shortest does not fit."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QHBoxLayout, QWidget

from gui.widgets.fit_text import FitText
from tests.support.layout_requests import LayoutRequests

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


def test_a_new_text_of_the_same_width_asks_for_no_new_layout(qtbot):
    box = QWidget()
    qtbot.addWidget(box)
    text = FitText(["runner-up: 3 (0.1%)"])
    QHBoxLayout(box).addWidget(text)
    box.show()
    qtbot.waitExposed(box)
    requests = LayoutRequests()
    box.installEventFilter(requests)
    qtbot.wait(50)                                  # (the requests of showing it)
    requests.count = 0
    same_width = "runner-up: 5 (0.1%)"
    if text.fontMetrics().horizontalAdvance(same_width) != \
            text.fontMetrics().horizontalAdvance(text.text()):
        pytest.skip("this font's digits differ in width")
    text.set_variants([same_width])
    qtbot.wait(20)
    assert requests.count == 0 and text.shown_text() == same_width
    text.set_variants(["runner-up: 5 (0.1%) and a much longer note"])
    qtbot.wait(20)
    assert requests.count >= 1                      # a wider text may widen its panel

"""Percentages never round a near-perfect value up to 100 or a tiny one down to 0."""
from __future__ import annotations

import pytest

from gui.widgets.percent import percent


@pytest.mark.parametrize("value, decimals, text", [
    (0.996, 1, "99.6%"), (0.996, 0, "99%"), (0.9996, 1, "99.9%"), (1.0, 0, "100%"),
    (1.0, 1, "100.0%"), (0.5, 0, "50%"), (0.004, 0, "<1%"), (0.0004, 1, "<0.1%"),
    (0.0, 0, "0%"), (0.956, 1, "95.6%"), (float("nan"), 1, "–"),
])
def test_percent(value, decimals, text):
    assert percent(value, decimals) == text


def test_without_the_sign():
    assert percent(0.996, 0, sign=False) == "99" and percent(1.0, 1, sign=False) == "100.0"

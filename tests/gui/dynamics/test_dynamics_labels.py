"""What is written on the dynamics plots never hides them or gets cut: the
"1e-3 rule of thumb" sits under the curves at the left of its line, and the
colour bars' captions shorten to a whole wording in a narrow view."""
from __future__ import annotations

import pytest

from gui.dynamics.dynamics_view import DynamicsView
from tests.gui.dynamics.report_factory import make_reports


@pytest.fixture
def make_view(qtbot):
    def make(width: int) -> DynamicsView:
        widget = DynamicsView()
        qtbot.addWidget(widget)
        widget.resize(width, 600)
        widget.show()
        qtbot.waitExposed(widget)
        widget.add_reports(make_reports(steps=200, ratio=1e-3))
        qtbot.waitUntil(lambda: not widget.pending, timeout=5000)
        return widget
    return make


def test_the_rule_of_thumb_label_lies_under_the_curves_at_the_left(make_view):
    view = make_view(900)
    plots = view.series_plots
    label = plots.rule_label
    assert label.zValue() < min(curve.zValue() for curve in plots.curves["ratio"])
    lo, hi = view.x_range
    assert label.pos().x() <= lo + 0.1 * (hi - lo)          # where updates are usually larger
    assert label.pos().y() == -3.0                          # on its line (log10 of 1e-3)


@pytest.mark.parametrize("width", [560, 900])
def test_the_colour_bar_captions_are_whole_wordings(make_view, width):
    view = make_view(width)
    for plot, noun in ((view.weights, "weights"), (view.gradients, "gradients")):
        shown = plot.caption.shown_text()
        assert shown.startswith(noun) or shown == "per bin"
        assert "…" not in shown
        assert plot.caption.fontMetrics().horizontalAdvance(shown) <= plot.caption.width()

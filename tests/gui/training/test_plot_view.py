"""The training curves as a learner reads and handles them: a legend that
says what the per-epoch points are, accuracy in % on its axis, axes without
an SI prefix, a wheel zoom that a double-click (or the "Reset zoom" button)
undoes, and a legend that neither clips nor overlaps from a narrow panel to
a wide one."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.training.reports import EpochReport, StepReport
from gui.training.plot_parts import PercentAxis
from gui.training.plot_view import X_PADDING
from gui.training.plots import LEGEND_TIP, TrainingPlots
from gui.widgets.theme import get_theme


def _fill(plots: TrainingPlots, epochs: int = 3, per_epoch: int = 100) -> None:
    """A run whose accuracy climbs from 10 % to ~97 % (test 94.6 % after epoch 1)."""
    total = epochs * per_epoch
    plots.start_run(epochs, total)
    plots.add_steps([StepReport(s, total, (s - 1) // per_epoch + 1, s / per_epoch,
                                2.3 / (1 + s / 20), min(0.97, 0.1 + s / 100), 0.05, 1000.0, 0.0)
                     for s in range(1, total + 1)])
    for e, (train, test) in enumerate([(0.76, 0.946), (0.93, 0.964), (0.955, 0.972)], 1):
        plots.add_epoch(EpochReport(e, epochs, 0.7 / e, train, 0.2 / e, test, 1.0))
    plots.redraw()


@pytest.fixture
def plots(qtbot):
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(560, 480)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _axis_strings(axis) -> list[str]:
    """The tick labels an axis draws for its current range and size."""
    lo, hi = axis.range
    length = axis.height() if axis.orientation in ("left", "right") else axis.width()
    return [text for spacing, values in axis.tickValues(lo, hi, length)
            for text in axis.tickStrings(values, axis.autoSIPrefixScale, spacing)]


def _wheel(widget, steps: int) -> None:
    """Scroll ``steps`` notches (positive: zoom in) over the middle of a plot."""
    viewport = widget.viewport()
    pos = QPointF(viewport.width() / 2, viewport.height() / 2)
    event = QWheelEvent(pos, QPointF(viewport.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def test_the_legend_says_what_the_train_and_test_points_are(plots):
    assert plots.legend.texts() == ["each batch", "batches (smoothed)",
                                    "train (average over the epoch)", "test (end of epoch)"]
    assert "sits below test" in plots.legend.toolTip() and plots.legend.toolTip() == LEGEND_TIP
    titles = [p.getPlotItem().titleLabel.text for p in
              (plots.loss_plot, plots.accuracy_plot, plots.lr_plot)]
    assert titles == ["Loss (log scale)", "Accuracy", "Learning rate"]


def test_accuracy_is_shown_in_percent(plots):
    _fill(plots)
    axis = plots.accuracy_plot.getPlotItem().getAxis("left")
    strings = _axis_strings(axis)
    assert strings and all(s.endswith(" %") for s in strings), strings
    assert "100 %" in strings and "20 %" in strings     # the data span ~10 % to 97 %
    percent = PercentAxis("left")
    assert percent.tickStrings([-0.0, 0.9, 0.905], 1.0, 0.005) == ["0.0 %", "90.0 %", "90.5 %"]
    assert percent.tickStrings([0.0, 0.5, 1.0], 1.0, 0.1) == ["0 %", "50 %", "100 %"]


def test_no_axis_uses_an_si_prefix_and_the_empty_plot_spans_one_epoch(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(300, 480)
    plots.show()
    qtbot.waitExposed(plots)
    lo, hi = plots.view.shown_range()
    assert lo == pytest.approx(-X_PADDING) and hi == pytest.approx(1 + X_PADDING)
    _wheel(plots.lr_plot, 4)       # zoom in on the middle of the epoch: every x below 1
    lo, hi = plots.view.shown_range()
    assert 0 < lo < hi < 1
    bottom = plots.lr_plot.getPlotItem().getAxis("bottom")
    assert re.sub("<[^>]*>", "", bottom.labelString()).strip() == "epoch"   # not "(x0.001)"
    for plot in (plots.loss_plot, plots.accuracy_plot, plots.lr_plot):
        for name in ("left", "bottom"):
            assert plot.getPlotItem().getAxis(name).autoSIPrefixScale == 1.0
    strings = _axis_strings(bottom)
    assert strings and all(0 < float(s) < 1 for s in strings), strings     # not 200 ... 800


def test_the_wheel_zooms_and_a_double_click_shows_the_whole_run_again(plots, qtbot):
    _fill(plots)
    full = plots.view.full_range
    assert full == pytest.approx((-3 * X_PADDING, 3 + 3 * X_PADDING))
    button = plots.view.reset_button
    assert not button.isEnabled() and button.toolTip().startswith("Show the whole run again")
    _wheel(plots.loss_plot, 3)
    lo, hi = plots.view.shown_range()
    assert hi - lo < 0.8 * (full[1] - full[0])
    assert plots.view.is_zoomed() and button.isEnabled()
    # the other plots follow (shared x axis); y stays automatic
    acc_x = plots.accuracy_plot.getPlotItem().getViewBox().viewRange()[0]
    assert acc_x == pytest.approx([lo, hi], abs=1e-6)
    acc_y = plots.accuracy_plot.getPlotItem().getViewBox().viewRange()[1]
    # double-click on another plot: everything back
    centre = plots.accuracy_plot.viewport().rect().center()
    QTest.mouseDClick(plots.accuracy_plot.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, centre)
    qtbot.waitUntil(lambda: not plots.view.is_zoomed(), timeout=2000)
    assert plots.view.shown_range() == pytest.approx(full)
    assert not button.isEnabled()
    assert plots.accuracy_plot.getPlotItem().getViewBox().viewRange()[1] == pytest.approx(acc_y)


def test_the_reset_button_shows_the_whole_run_and_zoom_never_leaves_it(plots, qtbot):
    _fill(plots)
    full = plots.view.full_range
    for _ in range(4):
        _wheel(plots.lr_plot, -3)                # zoom out as far as it goes: the run, no more
        lo, hi = plots.view.shown_range()
        assert lo >= full[0] - 1e-9 and hi <= full[1] + 1e-9
    _wheel(plots.lr_plot, 2)
    assert plots.view.reset_button.isEnabled()
    QTest.mouseClick(plots.view.reset_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not plots.view.reset_button.isEnabled(), timeout=2000)
    assert plots.view.shown_range() == pytest.approx(full)
    # a new run gets its own full range, shown whole
    _wheel(plots.loss_plot, 3)
    plots.start_run(5)
    assert plots.view.shown_range() == pytest.approx((-5 * X_PADDING, 5 + 5 * X_PADDING))
    assert not plots.view.is_zoomed()


@pytest.mark.parametrize("size", [(300, 480), (560, 480), (1400, 900)])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_legend_neither_clips_nor_overlaps(qtbot, size, theme):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.apply_theme(get_theme(theme))
    plots.resize(*size)
    plots.show()
    qtbot.waitExposed(plots)
    _fill(plots)
    legend, button = plots.legend, plots.view.reset_button
    rects = legend.entry_rects(legend.width())
    assert len(rects) == 4
    for i, a in enumerate(rects):
        assert a.right() < legend.width() and a.bottom() < legend.height()    # all shown
        assert not any(a.intersects(b) for b in rects[i + 1:])                # none on another
    assert legend.height() >= legend.heightForWidth(legend.width())
    on_plots = [legend.geometry(), button.geometry(), plots.loss_plot.geometry()]
    assert not on_plots[0].intersects(on_plots[2]) and not on_plots[1].intersects(on_plots[2])
    assert not on_plots[0].intersects(on_plots[1])
    assert QRect(0, 0, plots.width(), plots.height()).contains(button.geometry())
    # one line when wide, more when narrow
    lines = len({r.y() for r in rects})
    assert (lines == 1) == (size[0] >= 1400)


def test_the_loss_axis_writes_plain_numbers_never_powers():
    from gui.training.plot_parts import LogAxis
    axis = LogAxis("left")
    shown = axis.logTickStrings([-1.0, 0.0, 0.30103, 1.0, 1.30103, 0.5], 1, 1)
    assert shown == ["0.1", "1", "2", "10", "20", ""]

"""A curve that only grows is drawn as a frozen part, re-set a few times per
run, and a live end re-set on every redraw: what is shown is always the
whole curve, and a redraw only touches the strip where it grows."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from engine.training.reports import StepReport
from gui.training.growing_curve import FOLD_SHARE, GrowingCurve
from gui.training.plots import TrainingPlots


def _curve(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    item = plot.getPlotItem()
    return GrowingCurve(item, lambda: item.plot(pen="r")), item, plot


def test_the_whole_curve_is_shown_and_the_frozen_part_is_rarely_re_set(qtbot):
    curve, item, _plot = _curve(qtbot)
    assert item.listDataItems()[0] is curve.tail          # the live part comes first
    x = np.linspace(0.0, 3.0, 3001)
    y = np.sin(x)
    frozen_sets = []
    curve.frozen.sigPlotChanged.connect(lambda *_: frozen_sets.append(1))
    for n in range(2, 3002, 7):
        curve.set_data(x[:n], y[:n], 3.0)
        shown_x, shown_y = curve.getData()
        np.testing.assert_array_equal(shown_x, x[:n])
        np.testing.assert_array_equal(shown_y, y[:n])
        tail_x, _ = curve.tail.getData()
        assert tail_x[-1] - tail_x[0] <= FOLD_SHARE * 3.0 + 7 * 0.001   # a narrow strip
    assert 1 / FOLD_SHARE - 2 <= curve.folds <= 1 / FOLD_SHARE
    assert len(frozen_sets) == curve.folds


def test_a_changed_curve_is_shown_afresh(qtbot):
    curve, _item, _plot = _curve(qtbot)
    x = np.arange(400.0)
    curve.set_data(x, x * 2, 400.0)
    assert curve.folds == 1
    curve.set_data(x[::2], x[::2] * 3, 400.0)    # not an extension of what was shown
    np.testing.assert_array_equal(curve.getData()[1], x[::2] * 3)
    curve.clear()
    assert curve.getData()[0] is None or len(curve.getData()[0]) == 0


def test_points_that_may_still_move_are_never_frozen(qtbot):
    curve, _item, _plot = _curve(qtbot)
    x = np.arange(100.0)
    curve.set_data(x, x, 100.0, stable=90)
    frozen_x, _ = curve.frozen.getData()
    assert frozen_x[-1] == 89.0
    moved = x.copy()
    moved[95:] += 0.5                                # the unstable end changed
    curve.set_data(moved, moved, 100.0, stable=90)
    np.testing.assert_array_equal(curve.getData()[0], moved)
    assert curve.folds == 1


def test_the_training_plots_redraw_only_the_growing_end(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    total = 3000
    plots.start_run(3, total)
    for start in range(1, total, 50):
        plots.add_steps([StepReport(i, total, 1 + (i - 1) // 1000, i / 1000, 1.0 / i, 0.5, 0.1,
                                    1000.0, i * 0.01) for i in range(start, start + 50)])
        plots.redraw()
    for curve in (plots.batch_loss_curve, plots.smooth_loss_curve, plots.smooth_acc_curve,
                  plots.lr_curve):
        tail_x, _ = curve.tail.getData()
        assert tail_x[-1] == 3.0                                # the newest step
        assert tail_x[-1] - tail_x[0] <= 2 * FOLD_SHARE * 3.0
        assert 1 / FOLD_SHARE - 3 <= curve.folds <= 1 / FOLD_SHARE + 4
    curve = plots.batch_loss_curve      # (shown downsampled: compare the data it holds)
    held = np.concatenate([curve.frozen.xData, curve.tail.xData[1:]])
    np.testing.assert_array_equal(held, plots.loss_points()[0])
    x, _ = curve.getData()
    assert x[-1] == 3.0 and np.all(np.diff(x) >= 0)
    smooth_x, _ = plots.smooth_loss_curve.getData()
    assert 250 <= len(smooth_x) <= 501 and smooth_x[-1] == x[-1]


def test_thinning_keeps_the_points_kept_so_far_until_the_length_doubles():
    from gui.training.growing_curve import thinned
    x = np.arange(5000.0)
    xs, _, final = thinned(x[:500], x[:500], 500)
    assert len(xs) == final == 500                               # all of them
    before, _, final = thinned(x[:1201], x[:1201], 500)          # stride 4 (301 kept + newest)
    assert final == 301 and len(before) == 301 and before[-1] == 1200
    after, _, final = thinned(x[:1203], x[:1203], 500)
    assert final == 301 and after[-1] == 1202                    # the newest, not final
    np.testing.assert_array_equal(after[:final], before[:final])
    xs, _, final = thinned(x, x, 500)                            # stride 16, and the newest
    assert np.all(np.diff(xs[:final]) == 16) and final == 313 and xs[-1] == 4999


def test_the_live_part_is_a_bare_curve_in_the_frozen_parts_pen(qtbot):
    """The live end is re-set on every redraw, so it is a plain curve item
    (no data checks, downsampling or signals of its own) drawn like the
    rest of the curve, and it keeps its own copy of the points."""
    curve, item, _plot = _curve(qtbot)
    assert type(curve.tail) is pg.PlotCurveItem and curve.tail in item.items
    assert curve.tail.opts["pen"].color() == pg.mkPen(curve.frozen.opts["pen"]).color()
    x, y = np.arange(10.0), np.ones(10)
    curve.set_data(x, y, 1000.0)                  # all of it live (nothing folds)
    assert curve.folds == 0
    y[:] = 5.0                                    # the caller's buffer, reused
    np.testing.assert_array_equal(curve.getData()[1], np.ones(10))
    curve.setPen(pg.mkPen("g"))
    assert curve.tail.opts["pen"].color() == pg.mkPen(curve.frozen.opts["pen"]).color() \
        == pg.mkColor("g")


def test_a_raw_per_step_curve_keeps_a_downsampling_live_part(qtbot):
    """The batch loss's live part may hold thousands of points in a long
    run: it stays a data item made like the frozen one (downsampled)."""
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    batch, smooth = plots.batch_loss_curve, plots.smooth_loss_curve
    assert isinstance(batch.tail, pg.PlotDataItem) and batch.tail.opts["autoDownsample"]
    assert type(smooth.tail) is pg.PlotCurveItem
    item = plots.loss_plot.getPlotItem()
    assert item.listDataItems().index(batch.tail) < item.listDataItems().index(batch.frozen)

"""The live training curves: markers per run, and each plot redrawn at most
at its own rate (painting is what costs while training)."""
from __future__ import annotations

import time

from engine.training.reports import EpochReport, StepReport
from gui.training.plots import REDRAW_PERIOD_S, TrainingPlots


def _steps(start, n, total=1000):
    return [StepReport(i, total, 1, i / 100, 1.0 / i, 0.5, 0.1, 1000.0, i * 0.01)
            for i in range(start, start + n)]


def test_plots_epoch_markers_are_cleared_by_a_new_run(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.start_run(3, 300)
    plots.add_steps(_steps(1, 100, 300))
    plots.add_epoch(EpochReport(1, 3, 0.5, 0.8, 0.4, 0.85, 1.0))
    plots.redraw()
    assert len(plots.test_loss_curve.getData()[0]) == 1
    assert len(plots.test_acc_curve.getData()[0]) == 1
    plots.start_run(2, 200)
    plots.add_steps(_steps(1, 10, 200))
    plots.redraw()
    x, _ = plots.test_loss_curve.getData()
    assert x is None or len(x) == 0
    x, _ = plots.test_acc_curve.getData()
    assert x is None or len(x) == 0


def test_plots_redraw_each_plot_at_most_at_its_rate(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.start_run(1, 100_000)
    before = dict(plots.redraws)
    t0 = time.perf_counter()
    for i in range(12):            # new data every ~50 ms
        plots.add_steps(_steps(5 * i + 1, 5, 100_000))
        qtbot.wait(50)
    qtbot.waitUntil(lambda: not plots.pending, timeout=5000)
    elapsed = time.perf_counter() - t0
    drawn = {name: plots.redraws[name] - before[name] for name in before}
    assert drawn["loss"] >= 2                                         # it does animate
    for name, period in REDRAW_PERIOD_S.items():                      # but never faster
        assert drawn[name] <= elapsed / period + 1, (name, drawn[name], elapsed)
    assert plots.step_count == 60
    assert len(plots.batch_loss_curve.getData()[0]) == 60  # the last redraw has every point


def test_the_per_batch_legend_sample_reads_on_a_dark_background(qtbot):
    """The raw batch loss is a faint colour (35 % over the background): its
    legend sample is a zigzag like the curve, tall and long enough to see,
    where a straight 1.5 px line of that colour all but vanished in dark."""
    from PySide6.QtGui import QColor, QPalette

    from gui.training.plot_legend import MARK_WIDTH, CurveLegend
    from gui.training.plots import legend_entries
    from gui.widgets.theme import DARK
    background = QColor(DARK.surface_alt)
    legend = CurveLegend(legend_entries(DARK.surface_alt))
    legend.set_text_color(DARK.text)
    palette = legend.palette()
    palette.setColor(QPalette.ColorRole.Window, background)
    legend.setPalette(palette)
    legend.setAutoFillBackground(True)
    qtbot.addWidget(legend)
    legend.resize(700, 60)
    legend.show()
    qtbot.waitExposed(legend)
    image = legend.grab().toImage()
    rect = legend.entry_rects(legend.width())[0]

    def inked(x, y):
        c = image.pixelColor(x, y)
        return abs(c.red() - background.red()) + abs(c.green() - background.green()) \
            + abs(c.blue() - background.blue()) > 24
    ink = [(x, y) for x in range(rect.x(), rect.x() + MARK_WIDTH)
           for y in range(rect.y(), rect.y() + rect.height()) if inked(x, y)]
    assert ink, "no visible sample at all"
    rows = {y for _, y in ink}
    assert max(rows) - min(rows) >= 5                  # a zigzag, not a hairline
    assert len({x for x, _ in ink}) >= MARK_WIDTH - 4  # across the whole sample

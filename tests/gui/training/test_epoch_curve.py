"""The per-epoch markers of the training plots: drawn by a lean item of
our own (pyqtgraph's symbols cost ~0.5 ms of Python per repaint), where the
points are, on screen and in an exported SVG."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from engine.training.reports import EpochReport
from gui.training.epoch_curve import MARKER_PX, EpochMarkers
from gui.training.plots import TEST_COLOR, TRAIN_COLOR, TrainingPlots
from gui.widgets.export_menu import save_svg


@pytest.fixture
def plots(qtbot):
    widget = TrainingPlots()
    qtbot.addWidget(widget)
    widget.resize(700, 520)
    widget.show()
    qtbot.waitExposed(widget)
    widget.start_run(4, 400)
    for e in (1, 2, 3):
        widget.add_epoch(EpochReport(e, 4, 0.5 / e, 0.80 + 0.05 * e, 0.6 / e, 0.78 + 0.05 * e, e))
    widget.redraw()
    qtbot.wait(30)
    return widget


def _has_colour_near(image, x: float, y: float, colour, radius: int = 2) -> bool:
    for dx in range(-radius, radius + 1):
        for dy in range(-radius, radius + 1):
            c = image.pixelColor(int(round(x)) + dx, int(round(y)) + dy)
            if max(abs(c.red() - colour[0]), abs(c.green() - colour[1]),
                   abs(c.blue() - colour[2])) <= 12:
                return True
    return False


def test_a_marker_is_painted_on_every_epoch_point(plots):
    image = plots.accuracy_plot.grab().toImage()
    view = plots.accuracy_plot.getPlotItem().getViewBox()
    for curve, colour, accuracy in ((plots.train_acc_curve, TRAIN_COLOR, 0.80),
                                    (plots.test_acc_curve, TEST_COLOR, 0.78)):
        assert len(curve.getData()[0]) == 3                      # the line's data
        for e in (1, 2, 3):
            scene = view.mapViewToScene(QPointF(e, accuracy + 0.05 * e))
            at = plots.accuracy_plot.mapFromScene(scene)
            assert _has_colour_near(image, at.x(), at.y(), colour), (e, colour)


def _assert_box_holds_the_markers(markers):
    box = markers.boundingRect()
    px, py = markers.pixelVectors()
    half_x, half_y = 0.5 * MARKER_PX * abs(px.x()), 0.5 * MARKER_PX * abs(py.y())
    for x, y in markers.points:
        assert box.left() <= x - half_x and box.right() >= x + half_x
        assert box.top() <= y - half_y and box.bottom() >= y + half_y


def test_the_markers_box_holds_every_point_and_half_a_marker_at_any_zoom(plots, qtbot):
    markers = plots.test_acc_curve.markers
    _assert_box_holds_the_markers(markers)
    plots.accuracy_plot.getPlotItem().getViewBox().setYRange(0.0, 10.0, padding=0)
    qtbot.wait(20)                                  # zoomed out: a pixel spans more data
    _assert_box_holds_the_markers(markers)


def test_points_that_are_not_finite_get_no_marker():
    markers = EpochMarkers((255, 0, 0), "s")
    markers.set_points([1.0, 2.0, 3.0], [0.5, np.nan, np.inf])
    assert markers.points.tolist() == [[1.0, 0.5]]
    markers.set_points([], [])
    assert markers.boundingRect().isEmpty()
    with pytest.raises(ValueError):
        EpochMarkers((255, 0, 0), "x")


def test_an_svg_export_draws_the_markers(plots, tmp_path):
    path, bare = tmp_path / "accuracy.svg", tmp_path / "bare.svg"
    assert save_svg(plots.accuracy_plot, str(path))
    plots.train_acc_curve.markers.set_points([], [])
    plots.test_acc_curve.markers.set_points([], [])
    assert save_svg(plots.accuracy_plot, str(bare))
    svg, without = path.read_text(), bare.read_text()
    # three circles (train) and three squares (test) more than the lines alone,
    # as vector shapes (not pixels)
    assert svg.count("<ellipse") == without.count("<ellipse") + 3
    assert svg.count("<rect") == without.count("<rect") + 3

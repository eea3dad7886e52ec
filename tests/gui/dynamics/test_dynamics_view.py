"""The Dynamics view of a run: heat maps that follow the engine's histogram
counts, the layer picked by clicks and keys, warnings shown as plain text,
the time-machine cursor, clearing, the themes, the export menus, and
redraws coalesced however often reports arrive."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, Qt as QtGui, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

import gui.widgets.export_menu as export_menu
from engine.training.dynamics_report import DynamicsWarning
from gui.dynamics.distribution_plot import ONE_COUNT, count_levels, heat_columns
from gui.dynamics.dynamics_view import EMPTY_TEXT, PARTS, REDRAW_PERIOD_S, DynamicsView
from gui.dynamics.layer_series_plots import PLOTS
from gui.dynamics.plot_look import layer_colour
from gui.dynamics.warnings_strip import HEALTHY_AFTER, HEALTHY_TEXT, MAX_LINES
from gui.widgets.theme import DARK, LIGHT, to_indices
from tests.gui.dynamics.report_factory import BINS, make_reports, make_warnings


@pytest.fixture
def view(qtbot):
    widget = DynamicsView()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _drawn(qtbot, view: DynamicsView) -> None:
    qtbot.waitUntil(lambda: not view.pending, timeout=5000)


def _expected_indices(counts: np.ndarray) -> np.ndarray:
    """The colour indices (1..255) a heat map of ``counts (n, bins)`` should show."""
    return to_indices(count_levels(counts.T), (0.0, 1.0))


# --------------------------------------------------------------- heat maps
def test_the_heat_maps_follow_the_counts(qtbot, view):
    reports = make_reports(steps=200, layers=3, every=5)
    view.add_reports(reports)
    _drawn(qtbot, view)
    assert view.chosen_layer == "conv1"
    image = view.weights.image.image
    assert image.shape == (BINS, 200) and image.dtype == np.uint8      # rows = bins, cols = steps
    counts = np.stack([r.layers[0].weight_counts for r in reports])     # (200, 40)
    assert np.array_equal(image, _expected_indices(counts))
    assert (image[counts.T == 0] == 1).all()                            # empty bins: black
    assert image[counts.T == counts.max()].min() == 255                # the fullest bin: top
    one = image.astype(int)
    order = counts.T.ravel().argsort(kind="stable")                     # more counts, brighter
    assert (np.diff(one.ravel()[order]) >= 0).all()
    rect = view.weights.image.mapRectToParent(view.weights.image.boundingRect())
    assert rect.left() == pytest.approx(2.5) and rect.right() == pytest.approx(1002.5)
    edges = reports[0].layers[0].weight_edges
    assert rect.top() == pytest.approx(edges[0]) and rect.bottom() == pytest.approx(edges[-1])
    grads = np.stack([r.layers[0].grad_counts for r in reports])
    assert np.array_equal(view.gradients.image.image, _expected_indices(grads))
    assert view.weights.colour_bar.texts()[1:] == ("0", "", f"{counts.max()}")


def test_count_colours_are_log_scaled_and_columns_follow_the_steps():
    t = count_levels(np.array([0, 1, 10, 100, 1000]))
    assert t[0] == 0 and t[1] == pytest.approx(ONE_COUNT) and t[-1] == pytest.approx(1.0)
    assert np.diff(t[1:]) == pytest.approx(np.full(3, (1 - ONE_COUNT) / 3))  # even per decade
    index, x0, width = heat_columns(np.array([10.0, 20.0, 30.0]))
    assert list(index) == [0, 1, 2] and (x0, width) == (5.0, 10.0)
    index, x0, width = heat_columns(np.array([1.0, 2.0, 3.0, 10.0]))   # uneven: an even grid
    assert width == pytest.approx(1.0) and len(index) == 10
    assert list(index) == [0, 1, 2, 2, 2, 2, 3, 3, 3, 3]             # the nearest sample
    assert x0 == pytest.approx(0.5)


# ---------------------------------------------------------- choosing a layer
def test_clicks_and_keys_switch_the_layer_and_its_heat_maps(qtbot, view):
    reports = make_reports(steps=200, layers=3, every=5)
    view.add_reports(reports)
    _drawn(qtbot, view)
    first = view.weights.image.image.copy()
    rect = view.legend.entry_rects(view.legend.width())[1]          # "conv2" in the legend
    QTest.mouseClick(view.legend, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center())
    assert view.chosen_layer == "conv2"
    _drawn(qtbot, view)
    shown = view.weights.image.image
    assert not np.array_equal(shown, first)
    assert np.array_equal(shown, _expected_indices(np.stack([r.layers[1].weight_counts
                                                             for r in reports])))
    assert view.series_plots.curves["ratio"][1].opts["pen"].widthF() > \
        view.series_plots.curves["ratio"][0].opts["pen"].widthF()      # drawn thick
    view.layer_combo.setFocus()
    QTest.keyClick(view.layer_combo, Qt.Key.Key_Down)
    assert view.chosen_layer == "fc"
    _drawn(qtbot, view)
    assert np.array_equal(view.weights.counts, np.stack([r.layers[2].weight_counts
                                                         for r in reports]))
    QTest.keyClick(view.layer_combo, Qt.Key.Key_Up)
    QTest.keyClick(view.layer_combo, Qt.Key.Key_Up)
    assert view.chosen_layer == "conv1"


def test_a_click_on_a_warning_chooses_its_layer(qtbot, view):
    view.add_reports(make_reports(steps=50))
    view.set_warnings(make_warnings())
    line = view.strip.lines[0]                                        # about conv2
    qtbot.waitUntil(line.isVisible)
    QTest.mouseClick(line, Qt.MouseButton.LeftButton)
    assert view.chosen_layer == "conv2"


# ------------------------------------------------------------------ warnings
def _tooltip_text(tip: str) -> str:
    document = QTextDocument()
    if QtGui.mightBeRichText(tip):          # as Qt shows a tooltip
        document.setHtml(tip)
    else:
        document.setPlainText(tip)
    return document.toPlainText().replace("\u2028", "\n")


def test_the_warnings_strip_shows_the_given_warnings_as_plain_text(qtbot, view):
    view.add_reports(make_reports(steps=HEALTHY_AFTER - 1))
    assert not view.strip.isVisible() and view.strip.texts() == []       # too early to say
    marked = DynamicsWarning("vanishing", "<b>x</b>", 7, "The gradients of <b>x</b> vanish.")
    view.set_warnings([marked])
    assert view.strip.isVisible()
    (line,) = view.strip.lines
    assert "<b>x</b>" in line.text() and "The gradients of <b>x</b> vanish." in line.text()
    assert line.marker() == "\u25bc"
    assert _tooltip_text(line.toolTip()) == "Vanishing gradients (<b>x</b>, step 7)\n" \
                                            "The gradients of <b>x</b> vanish."
    warnings = make_warnings()
    view.set_warnings(warnings)
    texts = view.strip.texts()
    assert len(texts) == 3 and all(w.message in t for w, t in zip(warnings, texts))
    assert "whole network" in texts[2]                                   # layer None


def test_many_warnings_are_summed_up_and_none_says_healthy_once_there_are_enough(qtbot, view):
    warnings = [DynamicsWarning("dead", f"layer{i}", i, f"message {i}") for i in range(6)]
    view.set_warnings(warnings)
    lines = view.strip.lines
    assert len(lines) == MAX_LINES
    assert lines[-1].text().startswith(f"{6 - MAX_LINES + 1} more warnings")
    assert "message 5" in _tooltip_text(lines[-1].toolTip())
    view.set_warnings([])
    view.add_reports(make_reports(steps=HEALTHY_AFTER - 1))
    assert not view.strip.isVisible()
    view.add_reports(make_reports(steps=1, first_step=10_000))
    assert view.strip.isVisible() and view.strip.texts() == [HEALTHY_TEXT]
    view.set_warnings(make_warnings()[:1])
    assert HEALTHY_TEXT not in view.strip.texts()


# ------------------------------------------------------ cursor, clear, empty
def test_the_cursor_line_moves_on_every_time_axis(qtbot, view):
    view.add_reports(make_reports(steps=200))
    lines = [view.weights.cursor, view.gradients.cursor] + list(view.series_plots.cursors.values())
    assert len(lines) == 5 and not any(line.isVisible() for line in lines)
    view.set_cursor_step(600)
    assert all(line.isVisible() and line.value() == 600 for line in lines)
    view.set_cursor_step(125)
    assert all(line.value() == 125 for line in lines) and view.cursor_step == 125
    view.set_cursor_step(None)
    assert not any(line.isVisible() for line in lines)


def test_clear_empties_the_view(qtbot, view):
    assert view.stack.currentWidget() is view.empty_label and view.empty_label.text() == EMPTY_TEXT
    view.add_reports(make_reports(steps=100))
    view.set_warnings(make_warnings())
    view.set_cursor_step(50)
    _drawn(qtbot, view)
    assert view.stack.currentWidget() is not view.empty_label
    view.clear()
    assert view.stack.currentWidget() is view.empty_label and view.empty_label.isVisible()
    assert len(view.series) == 0 and view.layer_combo.count() == 0 and view.chosen_layer is None
    assert not view.weights.image.isVisible() and view.weights.counts is None
    assert all(curves == [] for curves in view.series_plots.curves.values())
    assert not view.strip.isVisible() and view.strip.lines == []
    assert view.cursor_step is None and not view.pending and view.x_range is None
    assert view.legend.texts() == []


def test_a_report_that_does_not_continue_the_run_starts_a_new_one(qtbot, view):
    view.add_reports(make_reports(steps=100, layers=3))
    view.choose_layer("conv2")
    view.add_reports(make_reports(steps=30, layers=2))        # steps from 5 again, 2 layers
    assert len(view.series) == 30 and view.series.names == ["conv1", "conv2"]
    assert [view.layer_combo.itemText(i) for i in range(2)] == ["conv1", "conv2"]
    assert view.chosen_layer == "conv2"                        # kept: the new run has it too
    _drawn(qtbot, view)
    assert view.weights.image.image.shape == (BINS, 30)
    assert len(view.series_plots.curves["norm"]) == 2


# ------------------------------------------------------------- small multiples
def test_the_small_multiples_show_each_layer(qtbot, view):
    reports = make_reports(steps=200, ratio=1e-3)
    view.add_reports(reports)
    _drawn(qtbot, view)
    x, y = view.series_plots.curves["ratio"][2].getData()
    assert len(x) == 200 and np.allclose(10 ** y, [r.layers[2].update_ratio for r in reports])
    x, y = view.series_plots.curves["dead"][0].getData()
    assert np.allclose(y, [100 * r.layers[0].dead_fraction for r in reports])
    x, _ = view.series_plots.curves["dead"][2].getData()          # fc: no ReLU, no curve
    assert x is None or len(x) == 0
    lo, hi = view.series_plots.shown_y("ratio")
    assert lo <= -5 and hi >= -1                                   # the band with room around
    assert view.legend.texts() == ["conv1", "conv2", "fc"]
    first, last = view.x_range
    assert first <= 5 and 1000 < last <= 1250
    view.set_total_steps(2000)
    assert 2002.5 < view.x_range[1] <= 2002.5 + 0.02 * 2002.5   # the last markers whole


def test_every_plot_explains_itself_and_labels_its_units(view):
    plots = [view.weights.plot, view.gradients.plot] + list(view.series_plots.plots.values())
    for plot in plots:
        tip = plot.toolTip()
        assert "healthy" in tip and tip.count(". ") == 0 and tip.endswith(".")
    labels = {view.series_plots.plots[n].getPlotItem().getAxis("left").labelText for n in PLOTS}
    assert labels == {"update / weight", "\u2016gradient\u2016", "dead units (%)"}
    assert view.series_plots.plots["dead"].getPlotItem().getAxis("bottom").labelText == "step"


# ------------------------------------------------------------- theme, export
def test_a_theme_switch_restyles_plots_curves_legend_and_warnings(qtbot, view):
    view.add_reports(make_reports(steps=50))
    view.set_warnings(make_warnings())
    _drawn(qtbot, view)
    for theme in (DARK, LIGHT):
        view.apply_theme(theme)
        for plot in [view.weights.plot] + list(view.series_plots.plots.values()):
            assert plot.backgroundBrush().color().name() == theme.surface_alt
            assert plot.getPlotItem().getAxis("left").textPen().color().name() == theme.muted
        pen = view.series_plots.curves["norm"][1].opts["pen"]
        assert pen.color().getRgb()[:3] == layer_colour(1, theme.dark)
        assert view.legend.grab().toImage().pixelColor(3, 3).name() != ""   # it paints
        line = view.strip.lines[0].grab().toImage()
        assert line.pixelColor(line.width() - 3, line.height() // 2).name() == theme.banner


def _right_click_menu(qtbot, widget, pos: QPoint) -> QMenu:
    QTest.mouseClick(widget, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, pos)
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                     widget.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=2000)
    return QApplication.activePopupWidget()


def test_every_plot_has_the_export_menu(qtbot, view, monkeypatch, tmp_path):
    view.add_reports(make_reports(steps=50))
    _drawn(qtbot, view)
    plots = [view.weights.plot, view.gradients.plot] + list(view.series_plots.plots.values())
    for plot in plots:
        menu = _right_click_menu(qtbot, plot.viewport(), plot.viewport().rect().center())
        texts = [a.text() for a in menu.actions()]
        menu.close()
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=2000)
        assert export_menu.PNG_TEXT in texts and export_menu.SVG_TEXT in texts
    monkeypatch.setattr(export_menu, "ask_save_path", lambda *a: str(tmp_path / "ratio.png"))
    plot = view.series_plots.plots["ratio"]
    menu = _right_click_menu(qtbot, plot.viewport(), QPoint(30, 30))
    action = next(a for a in menu.actions() if a.text() == export_menu.PNG_TEXT)
    menu.close()
    action.trigger()
    assert (tmp_path / "ratio.png").stat().st_size > 1000


# ------------------------------------------------------------------- redraws
def test_redraws_are_coalesced_however_many_reports_arrive(qtbot, view):
    reports = make_reports(steps=1000, layers=20, every=10)
    before = dict(view.redraws)
    for start in range(0, 1000, 20):                          # 50 calls before the loop runs
        view.add_reports(reports[start:start + 20])
    assert all(view.redraws[p] == before[p] for p in PARTS)   # add_reports itself draws nothing
    _drawn(qtbot, view)
    assert {p: view.redraws[p] - before[p] for p in PARTS} == {p: 1 for p in PARTS}
    assert view.weights.image.image.shape == (BINS, 1000)
    assert len(view.series_plots.curves["ratio"]) == 20


def test_a_steady_feed_redraws_each_part_at_most_at_its_rate(qtbot, view):
    reports = make_reports(steps=300, layers=4, every=1)
    before = dict(view.redraws)
    t0 = time.perf_counter()
    for i in range(0, 300, 12):                                 # new data every ~20 ms
        view.add_reports(reports[i:i + 12])
        qtbot.wait(20)
    _drawn(qtbot, view)
    elapsed = time.perf_counter() - t0
    for part in PARTS:
        drawn = view.redraws[part] - before[part]
        assert 2 <= drawn <= elapsed / REDRAW_PERIOD_S + 1, (part, drawn, elapsed)
    assert view.weights.image.image.shape == (BINS, 300)        # the last redraw has it all


def test_a_hidden_view_draws_nothing_until_shown(qtbot, view):
    view.hide()
    view.add_reports(make_reports(steps=40))
    qtbot.wait(3 * int(REDRAW_PERIOD_S * 1000))
    assert view.pending and sum(view.redraws.values()) == 0
    view.show()
    _drawn(qtbot, view)
    assert all(view.redraws[p] == 1 for p in PARTS)

"""What keeps the window cheap while training: live-weight refreshes spread
over event-loop turns, hidden tabs re-read only when shown, text that changes
without re-layout, and plots that redraw only what changed."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QVBoxLayout, QWidget

from engine.train import EpochReport, StepReport
from gui.activations_view import OUTPUT_PANEL
from gui.layer_info import kernel_for
from gui.spread import SpreadUpdate
from gui.training_plots import TrainingPlots
from gui.widgets import TextLine

from .helpers import draw_digit


def test_spread_update_runs_one_step_per_event_loop_turn(qtbot):
    spread = SpreadUpdate()
    ran = []
    spread.start([lambda i=i: ran.append(i) for i in range(3)])
    assert ran == [] and spread.busy          # nothing runs inside start()
    with qtbot.waitSignal(spread.sigFinished, timeout=2000):
        pass
    assert ran == [0, 1, 2] and not spread.busy


def test_spread_update_start_replaces_finish_runs_cancel_drops(qtbot):
    spread = SpreadUpdate()
    ran = []
    spread.start([lambda: ran.append("old")] * 3)
    spread.start([lambda: ran.append("new")])  # a newer state supersedes the rest
    spread.append(lambda: ran.append("after"))
    with qtbot.waitSignal(spread.sigFinished, timeout=2000):
        pass
    assert ran == ["new", "after"]
    ran.clear()
    spread.start([lambda: ran.append(1), lambda: ran.append(2)])
    spread.finish()
    assert ran == [1, 2] and not spread.busy
    spread.start([lambda: ran.append(3)])
    spread.cancel()
    qtbot.wait(30)
    assert ran == [1, 2]


def _shown_confidence(window) -> str:
    return window.prediction_view.confidence_label.text()


def _perturb(model, rng):
    for layer in model.layers:
        for value in layer.params.values():
            value += rng.normal(0, 0.5, value.shape).astype(value.dtype)


def test_live_weights_refresh_every_view_over_several_turns(window, qtbot):
    window.tabs.setCurrentWidget(window.activations_view)
    draw_digit(window.canvas, 3)
    before = window.current_result()
    _perturb(window.model, np.random.default_rng(0))
    updated = []
    window.sigPanelsUpdated.connect(updated.append)
    window.notify_weights_changed()
    result = window.controller.last_result     # the model ran at once...
    assert not np.allclose(result.probabilities, before.probabilities)
    assert updated == []                       # ...the views follow, turn by turn
    qtbot.waitUntil(lambda: updated == [result], timeout=5000)
    qtbot.waitUntil(lambda: not window._spread.busy, timeout=5000)
    arrays = window.activations_view.panel_arrays()
    for name, act in result.activations.items():
        assert np.array_equal(arrays[name], act)
    assert np.allclose(arrays[OUTPUT_PANEL], result.probabilities)
    assert _shown_confidence(window) == f"{result.probabilities.max():.1%}"
    inspector = window.activations_view.inspector       # its kernel was re-read too
    assert inspector.layer is not None
    _, kernel, _ = kernel_for(window.model, inspector.layer, inspector.channel)
    assert np.array_equal(inspector.kernel, kernel)


def test_a_drawing_during_a_spread_refresh_wins(window, qtbot):
    draw_digit(window.canvas, 3)
    _perturb(window.model, np.random.default_rng(1))
    window.notify_weights_changed()
    assert window._spread.busy
    draw_digit(window.canvas, 7)                       # a synchronous update
    newest = window.current_result()
    assert not window._spread.busy                     # the stale refresh was dropped
    qtbot.wait(50)
    assert _shown_confidence(window) == f"{newest.probabilities.max():.1%}"
    assert window.prediction_view.digit_label.text() == str(newest.top_class)


def test_hidden_kernel_tab_is_reread_when_shown(window, qtbot):
    conv = next(layer for layer in window.model.layers if layer.kind == "conv")
    panel = window.kernel_view.panels[conv.name]
    old = panel.weights.copy()
    _perturb(window.model, np.random.default_rng(2))
    window.notify_weights_changed()
    qtbot.waitUntil(lambda: not window._spread.busy, timeout=5000)
    assert np.array_equal(panel.weights, old)          # hidden: not re-tiled
    window.tabs.setCurrentWidget(window.kernel_view)
    assert np.array_equal(panel.weights, conv.params["K"])


class _LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_text_line_changes_text_without_relayout(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    layout = QVBoxLayout(parent)
    line = TextLine("short", lines=2)
    layout.addWidget(line)
    parent.resize(200, 80)
    parent.show()
    qtbot.waitExposed(parent)
    qtbot.wait(20)
    spy = _LayoutRequests()
    parent.installEventFilter(spy)
    height = line.height()
    for text in ("a much longer text that wraps onto a second line", "x", "two\nlines"):
        line.setText(text)
        qtbot.wait(10)
        assert line.text() == text
    assert spy.count == 0 and line.height() == height
    assert height >= 2 * line.fontMetrics().height()


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
    from gui.training_plots import REDRAW_PERIOD_S
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show()
    plots.start_run(1, 100_000)
    drawn = []
    original = plots._redraw
    plots._redraw = lambda name: (drawn.append(name), original(name))
    t0 = time.perf_counter()
    for i in range(12):            # new data every ~50 ms
        plots.add_steps(_steps(5 * i + 1, 5, 100_000))
        qtbot.wait(50)
    qtbot.waitUntil(lambda: not any(plots._dirty.values()), timeout=5000)
    elapsed = time.perf_counter() - t0
    assert drawn.count("loss") >= 2                                   # it does animate
    for name, period in REDRAW_PERIOD_S.items():                      # but never faster
        assert drawn.count(name) <= elapsed / period + 1, (name, drawn.count(name), elapsed)
    assert plots.step_count == 60
    assert len(plots.batch_loss_curve.getData()[0]) == 60  # the last redraw has every point

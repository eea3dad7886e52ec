"""Runs in the window, driven like a learner: train a small run, scrub back
with the time machine (the prediction, the kernels and the curves' cursor
follow; "Now" returns), train a second run with another learning rate and
compare the two in the Runs tab, save run A and open it again, and replay
a saved run's checkpoints."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.data.dataset import Dataset
from engine.training.run_file import load_run
from engine.training.config import TrainConfig
from tests.support.focus_walk import collapsed, region, tab_round


@pytest.fixture(scope="module")
def small_data(mnist_data):
    return Dataset(mnist_data.train_images[:2000], mnist_data.train_labels[:2000],
                   mnist_data.test_images[:300], mnist_data.test_labels[:300])


@pytest.fixture
def window(make_window, small_data, tiny_model):
    w = make_window(tiny_model, size=(1240, 760))
    w.training_panel.set_data(small_data)
    yield w
    w.training_panel.shutdown(10_000)


def train(qtbot, window, lr: float):
    panel = window.training_panel
    panel.settings.set_config(TrainConfig(epochs=2, batch_size=32, augment=False, subset=1600,
                                          eval_subset=300, lr=lr, seed=0))
    window.tabs.setCurrentWidget(panel)
    QTest.mouseClick(panel.run_box.start_button, Qt.MouseButton.LeftButton)
    assert panel.is_training()
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=90_000)
    runs = window.runs.history.runs
    qtbot.waitUntil(lambda: len(window.runs.history.runs) == len(runs), timeout=5000)


def test_scrubbing_back_shows_the_run_as_it_was_and_now_returns(qtbot, window):
    window.draw_example(7)
    train(qtbot, window, lr=0.05)
    lab = window.runs.time_machine
    bar = lab.bar
    steps = [c.step for c in lab.checkpoints]
    assert steps[0] == 0 and steps[-1] == 100 and steps == sorted(steps) and 10 in steps
    assert bar.isVisible() and bar.count == len(steps) and bar.at_now
    trained = window.state.current_model
    now_probs = window.current_probabilities()
    bar.slider.setFocus()
    QTest.keyClick(bar.slider, Qt.Key.Key_Home)            # back to step 0
    shown = window.state.shown_model
    assert shown is window.state.visited_model and shown is not trained
    first = lab.checkpoints[0]
    for name, w in shown.get_weights().items():
        assert np.array_equal(w, first.weights[name])
    assert "time machine: step 0" in window.statusBar().model_status.text()
    start_probs = window.current_probabilities()
    assert not np.allclose(start_probs, now_probs)
    assert lab.cursor.position == pytest.approx(0.0)
    QTest.keyClick(bar.slider, Qt.Key.Key_Right)
    assert lab.cursor.position == pytest.approx(lab.checkpoints[1].epoch_fraction)
    QTest.mouseClick(bar.now_button, Qt.MouseButton.LeftButton)
    assert window.state.shown_model is trained and lab.cursor.position is None
    np.testing.assert_allclose(window.current_probabilities(), now_probs)


def test_two_runs_are_compared_saved_and_opened_again(qtbot, window, tmp_path):
    train(qtbot, window, lr=0.05)
    train(qtbot, window, lr=0.2)
    lab = window.runs
    view = lab.runs_view
    panel = window.training_panel
    panel.view_tabs.setCurrentWidget(view)
    assert len(lab.history.runs) == 2
    assert view.run_a is lab.history.runs[0] and view.run_b is lab.history.runs[1]
    assert "learning rate" in view.table.differing and "batch size" not in view.table.differing
    assert view.run_a.label.startswith("1. bench") and "lr 0.05" in view.run_a.label
    assert view.run_b.label.startswith("2. bench")
    # the two trained models are told apart by the same numbers
    assert "bench trained here in run 2 (not saved)" in window.model_status.text()
    assert "in run 1" in panel.run_box.result_label.text()    # "Back to previous model" returns to
    # save run A, then open it: it is a third run, equal to the first
    path = tmp_path / "first.run.npz"
    assert lab.save_run(view.run_a, str(path))
    qtbot.waitUntil(lambda: path.exists() and not lab.jobs, timeout=20_000)
    assert lab.open_run(str(path))
    qtbot.waitUntil(lambda: len(lab.history.runs) == 3, timeout=20_000)
    opened, first = lab.history.runs[2], lab.history.runs[0]
    assert view.run_a is opened
    np.testing.assert_array_equal(opened.loss, first.loss)
    assert [c.step for c in opened.checkpoints] == [c.step for c in load_run(path).checkpoints]
    # its checkpoints go to the time machine
    QTest.mouseClick(view.replay_button, Qt.MouseButton.LeftButton)
    bar = lab.time_machine.bar
    assert bar.count == len(opened.checkpoints) and bar.slider.value() == 0
    assert window.state.visited_model is not None


def test_the_dynamics_tab_fills_during_a_run(qtbot, window):
    train(qtbot, window, lr=0.05)
    view = window.runs.dynamics_view
    reports = window.runs.recording.dynamics
    assert reports and reports[-1].step == 100
    trained = window.state.current_model
    with_weights = [layer.name for layer in trained.layers if layer.params]
    assert [layer.layer for layer in reports[0].layers] == with_weights
    assert len(view.series) == len(reports) and view.series.names == with_weights
    window.training_panel.view_tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: not view.pending, timeout=5000)
    assert view.chosen_layer in with_weights
    assert view.stack.currentWidget() is not view.empty_label


def test_a_broken_run_file_is_refused_with_a_message(qtbot, window, tmp_path):
    bad = tmp_path / "bad.run.npz"
    bad.write_bytes(b"not a zip at all")
    shown = []
    window.sigErrorShown.connect(lambda title, text: shown.append((title, text)))
    assert window.runs.open_run(str(bad))
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert shown[0][0] == "Could not open the run" and "bad.run.npz" in shown[0][1]
    assert window.runs.history.runs == ()


def test_opening_another_model_while_back_in_time_returns_the_bar_to_now(qtbot, window,
                                                                           playground_model):
    train(qtbot, window, lr=0.05)
    bar = window.runs.time_machine.bar
    bar.go_to(1)
    assert window.state.visited_model is not None and not bar.at_now
    window.set_model(playground_model)
    assert window.state.visited_model is None and bar.at_now
    assert window.state.shown_model is playground_model
    assert window.runs.time_machine.cursor.position is None


def test_one_step_waits_while_the_time_machine_shows_the_past(qtbot, window):
    from gui.window.backprop_wiring import PAST
    window.draw_example(7)
    train(qtbot, window, lr=0.05)
    bar = window.runs.time_machine.bar
    bar.go_to(2)
    lab = window.why.backprop
    window.tabs.setCurrentWidget(lab.tab)
    controls = lab.tab.controls
    QTest.mouseClick(controls.digit_buttons[1], Qt.MouseButton.LeftButton)
    assert lab.why_not() == PAST and not controls.train_button.isEnabled()
    QTest.mouseClick(bar.now_button, Qt.MouseButton.LeftButton)
    assert lab.why_not() is None and controls.train_button.isEnabled()


def test_tab_reaches_the_time_machine_after_the_page_and_before_the_toolbar(qtbot, window):
    window.draw_example(7)
    train(qtbot, window, lr=0.05)
    bar = window.runs.time_machine.bar
    assert bar.isVisible()
    for page in (window.training_panel, window.why.backprop.tab):   # one tab made early, one late
        window.tabs.setCurrentWidget(page)
        stops = tab_round(window)
        assert collapsed([region(window, w) for w in stops]) == \
            ["left", "tab bar", "page", "under the pages", "toolbar"]
        assert any(bar is w or bar.isAncestorOf(w) for w in stops)

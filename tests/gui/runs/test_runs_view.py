"""The Runs view: two runs picked with the combo boxes, their curves overlaid
(x in epochs) and their settings side by side with the differing rows
marked; texts from runs shown literally; the run history's memory limits."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui.runs.compare_curves import run_epochs, smoothed
from gui.runs.runs_view import EMPTY, ONE_RUN, RunsView
from gui.runs.settings_table import DIFFERS_MARK
from gui.state.run_history import KEEP_CHECKPOINTS, MAX_RUNS, RunHistory
from gui.widgets.theme import get_theme

from .run_factory import make_run


@pytest.fixture
def view(qtbot):
    v = RunsView()
    qtbot.addWidget(v)
    v.apply_theme(get_theme("light"))
    v.resize(900, 560)
    v.show()
    qtbot.waitExposed(v)
    return v


def table_rows(view):
    t = view.table
    return {t.item(r, 0).text(): (t.item(r, 1).text(), t.item(r, 2).text())
            for r in range(t.rowCount())}


def test_empty_and_single_run_say_what_to_do(view):
    assert view.message.isVisible() and view.message.text() == EMPTY
    assert not view.save_button.isEnabled()
    view.set_runs((make_run(),))
    assert view.message.text() == ONE_RUN
    assert view.save_button.isEnabled() and view.replay_button.isEnabled()


def test_a_new_run_is_compared_with_the_one_before_and_differences_are_marked(view):
    a, b = make_run("1. tiny", lr=0.05), make_run("2. tiny", lr=0.2, final=0.9, seed=1)
    view.set_runs((a,))
    view.set_runs((a, b))
    assert view.run_a is a and view.run_b is b and not view.message.isVisible()
    rows = table_rows(view)
    assert rows[DIFFERS_MARK + "learning rate"] == ("0.05", "0.2")
    assert rows[DIFFERS_MARK + "test accuracy"] == ("95.00%", "90.00%")
    assert rows["batch size"] == ("64", "64")           # the same: not marked
    assert "learning rate" in view.table.differing and "batch size" not in view.table.differing
    bold = view.table.item(list(rows).index(DIFFERS_MARK + "learning rate"), 1).font().bold()
    assert bold


def test_the_curves_follow_the_picked_runs(qtbot, view):
    a, b, c = make_run("a"), make_run("b", epochs=3, seed=2), make_run("c", epochs=1, seed=3)
    view.set_runs((a, b, c))
    view.choose(0, 2)
    loss_b = view.curves.curves[("loss", "B")]
    x, _ = loss_b.getData()
    assert x[-1] == pytest.approx(1.0)                 # c: one epoch
    view.pick_b.setFocus()
    QTest.keyClick(view.pick_b, Qt.Key.Key_Up)          # the keyboard picks b
    assert view.run_b is b
    x, y = loss_b.getData()
    assert x[-1] == pytest.approx(3.0) and len(x) == len(b.steps)
    np.testing.assert_allclose(y, np.log10(smoothed(b.loss)))
    acc_a = view.curves.curves[("accuracy", "A")].getData()
    np.testing.assert_allclose(acc_a[1], a.epoch_test_accuracy)


def test_run_epochs_and_smoothing():
    run = make_run(epochs=2, steps_per_epoch=50)
    assert run_epochs(run)[49] == pytest.approx(1.0)
    values = np.r_[np.zeros(100), np.ones(100)]
    s = smoothed(values)
    assert len(s) == 200 and s[0] == 0 and s[-1] == pytest.approx(1) and 0 < s[100] < 1


def test_labels_from_files_are_shown_literally(view):
    evil = make_run("<img src=/dev/zero><b>bold</b>")
    view.set_runs((evil, make_run("2")))
    view.choose(0, 1)
    assert view.pick_a.currentText().endswith(" · <img src=/dev/zero><b>bold</b>")
    assert view.table.item(0, 0).text()            # the table holds plain items


def test_save_and_time_machine_buttons_hand_over_run_a(qtbot, view):
    a, b = make_run("a"), make_run("b", checkpoints=0)
    view.set_runs((a, b))
    view.choose(1, 0)
    assert not view.replay_button.isEnabled()       # b kept no checkpoints
    saved, replayed = [], []
    view.sigSave.connect(saved.append)
    view.sigReplay.connect(replayed.append)
    QTest.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    view.choose(0, 1)
    QTest.mouseClick(view.replay_button, Qt.MouseButton.LeftButton)
    assert saved == [b] and replayed == [a]


def test_history_keeps_checkpoints_of_the_newest_runs_only(qtbot):
    history = RunHistory()
    changes = []
    history.sigChanged.connect(lambda: changes.append(1))
    runs = [make_run(str(i), checkpoints=2) for i in range(KEEP_CHECKPOINTS + 2)]
    for run in runs:
        history.add(run)
    kept = history.runs
    assert len(changes) == len(runs)
    assert all(len(r.checkpoints) == 2 for r in kept[-KEEP_CHECKPOINTS:])
    assert all(r.checkpoints == () for r in kept[:-KEEP_CHECKPOINTS])
    assert [r.label for r in kept] == [r.label for r in runs]     # curves and labels stay


def test_history_forgets_the_oldest_beyond_the_limit(qtbot):
    history = RunHistory()
    for i in range(MAX_RUNS + 3):
        history.add(make_run(str(i), checkpoints=0, epochs=1, steps_per_epoch=5))
    assert len(history.runs) == MAX_RUNS and history.runs[0].label == "3"


def test_a_run_of_a_preset_rebuilt_in_the_editor_is_named_by_the_preset():
    from engine.nn import presets
    from engine.nn.model import Model
    from engine.training.config import TrainConfig
    from gui.window.run_recording import run_label
    config = presets.build("bench", np.random.default_rng(0)).config()
    config["metadata"] = {}
    rebuilt = Model.from_config(config)
    assert run_label(2, rebuilt, TrainConfig(epochs=1, lr=0.05)) == \
        "2. bench · sgd lr 0.05 · batch 64 · 1 epoch"
    config["layers"][0]["out_channels"] = 8                             # an edited conv1
    config["layers"][3]["in_channels"] = 8
    assert run_label(3, Model.from_config(config), TrainConfig()).startswith("3. custom ·")


def test_a_narrow_view_puts_the_settings_under_the_curves(qtbot, view):
    """Beside the curves in a narrow view the two run columns would wrap every
    value word by word; under them the table gets the whole width (and goes
    back beside them when the view is wide again)."""
    from PySide6.QtCore import QPoint
    view.set_runs((make_run("1. tiny", lr=0.05), make_run("2. tiny", lr=0.2, seed=1)))
    table, curves = view.table, view.curves
    assert view.splitter.orientation() == Qt.Orientation.Horizontal        # 900 px wide
    assert table.mapTo(view, QPoint(0, 0)).x() >= curves.width()
    view.resize(520, 560)
    qtbot.waitUntil(lambda: view.splitter.orientation() == Qt.Orientation.Vertical)
    qtbot.waitUntil(lambda: table.width() >= view.width() - 20)
    assert table.mapTo(view, QPoint(0, 0)).y() >= curves.mapTo(view, QPoint(0, 0)).y() \
        + curves.height()
    assert curves.height() >= table.height() > 80        # the curves keep the larger part
    assert curves.side_by_side                           # wide and low: loss | accuracy
    loss, accuracy = curves.loss_plot, curves.accuracy_plot
    qtbot.waitUntil(lambda: accuracy.mapTo(view, QPoint(0, 0)).x()
                    >= loss.mapTo(view, QPoint(0, 0)).x() + loss.width())
    assert accuracy.getPlotItem().viewRange()[0][1] > 1.0    # the last epoch's marker: inside
    for column in (1, 2):
        assert table.columnWidth(column) >= 150
    view.resize(1000, 560)
    qtbot.waitUntil(lambda: view.splitter.orientation() == Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: abs(curves.width() - 1.5 * table.width()) <= 0.2 * view.width())
    assert not curves.side_by_side                       # tall: loss over accuracy again


def test_a_run_stopped_mid_epoch_says_its_accuracy_is_its_last_epoch_s(view):
    from dataclasses import replace
    whole = make_run("1. tiny", epochs=2, steps_per_epoch=50, final=0.95)
    stopped = replace(whole, label="2. tiny", steps=whole.steps[:74], loss=whole.loss[:74],
                      accuracy=whole.accuracy[:74], lr=whole.lr[:74],
                      epoch_test_accuracy=whole.epoch_test_accuracy[:1],
                      epoch_test_loss=whole.epoch_test_loss[:1],
                      epoch_train_loss=whole.epoch_train_loss[:1], finished_reason="stopped")
    view.set_runs((whole, stopped))
    rows = table_rows(view)
    assert rows[DIFFERS_MARK + "test accuracy"] == \
        ("95.00%", "90.00% after epoch 1, 24 steps before the end")
    titles = [view.pick_a.itemText(i) for i in range(view.pick_a.count())]
    assert "1. 95.00% · tiny" in titles and "2. 90.00% (epoch 1) · tiny" in titles

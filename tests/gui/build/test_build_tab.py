"""The "Build" tab in the window: it starts from the open model's network,
Ctrl+Z in it undoes edits (not the canvas' strokes), and "Train it" trains
the edited network with the Training tab's settings; the trained model's
config is the edited architecture."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.data.dataset import Dataset
from engine.training.config import TrainConfig


@pytest.fixture(scope="module")
def small_data(mnist_data):
    return Dataset(mnist_data.train_images[:3000], mnist_data.train_labels[:3000],
                   mnist_data.test_images[:500], mnist_data.test_labels[:500])


@pytest.fixture
def window(make_window, small_data):
    w = make_window(size=(980, 640))
    w.training_panel.set_data(small_data)
    yield w
    w.training_panel.shutdown(10_000)
    w.why.build.editor.shutdown(10_000)


def editor_of(window):
    return window.why.build.editor


def test_the_build_tab_starts_from_the_open_model(window):
    editor = editor_of(window)
    assert window.tabs.tabText(window.tabs.indexOf(editor)) == "Build"
    wanted = [layer["name"] for layer in window.state.current_model.config()["layers"]]
    assert [layer["name"] for layer in editor.layers] == wanted
    assert editor.check.valid and editor.summary.train_button.isEnabled()


def test_ctrl_z_in_the_editor_undoes_edits_not_strokes(qtbot, window):
    editor = editor_of(window)
    window.draw_example(3)
    qtbot.waitUntil(lambda: window.canvas.can_undo())
    strokes = len(window.canvas.strokes())
    window.tabs.setCurrentWidget(editor)
    maps = editor.list.rows[0].spins["out_channels"]
    QTest.mouseClick(maps, Qt.MouseButton.LeftButton)
    before = maps.value()
    QTest.keyClick(maps, Qt.Key.Key_Up)
    assert editor.layers[0]["out_channels"] == before + 1
    QTest.keyClick(maps, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.layers[0]["out_channels"] == before
    assert len(window.canvas.strokes()) == strokes          # the drawing is untouched


def test_train_it_trains_the_edited_network(qtbot, window):
    panel, editor = window.training_panel, editor_of(window)
    panel.settings.set_config(TrainConfig(epochs=1, batch_size=32, augment=False, subset=300,
                                          eval_subset=200, lr=0.05))
    window.tabs.setCurrentWidget(editor)
    editor.start_combo.setCurrentIndex(editor.start_combo.findData("tiny"))
    QTest.mouseClick(editor.start_button, Qt.MouseButton.LeftButton)
    assert [layer["name"] for layer in editor.layers][3] == "conv2"
    row = editor.list.rows[3]
    editor.scroll.ensureWidgetVisible(row)
    QTest.mouseClick(row.type_label, Qt.MouseButton.LeftButton)
    QTest.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)   # tiny without conv2
    edited = editor.check.config()
    assert "conv2" not in [layer["name"] for layer in edited["layers"]]
    button = editor.summary.train_button
    assert button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert panel.is_training() and window.tabs.currentWidget() is panel
    assert not button.isEnabled()                             # one run at a time
    qtbot.waitUntil(lambda: not panel.is_training(), timeout=60_000)
    trained = panel.trained_model
    assert trained is not None and panel.finished_report.steps > 0
    assert trained.config()["layers"] == edited["layers"]    # the edited network is its config
    assert button.isEnabled()


def test_tab_goes_from_the_last_layer_to_train_it_after_the_rows_are_made_again(qtbot, window):
    editor = editor_of(window)
    window.tabs.setCurrentWidget(editor)
    train = editor.summary.train_button
    for added in (None, "Dropout", "Dense"):
        if added:
            editor.add_layer(added)                         # every row is made anew
            qtbot.waitUntil(lambda: editor.list.rows[-1].isVisible())
        train.setFocus()
        qtbot.waitUntil(train.hasFocus)
        QTest.keyClick(train, Qt.Key.Key_Backtab)
        last_row = editor.list.rows[-1]
        focus = QApplication.focusWidget()
        assert focus is last_row or last_row.isAncestorOf(focus), (added, type(focus).__name__)
        QTest.keyClick(focus, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is train

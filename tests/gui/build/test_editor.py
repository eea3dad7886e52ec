"""The architecture editor on its own, driven like a person would: add a
layer from the menu, remove conv2 from the bench preset (figures checked
against hand-computed values), make the network invalid and fix it, undo and
redo with the keys, move layers with Alt+Up/Down, and the measured time."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.build.editor import ArchitectureEditor
from gui.widgets.theme import get_theme

CTRL, SHIFT, ALT = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.AltModifier)
BENCH_PARAMS, BENCH_MACS = 117_066, 1_713_024


@pytest.fixture
def editor(qtbot):
    e = ArchitectureEditor()          # starts from the bench preset
    qtbot.addWidget(e)
    e.apply_theme(get_theme("light"))
    e.resize(900, 700)
    e.show()
    qtbot.waitExposed(e)
    yield e
    assert e.shutdown(10_000)


def names(editor) -> list[str]:
    return [layer["name"] for layer in editor.layers]


def click_row(qtbot, editor, name: str) -> None:
    """Click a layer's type label (selects the row, like a person would)."""
    row = editor.list.rows[names(editor).index(name)]
    editor.scroll.ensureWidgetVisible(row)
    QTest.mouseClick(row.type_label, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.selected == names(editor).index(name))


def type_value(qtbot, spin, text: str) -> None:
    """Select the spin box's text, type ``text`` and press Enter."""
    QTest.mouseClick(spin, Qt.MouseButton.LeftButton)
    spin.selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


def totals(editor) -> tuple[int, int]:
    return editor.check.summary.num_params, editor.check.summary.macs


def test_it_starts_from_the_bench_preset_with_the_engine_figures(editor):
    assert names(editor)[:4] == ["conv1", "relu1", "pool1", "conv2"]
    assert totals(editor) == (BENCH_PARAMS, BENCH_MACS)
    assert "117,066 parameters" in editor.summary.totals.text()
    first = editor.list.rows[0].figures.text()
    assert "16 \u00d7 28 \u00d7 28" in first and "416 parameters" in first and "313,600 MACs" in first
    assert editor.summary.train_button.isEnabled() and not editor.summary.problem.isVisible()


def test_adding_a_layer_from_the_menu_updates_the_shapes(qtbot, editor):
    click_row(qtbot, editor, "pool1")
    menu = editor.add_menu

    def choose() -> None:
        action = menu.findChild(type(menu.actions()[0]), "addConv2D")
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())

    QTimer.singleShot(300, choose)
    QTest.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(editor.layers) == 11)
    added = editor.layers[3]
    assert added["type"] == "Conv2D" and added["in_channels"] == 16     # wired to pool1's maps
    # the new 3x3 conv (pad 1) keeps 14x14 and makes 16 maps; conv2 follows it
    assert editor.list.rows[3].figures.text().startswith("\u2192 16 \u00d7 14 \u00d7 14")
    assert editor.layers[4]["in_channels"] == 16
    assert totals(editor)[0] == BENCH_PARAMS + 16 * 16 * 9 + 16
    assert editor.selected == 3


def test_removing_conv2_from_bench_gives_the_hand_computed_costs(qtbot, editor):
    click_row(qtbot, editor, "conv2")
    QTest.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert "conv2" not in names(editor)
    # conv1 16x(1x5x5)+16 = 416; pools give 16x7x7 = 784 -> fc1 784x128+128; fc2 128x10+10
    assert totals(editor)[0] == 416 + (784 * 128 + 128) + 1290 == 102_186
    # MACs: conv1 28*28*16*25, pool1 16*14*14*4, pool2 16*7*7*4, fc1 784*128, fc2 128*10
    assert totals(editor)[1] == 313_600 + 12_544 + 3_136 + 100_352 + 1_280 == 430_912
    assert "102,186 parameters" in editor.summary.totals.text()
    assert editor.layers[names(editor).index("fc1")]["in_features"] == 784
    assert editor.summary.train_button.isEnabled()


def test_an_invalid_network_explains_why_and_disables_train(qtbot, editor):
    conv2 = editor.list.rows[names(editor).index("conv2")]
    editor.scroll.ensureWidgetVisible(conv2)
    type_value(qtbot, conv2.spins["kernel_size"], "15")
    qtbot.waitUntil(lambda: not editor.check.valid)
    problem = editor.summary.problem
    assert problem.isVisible()
    assert "14\u00d714 after 'pool1'" in problem.text() and "no longer fits" in problem.text()
    assert not editor.summary.train_button.isEnabled()
    assert editor.list.rows[3].property("bad") is True
    # the bad row names itself, the rows after it name the bad row (4th)
    assert "this layer's settings do not fit" in editor.list.rows[3].figures.text()
    for row in editor.list.rows[4:]:
        assert "not worked out: fix layer 4 first" in row.figures.text()
    type_value(qtbot, conv2.spins["kernel_size"], "5")                  # fixed
    qtbot.waitUntil(lambda: editor.check.valid)
    assert not problem.isVisible() and editor.summary.train_button.isEnabled()
    assert totals(editor) == (BENCH_PARAMS, BENCH_MACS)


def test_undo_and_redo_with_the_keys_while_the_editor_has_the_focus(qtbot, editor):
    units = editor.list.rows[names(editor).index("fc1")].spins["out_features"]
    editor.scroll.ensureWidgetVisible(units)
    type_value(qtbot, units, "64")
    assert editor.layers[7]["out_features"] == 64
    assert totals(editor)[0] == BENCH_PARAMS - 64 * 801 - 64 * 10
    QTest.keyClick(units, Qt.Key.Key_Z, CTRL)
    assert editor.layers[7]["out_features"] == 128 and units.value() == 128
    assert totals(editor)[0] == BENCH_PARAMS
    QTest.keyClick(units, Qt.Key.Key_Z, CTRL | SHIFT)
    assert editor.layers[7]["out_features"] == 64 and units.value() == 64
    click_row(qtbot, editor, "relu3")
    QTest.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    assert "relu3" not in names(editor)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, CTRL)     # the row comes back
    assert names(editor)[8] == "relu3" and editor.selected == 8
    QTest.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
    assert totals(editor) == (BENCH_PARAMS, BENCH_MACS)
    assert not editor.undo_button.isEnabled() and editor.redo_button.isEnabled()


def test_clicking_an_arrow_many_times_is_one_undo_step(qtbot, editor):
    maps = editor.list.rows[0].spins["out_channels"]
    for _ in range(4):
        QTest.keyClick(maps, Qt.Key.Key_Up)
    assert editor.layers[0]["out_channels"] == 20
    assert editor.undo_stack.count() == 1
    editor.undo_stack.undo()
    assert editor.layers[0]["out_channels"] == 16 and maps.value() == 16


def test_alt_up_and_down_move_the_selected_layer(qtbot, editor):
    click_row(qtbot, editor, "relu1")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down, ALT)
    assert names(editor)[:3] == ["conv1", "pool1", "relu1"] and editor.selected == 2
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up, ALT)
    assert names(editor)[:3] == ["conv1", "relu1", "pool1"]
    # moving Flatten above conv2 breaks it, with the engine's reason
    click_row(qtbot, editor, "flatten")
    for _ in range(3):
        QTest.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)
    assert names(editor)[3] == "flatten" and not editor.check.valid
    assert "before the Flatten layer" in editor.summary.problem.text()


def test_the_time_per_epoch_is_measured(qtbot, editor):
    qtbot.waitUntil(lambda: editor.seconds_per_step is not None, timeout=30_000)
    assert editor.seconds_per_step > 0
    assert "One epoch (60,000 images, batch 64): about" in editor.summary.time_label.text()


def test_caps_are_shown_as_an_edit_approaches_them(qtbot, editor):
    assert "Well within" in editor.summary.caps.text()
    units = editor.list.rows[names(editor).index("fc1")].spins["out_features"]
    editor.scroll.ensureWidgetVisible(units)
    type_value(qtbot, units, "4000")
    # conv1 416 + conv2 16x32x25+32 + fc1 800x4000+4000 + fc2 4000x10+10
    assert totals(editor)[0] == 416 + 12_832 + 3_204_000 + 40_010 == 3_257_258
    assert editor.summary.caps.text() == "Parameters: 3,257,258 of 10,000,000 allowed (33%)"
    assert editor.summary.caps.property("close") is False
    maps = editor.list.rows[names(editor).index("conv2")].spins["out_channels"]
    editor.scroll.ensureWidgetVisible(maps)
    type_value(qtbot, maps, "80")                   # fc1: 2000 x 4000 weights
    assert editor.summary.caps.text().startswith("Parameters: 8,0")
    assert editor.summary.caps.property("close") is True
    assert editor.summary.train_button.isEnabled()
    type_value(qtbot, maps, "128")                  # over the cap: refused, with the reason
    assert not editor.check.valid and not editor.summary.train_button.isEnabled()
    assert "more than 10000000 parameters" in editor.summary.problem.text()


def _drop(editor, source: int, target_row: int, mime_text: bytes | None = None):
    """Deliver the drag-enter, drag-move and drop events a drag of row
    ``source`` onto row ``target_row`` makes (the system drag loop itself
    cannot run offscreen)."""
    from PySide6.QtCore import QMimeData, QPointF
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from gui.build.layer_list import MIME

    lst = editor.list
    row = lst.rows[target_row]
    pos = row.mapTo(lst, row.rect().center())
    mime = QMimeData()
    mime.setData(MIME, str(source).encode() if mime_text is None else mime_text)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.MoveAction
    enter = QDragEnterEvent(pos, action, mime, buttons, mods)
    QApplication.sendEvent(lst, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(lst, QDragMoveEvent(pos, action, mime, buttons, mods))
    QApplication.sendEvent(lst, QDropEvent(QPointF(pos), action, mime, buttons, mods))


def test_dropping_a_dragged_row_on_another_moves_it_there_as_one_undo_step(qtbot, editor):
    assert names(editor)[:4] == ["conv1", "relu1", "pool1", "conv2"]
    count = editor.undo_stack.count()
    _drop(editor, source=1, target_row=3)
    assert names(editor)[:4] == ["conv1", "pool1", "conv2", "relu1"]
    assert editor.undo_stack.count() == count + 1
    editor.undo_stack.undo()
    assert names(editor)[:4] == ["conv1", "relu1", "pool1", "conv2"]


def test_a_drop_of_foreign_or_broken_data_changes_nothing(qtbot, editor):
    before = names(editor)
    _drop(editor, source=0, target_row=2, mime_text=b"not a number")
    _drop(editor, source=0, target_row=2, mime_text=b"999")
    _drop(editor, source=2, target_row=2)          # onto itself
    assert names(editor) == before


def test_a_problem_names_the_settings_as_the_rows_label_them(qtbot, editor):
    editor.list.select(len(editor.list.rows) - 1)                 # the last Dense layer
    QTest.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not editor.check.valid)
    text = editor.summary.problem.text()
    assert "classes" in text and "its units" in text          # the field says "units"
    assert "out_features" not in text

"""Correcting a prediction at the prediction: real clicks on the "It's a ..."
panel and Shift+digit keys put the drawing into the samples, the gallery
and the file; previews, placed digits and empty canvases are refused."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.personal import load_personal_set
from gui.drawing.placed import MnistDigit
from gui.personal.drawing_sample import EMPTY, PLACED, PREVIEW
from gui.tools.mouse import draw_digit


def _lab(window):
    return window.why.personal


def _settled(window, qtbot):
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    window.current_result()


def test_a_wrong_answer_is_corrected_with_one_real_click(window, qtbot, personal_path):
    lab = _lab(window)
    row = window.left_column.teach_row
    assert not row.is_ready() and EMPTY in row.digit_buttons[3].toolTip()
    draw_digit(window.canvas, 3, qtbot)
    _settled(window, qtbot)
    qtbot.waitUntil(row.is_ready)
    answer = window.current_result().top_class
    label = 8 if answer != 8 else 2           # "That's wrong - it's an 8"
    QTest.mouseClick(row.digit_buttons[label], Qt.MouseButton.LeftButton)
    assert len(lab.samples) == 1
    saved = load_personal_set(personal_path)
    assert saved.labels.tolist() == [label]
    assert np.array_equal(saved.images[0, 0], window.current_result().image)
    strokes = next(iter(saved)).strokes
    assert strokes and all(s.min() >= 0 and s.max() <= 1 for s in strokes)
    said = window.statusBar().currentMessage()
    assert f"to your handwriting (1 sample; the network said {answer})." in said
    assert said.count("(") == 1                                   # one aside, not two
    assert lab.tab.gallery.sample_rect(saved.ids[0]).isValid()
    assert "1 sample" in lab.tab.counts.text()
    QTest.mouseClick(row.undo_button, Qt.MouseButton.LeftButton)   # take it out again
    assert len(lab.samples) == 0 and len(load_personal_set(personal_path)) == 0


def test_a_right_answer_is_added_as_an_example_and_shift_digit_works(window, qtbot,
                                                                     personal_path):
    draw_digit(window.canvas, 1, qtbot)
    _settled(window, qtbot)
    answer = window.current_result().top_class
    row = window.left_column.teach_row
    assert row.digit_buttons[answer].isChecked()          # the network's answer is marked
    assert "Right: add" in row.digit_buttons[answer].toolTip()
    QTest.mouseClick(row.digit_buttons[answer], Qt.MouseButton.LeftButton)
    window.canvas.clear()
    draw_digit(window.canvas, 4, qtbot)
    _settled(window, qtbot)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ShiftModifier)
    assert load_personal_set(personal_path).labels.tolist() == [answer, 4]


def test_previews_placed_digits_and_empty_canvases_are_not_handwriting(window, qtbot):
    lab = _lab(window)
    row = window.left_column.teach_row
    assert not lab.corrections.add(5) and EMPTY in window.statusBar().currentMessage()
    pixels = np.zeros((28, 28), np.uint8)
    pixels[6:22, 12:16] = 255
    window.place_test_digit(MnistDigit(pixels, 0, 1))
    _settled(window, qtbot)
    assert not row.is_ready() and PLACED in row.digit_buttons[1].toolTip()
    draw_digit(window.canvas, 1, qtbot)                  # strokes over a placed digit
    _settled(window, qtbot)
    assert not lab.corrections.add(1) and len(lab.samples) == 0
    window.canvas.clear()
    draw_digit(window.canvas, 7, qtbot)
    _settled(window, qtbot)
    window.controller.show_preview(np.zeros((1, 28, 28), np.float32) + 0.5)
    assert not row.is_ready() and PREVIEW in row.digit_buttons[0].toolTip()
    window.controller.end_preview()
    assert row.is_ready() and lab.corrections.add(7) and len(lab.samples) == 1


def test_an_unwritable_folder_is_one_clear_message_and_nothing_is_lost(
        make_window, playground_model, qtbot, tmp_path, monkeypatch, no_modal_dialogs):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setenv("CNN_PLAYGROUND_PERSONAL", str(folder / "set.npz"))
    try:
        window = make_window(playground_model)
        lab = _lab(window)
        for digit in (2, 3):
            window.canvas.clear()
            draw_digit(window.canvas, digit, qtbot)
            _settled(window, qtbot)
            assert lab.corrections.add(digit)
        if (folder / "set.npz").exists():       # running as root: the folder is writable
            return
        assert [m[:2] for m in no_modal_dialogs] == [
            ("critical", "Your handwriting samples could not be saved")]
        assert len(lab.samples) == 2 and lab.samples.unsaved
        lab.export_file(str(tmp_path / "copy.npz"))
        assert len(load_personal_set(tmp_path / "copy.npz")) == 2
    finally:
        folder.chmod(0o700)


def test_the_placed_ink_check_runs_once_per_drawing_not_per_prediction(window, qtbot, monkeypatch):
    """Every weight snapshot of a training run re-predicts the drawing; the
    check for placed ink under the strokes (a repaint of every stroke) is
    answered from the drawing's last check until the drawing changes."""
    import gui.personal.corrections as corrections_module
    calls = []
    real = corrections_module.foreign_ink
    monkeypatch.setattr(corrections_module, "foreign_ink", lambda c: calls.append(1) or real(c))
    row = window.left_column.teach_row
    draw_digit(window.canvas, 2, qtbot)
    _settled(window, qtbot)
    assert row.is_ready() and len(calls) == 1
    for _ in range(5):                       # what the weight snapshots do
        window.controller.update_now()
    assert len(calls) == 1 and row.is_ready()
    pixels = np.zeros((28, 28), np.uint8)
    pixels[6:22, 12:16] = 255
    window.place_test_digit(MnistDigit(pixels, 0, 1))
    draw_digit(window.canvas, 1, qtbot)      # strokes over the placed digit: checked again
    _settled(window, qtbot)
    assert len(calls) >= 2 and not row.is_ready()
    assert PLACED in row.digit_buttons[1].toolTip()

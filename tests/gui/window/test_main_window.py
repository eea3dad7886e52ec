"""The playground window: live prediction from real mouse strokes, clear,
undo/redo, shortcuts, activation and kernel panels, the model menu."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

import engine
from engine import save_model
from engine.nn import presets
from engine.nn.layers import Dense, Flatten
from engine.nn.metadata import ModelCard, record_test_accuracy
from engine.nn.model import Model
from gui.tools.mouse import draw_digit, drag, move, press, release, to_widget
from gui.window.main_window import MainWindow

SEVEN = [(0.30, 0.22), (0.50, 0.22), (0.70, 0.22), (0.62, 0.42), (0.54, 0.62), (0.46, 0.82)]


def test_public_constructor_opens_with_the_bundled_model(qtbot):
    window = MainWindow()          # model_path=None: bundled (or untrained fallback)
    qtbot.addWidget(window)
    assert window.model is not None
    assert window.current_probabilities() is None
    assert engine.bundled_model_path().is_file(), "the bundled model ships with the app"
    assert window.model.source == str(engine.bundled_model_path())
    assert window.startup_problem is None and not window.banner.isVisible()
    accuracy = ModelCard.read(window.model.metadata).test_accuracy
    assert accuracy is not None and accuracy > 0.99
    assert f"test accuracy {accuracy:.2%}" in window.model_status.text()


def test_probabilities_appear_during_the_stroke_and_after_release(window, qtbot):
    canvas = window.canvas
    updates = []
    window.sigPanelsUpdated.connect(lambda r: updates.append(r))
    pts = to_widget(canvas, SEVEN)
    press(canvas, pts[0])
    for p in pts[1:]:
        move(canvas, p)
        qtbot.wait(5)
    assert canvas.is_drawing()
    # live: the event loop (not a flush) has produced predictions mid-stroke
    qtbot.waitUntil(lambda: window.prediction_view.probabilities() is not None)
    live = [r for r in updates if not r.empty]
    assert len(live) >= 2, "several updates while the button is still down"
    assert window.prediction_view.placeholder.isHidden()
    release(canvas, pts[-1])
    probs = window.current_probabilities()
    assert probs.shape == (10,)
    assert probs.sum() == pytest.approx(1.0, abs=1e-5) and (probs >= 0).all()
    assert window.prediction_view.digit_label.text() == str(int(probs.argmax()))


def test_clear_gives_none_and_draw_a_digit(window, qtbot):
    draw_digit(window.canvas, 7, qtbot)
    assert window.current_probabilities() is not None
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.current_probabilities() is None
    qtbot.waitUntil(lambda: not window.prediction_view.placeholder.isHidden())
    assert window.prediction_view.placeholder.text() == "draw a digit"
    assert not window.prediction_view.bars.isVisible()
    assert all(a is None for a in window.activations_view.panel_arrays().values())
    window.canvas.undo()
    assert window.current_probabilities() is not None
    window.canvas.clear()
    assert window.current_probabilities() is None
    draw_digit(window.canvas, 1)
    QTest.keyClick(window, Qt.Key.Key_Delete)
    assert window.current_probabilities() is None


def test_undo_redo_restore_drawing_and_prediction(window, qtbot):
    canvas = window.canvas
    drag(canvas, to_widget(canvas, SEVEN))
    image_a, probs_a = canvas.to_array(), window.current_probabilities()
    drag(canvas, to_widget(canvas, [(0.35, 0.52), (0.65, 0.52)]))     # cross the 7
    image_b, probs_b = canvas.to_array(), window.current_probabilities()
    assert not np.allclose(probs_a, probs_b)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(canvas.to_array(), image_a)
    assert np.allclose(window.current_probabilities(), probs_a)
    qtbot.waitUntil(lambda: np.allclose(window.prediction_view.probabilities(), probs_a))
    QTest.keyClick(window, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert np.array_equal(canvas.to_array(), image_b)
    assert np.allclose(window.current_probabilities(), probs_b)
    assert window.undo_action.isEnabled() and not window.redo_action.isEnabled()


def test_keyboard_shortcuts_for_tools(window):
    assert not window.canvas.eraser()
    QTest.keyClick(window, Qt.Key.Key_E)
    assert window.canvas.eraser() and window.eraser_action.isChecked()
    QTest.keyClick(window, Qt.Key.Key_E)
    assert not window.canvas.eraser() and window.pen_action.isChecked()
    width = window.canvas.brush_width()
    QTest.keyClick(window, Qt.Key.Key_BracketRight)
    assert window.canvas.brush_width() > width
    assert window.brush_slider.value() == round(window.canvas.brush_width())
    QTest.keyClick(window, Qt.Key.Key_BracketLeft)
    QTest.keyClick(window, Qt.Key.Key_BracketLeft)
    assert window.canvas.brush_width() < width
    window.brush_slider.setValue(40)
    assert window.canvas.brush_width() == 40
    keys = {k.toString() for a in window.actions() for k in a.shortcuts()}
    for key in ("Ctrl+O", "Ctrl+S", "Ctrl+Z", "Ctrl+Shift+Z", "Esc", "E", "[", "]", "Ctrl+Q", "F1"):
        assert QKeySequence(key).toString() in keys, key


# ------------------------------------------------------------------ model menu
def test_corrupt_model_files_keep_the_current_model(window, tmp_path, no_modal_dialogs,
                                                    playground_model):
    draw_digit(window.canvas, 7)
    before_model, before = window.model, window.current_probabilities()
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a model" * 100)
    good = tmp_path / "good.npz"
    save_model(playground_model, good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    wrong_input = tmp_path / "wrong_input.npz"
    save_model(Model([Flatten(), Dense(32 * 32, 10, rng=np.random.default_rng(0))],
                     input_shape=(1, 32, 32)), wrong_input)
    errors = []
    window.sigErrorShown.connect(lambda title, text: errors.append(text))
    for path in (garbage, truncated, tmp_path / "missing.npz", wrong_input):
        assert window.open_model(path) is False
    assert len(errors) == 4 and len(no_modal_dialogs) == 4
    assert all(kind == "critical" for kind, _, _ in no_modal_dialogs)
    assert errors[0].startswith("garbage.npz could not be opened as a model. The current "
                                "model") and "stays loaded." in errors[0].split("\n")[0]
    assert all(text.count("\n\nDetails: ") == 1 for text in errors)   # the reason, last
    assert "expects inputs of shape (1, 32, 32)" in errors[3]
    assert window.model is before_model
    assert np.allclose(window.current_probabilities(), before)


def test_save_and_open_round_trip(window, tmp_path, no_modal_dialogs):
    draw_digit(window.canvas, 5)
    before = window.current_probabilities()
    path = tmp_path / "copy.npz"
    assert window.save_model(path)
    window.set_model(presets.build("playground", np.random.default_rng(99)))
    assert not np.allclose(window.current_probabilities(), before)
    assert window.open_model(path)
    assert window.model.source == str(path)
    assert np.allclose(window.current_probabilities(), before, atol=1e-6)
    assert "copy.npz" in window.windowTitle() and "copy.npz" in window.model_status.text()
    assert not no_modal_dialogs


def test_save_failure_is_reported(window, tmp_path, no_modal_dialogs):
    assert window.save_model(tmp_path / "no" / "such" / "dir" / "m.npz") is False
    assert no_modal_dialogs and no_modal_dialogs[0][0] == "critical"


def test_reset_goes_back_to_the_bundled_model(window, tmp_path, monkeypatch, tiny_model):
    bundled = tmp_path / "bundled.npz"
    record_test_accuracy(tiny_model.metadata, 0.9512)
    save_model(tiny_model, bundled)
    monkeypatch.setattr(engine, "bundled_model_path", lambda: bundled)
    assert window.reset_model()
    assert window.model.source == str(bundled)
    assert "95.12%" in window.model_status.text()
    assert list(window.activations_view.panels)[:3] == ["conv1", "relu1", "pool1"]


def test_missing_bundled_model_falls_back_with_a_warning(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "bundled_model_path", lambda: tmp_path / "absent.npz")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert ModelCard.read(window.model.metadata).untrained
    assert window.banner.isVisible() and "untrained" in window.banner.text()
    assert "untrained" in window.model_status.text()
    draw_digit(window.canvas, 3)
    assert window.current_probabilities().shape == (10,)


def test_bad_model_path_at_startup_falls_back_and_says_so_once(qtbot, tmp_path, monkeypatch):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"\x00" * 64)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    window = MainWindow(model_path=bad)
    qtbot.addWidget(window)
    window.show()
    assert window.startup_problem and "bad.npz" in window.startup_problem
    assert window.model.source is None or window.model.source != str(bad)
    # said once: in the banner, not also in the status bar or a dialog
    assert window.banner.isVisible() and "bad.npz" in window.banner.text()
    assert window.statusBar().currentMessage() == "" and shown == []
    assert "bad.npz" not in window.model_status.text()


def test_examples_menu_draws_digits(window):
    window.example_actions[8].trigger()
    assert not window.canvas.is_blank()
    assert window.current_probabilities() is not None
    window.canvas.undo()
    assert window.canvas.is_blank()


def test_normalise_has_a_visible_toolbar_button(window, qtbot):
    from PySide6.QtWidgets import QToolBar
    button = next(w for bar in window.findChildren(QToolBar)
                  if (w := bar.widgetForAction(window.normalise_action)) is not None)
    assert button.isVisible() and button.text() == "Normalise maps"
    assert not window.activations_view.normalise_each
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.activations_view.normalise_each and window.normalise_action.isChecked()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not window.activations_view.normalise_each


@pytest.mark.parametrize("size", [(980, 640), (1240, 760), (1900, 1150)])
def test_the_prediction_time_shows_in_the_status_bar(make_window, playground_model, qtbot, size):
    """The time of the last prediction is read out whole at the right of the
    status bar (it used to be placed past the window's right edge)."""
    from PySide6.QtCore import QPoint
    window = make_window(playground_model, size=size)
    draw_digit(window.canvas, 4)
    timing = window.timing_status
    qtbot.waitUntil(lambda: timing.text().startswith("preprocess "))
    left = timing.mapTo(window, QPoint(0, 0)).x()
    assert left >= window.width() // 2 and left + timing.width() <= window.width()
    assert timing.fontMetrics().horizontalAdvance(timing.text()) <= timing.width()
    assert timing.isVisible() and timing.width() > 0


def test_a_narrow_status_bar_shortens_the_model_line_and_keeps_the_accuracy(
        make_window, playground_model, tmp_path, qtbot):
    """The model line drops the architecture, then the parameter count, but
    keeps the file and its test accuracy; the whole line is in its tooltip."""
    record_test_accuracy(playground_model.metadata, 0.9876)
    path = tmp_path / ("my-first-handwriting-model-after-ten-epochs" + ".npz")
    save_model(playground_model, path)
    window = make_window(size=(980, 640))
    assert window.open_model(str(path))
    window.statusBar().clearMessage()          # "Opened …" hides the line for a few seconds
    status = window.model_status
    qtbot.waitUntil(lambda: path.name in status.text() and status.isVisible())
    shown = status.shown_text()
    assert shown != status.text() and "…" not in shown            # a shorter, whole wording
    assert path.name in shown and "test accuracy 98.76%" in shown
    assert status.fontMetrics().horizontalAdvance(shown) <= status.width()
    assert status.text() in status.toolTip()
    window.resize(1900, 1150)
    qtbot.waitUntil(lambda: status.shown_text() == status.text())  # room for all of it

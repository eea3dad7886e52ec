"""The "One step" tab with real clicks: a drawn 7 trained one step as 1
moves the answer towards 1 and lowers the loss, every layer shows its
gradient, undo brings the weights back bit for bit (one step at a time,
momentum included), and training is refused with the reason on the button
while a run goes or nothing is drawn."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.data.dataset import Dataset
from engine.training.config import TrainConfig
from gui.backprop.step_controls import DEFAULT_LR
from gui.window.backprop_wiring import EMPTY, TRAINING


def _lab(window):
    return window.why.backprop


def _settled(window, qtbot):
    qtbot.waitUntil(lambda: not window.controller.has_pending())
    return window.current_result()


def _weights(model) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in model.named_params().items()}


def _bit_identical(model, weights) -> bool:
    params = model.named_params()
    return params.keys() == weights.keys() and all(
        params[k].tobytes() == weights[k].tobytes() for k in params)


def _click(button) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def _train(window, qtbot, digit: int | None = None):
    lab = _lab(window)
    steps = len(lab.runner.steps)
    if digit is not None:
        _click(lab.tab.controls.digit_buttons[digit])
    _click(lab.tab.controls.train_button)
    qtbot.waitUntil(lambda: len(lab.runner.steps) == steps + 1, timeout=10_000)
    return lab.runner.steps[-1]


def _one_step(window, qtbot, drawn: int = 7, label: int = 1):
    """On the One step tab: draw example ``drawn``, train one step as ``label``."""
    lab = _lab(window)
    window.tabs.setCurrentWidget(lab.tab)
    window.draw_example(drawn)
    _settled(window, qtbot)
    _train(window, qtbot, digit=label)
    return lab


def test_a_drawn_7_trained_as_1_moves_towards_1_and_undo_restores_it(window, qtbot):
    lab = _lab(window)
    tab = lab.tab
    window.tabs.setCurrentWidget(tab)
    window.draw_example(7)
    before_result = _settled(window, qtbot)
    assert tab.controls.label() == int(np.argsort(before_result.probabilities)[-2])  # runner-up
    model = window.state.shown_model
    original = _weights(model)

    trace = _train(window, qtbot, digit=1)
    assert trace.label == 1 and tab.controls.label() == 1
    assert trace.probs_after[1] > trace.probs_before[1]
    assert trace.loss_after < trace.loss_before
    assert np.array_equal(tab.after.array, trace.probs_after)
    assert np.array_equal(tab.before.array, trace.probs_before)
    assert np.allclose(trace.probs_before, before_result.probabilities, atol=1e-6)
    assert "→" in tab.loss.text() and f"{trace.loss_after:.3f}" in tab.loss.text()
    # every layer shows a non-zero gradient of its output's shape, the answer's first
    assert list(tab.rows) == [layer.name for layer in reversed(model.layers)]
    assert tab.rows["conv1"].grad_panel.array.shape == (32, 28, 28)
    assert tab.rows["fc1"].grad_panel.array.shape == (128,)
    for name, row in tab.rows.items():
        assert np.any(row.grad_panel.array != 0), name
    output = tab.rows[model.layers[-1].name].grad_panel.array
    assert np.allclose(output, trace.probs_before - np.eye(10)[1], atol=1e-5)  # softmax - one-hot
    grad, update = tab.rows["conv2"].param_panels["conv2.K"]
    assert grad.array.shape == update.array.shape == model.named_params()["conv2.K"].shape
    assert np.any(grad.array != 0)
    assert np.allclose(update.array, -DEFAULT_LR * grad.array, atol=1e-7)
    assert "update size / weight size" in tab.rows["conv2"].ratios.text()
    # the shown model changed in place and every view followed
    assert not _bit_identical(model, original)
    assert np.allclose(window.current_probabilities(), trace.probs_after, atol=1e-5)
    assert tab.controls.undo_button.isEnabled()
    status = window.statusBar().model_status.text()        # the file's accuracy no longer holds
    assert "changed by 1 step on a drawing (not saved)" in status
    assert "test accuracy unknown" in status

    _click(tab.controls.undo_button)
    assert "changed by" not in window.statusBar().model_status.text()
    assert _bit_identical(model, original)
    assert np.array_equal(window.current_probabilities(), before_result.probabilities)
    assert not tab.controls.undo_button.isEnabled() and tab.trace is None
    assert "undone" in tab.controls.status.text()


def test_steps_in_a_row_keep_momentum_and_undo_goes_back_one_at_a_time(window, qtbot):
    lab = _lab(window)
    controls = lab.tab.controls
    window.tabs.setCurrentWidget(lab.tab)
    window.draw_example(7)
    _settled(window, qtbot)
    model = window.state.shown_model
    original = _weights(model)
    controls.lr_spin.setValue(0.01)
    controls.momentum_spin.setValue(0.9)
    first = _train(window, qtbot, digit=1)
    after_first = _weights(model)
    _settled(window, qtbot)
    second = _train(window, qtbot)                  # the digit stays 1
    assert second.label == 1 and second.momentum == pytest.approx(0.9)
    for name, update in second.updates.items():   # v2 = 0.9 v1 - lr g2
        expected = 0.9 * first.updates[name] - 0.01 * second.param_grads[name]
        assert np.allclose(update, expected, atol=1e-6), name
    assert "(2)" in controls.undo_button.text()
    _click(controls.undo_button)
    assert _bit_identical(model, after_first) and lab.tab.trace is first
    _click(controls.undo_button)
    assert _bit_identical(model, original) and not controls.undo_button.isEnabled()


def test_an_empty_canvas_disables_the_step_and_says_why(window, qtbot):
    lab = _lab(window)
    window.tabs.setCurrentWidget(lab.tab)
    window.canvas.clear()
    _settled(window, qtbot)
    button = lab.tab.controls.train_button
    assert not button.isEnabled() and button.toolTip() == EMPTY
    original = _weights(window.state.shown_model)
    _click(button)
    assert not lab.train() and lab.tab.controls.status.text() == EMPTY
    assert not lab.runner.steps and _bit_identical(window.state.shown_model, original)
    window.draw_example(3)
    _settled(window, qtbot)
    assert button.isEnabled()


def test_undo_is_refused_when_the_weights_changed_elsewhere(window, qtbot):
    lab = _one_step(window, qtbot)
    model = window.state.shown_model
    model.named_params()["fc2.b"][...] += 1.0       # e.g. a training run moved them
    changed = _weights(model)
    assert not lab.undo()
    assert _bit_identical(model, changed) and not lab.runner.steps
    assert "cannot be undone" in lab.tab.controls.status.text()


def test_training_runs_refuse_the_step(make_window, mnist_data, qtbot):
    window = make_window()
    window.training_panel.set_data(Dataset(mnist_data.train_images[:3000],
                                           mnist_data.train_labels[:3000],
                                           mnist_data.test_images[:500],
                                           mnist_data.test_labels[:500]))
    window.training_panel.settings.set_config(
        TrainConfig(epochs=5, batch_size=32, augment=False, subset=3000, eval_subset=500,
                    lr=0.01), preset="tiny", fresh=True)
    lab = _lab(window)
    window.draw_example(7)
    _settled(window, qtbot)
    assert lab.tab.controls.train_button.isEnabled()
    with qtbot.waitSignal(window.training_panel.sigTrainingStarted, timeout=5000):
        window.training_panel.start_training()
    window.tabs.setCurrentWidget(lab.tab)
    button = lab.tab.controls.train_button
    assert not button.isEnabled() and button.toolTip() == TRAINING
    assert not lab.train() and not lab.runner.steps
    window.training_panel.stop_training()
    qtbot.waitUntil(lambda: not window.is_training(), timeout=20_000)
    qtbot.waitUntil(button.isEnabled, timeout=5000)


def test_opening_another_model_forgets_the_steps_and_themes_follow(window, qtbot, tiny_model):
    lab = _lab(window)
    tab = lab.tab
    window.tabs.setCurrentWidget(tab)
    window.draw_example(4)
    _settled(window, qtbot)
    _train(window, qtbot, digit=9)
    window.set_theme("dark")
    grad = tab.rows["conv1"].grad_panel
    assert grad.view.array is not None and grad.colour_bar.texts()[2] == "0"  # centred on 0
    window.set_model(tiny_model)
    _settled(window, qtbot)
    assert tab.trace is None and not lab.runner.steps
    assert not tab.controls.undo_button.isEnabled() and not lab.undo()
    trace = _train(window, qtbot, digit=9)                 # the new model's layers
    assert list(tab.rows) == [layer.name for layer in reversed(tiny_model.layers)]
    assert trace.probs_after[9] > trace.probs_before[9]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_step_result_reads_in_the_text_colour(make_window, playground_model, qtbot, theme):
    """The line with the loss before and after the step is the tab's answer:
    drawn in the theme's text colour, not the grey of side notes."""
    from PySide6.QtGui import QColor, QPalette
    window = make_window(playground_model, theme=theme)
    line = _one_step(window, qtbot).tab.loss
    qtbot.waitUntil(lambda: line.shown_text().startswith("loss for 1"))
    image = line.grab().toImage()
    palette = line.palette()
    text = palette.color(QPalette.ColorRole.WindowText)
    grey = palette.color(QPalette.ColorRole.PlaceholderText)
    assert text != grey

    def distance(a: QColor, b: QColor) -> int:
        return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())
    ink = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    nearest_text = min(distance(c, text) for c in ink)
    assert nearest_text <= 40                      # bold glyphs reach the pen's own colour
    back = palette.color(QPalette.ColorRole.Window)
    a = grey.alphaF()                              # the grey: the text colour, half see-through
    seen_grey = QColor(*(round(a * g + (1 - a) * b) for g, b in
                         zip(grey.getRgb()[:3], back.getRgb()[:3])))
    assert distance(text, seen_grey) > 3 * 40      # (so grey glyphs would not)

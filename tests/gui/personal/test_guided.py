"""The guided "Teach me 5 of each digit" flow with real strokes and Enter."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.personal import load_personal_set
from gui.tools.mouse import drag, to_widget


def _stroke(k: int):
    """A hand-drawn 1, a little different each time."""
    x = 0.45 + 0.02 * k
    return [(x - 0.08, 0.3), (x, 0.18), (x + 0.01 * k, 0.5), (x, 0.82)]


def test_the_guided_flow_collects_five_samples_of_a_digit(window, qtbot, personal_path):
    lab = window.why.personal
    lab.start_guided((1,))
    prompt = lab.tab.guide
    assert prompt.isVisible() and prompt.prompt.text() == "Draw a 1"
    QTest.mouseClick(prompt.next_button, Qt.MouseButton.LeftButton)   # nothing drawn yet
    assert len(lab.samples) == 0 and "Draw the digit" in prompt.detail.text()
    for k in range(5):
        drag(window.canvas, to_widget(window.canvas, _stroke(k)), qtbot=qtbot)
        qtbot.waitUntil(lambda: not window.controller.has_pending())
        window.activateWindow()
        QTest.keyClick(window, Qt.Key.Key_Return)                      # Next
        assert window.canvas.is_blank()
        if k < 4:
            assert f"sample {k + 2} of 5 · {k + 1} of 5 added" in prompt.detail.text()
    assert load_personal_set(personal_path).labels.tolist() == [1] * 5
    assert not lab.guided.active and prompt.fine_tune_button.isVisible()
    assert "You added 5 drawings" in prompt.detail.text()
    QTest.mouseClick(prompt.done_button, Qt.MouseButton.LeftButton)   # Close
    assert not prompt.isVisible()


def test_skip_and_done(window):
    lab = window.why.personal
    lab.start_guided((2, 3))
    QTest.mouseClick(lab.tab.guide.skip_button, Qt.MouseButton.LeftButton)
    assert lab.tab.guide.prompt.text() == "Draw a 3"
    QTest.mouseClick(lab.tab.guide.done_button, Qt.MouseButton.LeftButton)
    assert not lab.guided.active and lab.tab.guide.prompt.text() == "Nothing added"


def test_a_fine_tune_started_from_the_box_closes_the_offer_at_the_end(window, qtbot, mnist_data):
    from engine.personal import FineTuneConfig
    from gui.tools.mouse import draw_digit
    lab = window.why.personal
    lab.config = FineTuneConfig(steps=5000, batch_size=32)
    lab.replay = mnist_data.train_images[:2000], mnist_data.train_labels[:2000]
    for digit in (2, 3, 4, 5, 6):                      # samples from before
        window.canvas.clear()
        draw_digit(window.canvas, digit, qtbot)
        qtbot.waitUntil(lambda: not window.controller.has_pending())
        assert lab.corrections.add(digit)
    lab.start_guided((1,))
    prompt = lab.tab.guide
    for k in range(5):
        drag(window.canvas, to_widget(window.canvas, _stroke(k)), qtbot=qtbot)
        qtbot.waitUntil(lambda: not window.controller.has_pending())
        QTest.mouseClick(prompt.next_button, Qt.MouseButton.LeftButton)
    assert prompt.isVisible() and prompt.fine_tune_button.isVisible()   # the offer
    box = lab.tab.fine_tune
    qtbot.waitUntil(box.start_button.isEnabled)
    QTest.mouseClick(box.start_button, Qt.MouseButton.LeftButton)       # taken up elsewhere
    assert lab.tuner.running
    assert not prompt.isVisible()
    QTest.mouseClick(box.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not lab.tuner.running, timeout=20000)

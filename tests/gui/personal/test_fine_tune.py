"""Fine-tuning on the samples from the tab, off the GUI thread: progress,
before/after numbers, Keep (the canvas answers right, the status bar says
personalised) and Go back; Stop; what is missing is said."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.personal import FineTuneConfig
from gui.tools.mouse import draw_digit

#: Small and fast: a few seconds on 2 cores.
TINY = FineTuneConfig(steps=40, batch_size=32, personal_per_batch=16, lr=2e-3, warmup=2)


def _teach(window, qtbot, digits):
    lab = window.why.personal
    for digit in digits:
        window.canvas.clear()
        draw_digit(window.canvas, digit, qtbot)
        qtbot.waitUntil(lambda: not window.controller.has_pending())
        assert lab.corrections.add(digit)
    return lab


@pytest.fixture
def replay(mnist_data):
    return mnist_data.train_images[:3000], mnist_data.train_labels[:3000]


def test_fine_tune_keep_and_go_back(window, qtbot, replay):
    lab = window.why.personal
    box = lab.tab.fine_tune
    lab.config, lab.replay = TINY, replay
    _teach(window, qtbot, [0, 1, 2, 3, 4, 5, 6])
    assert not box.start_button.isEnabled() and "3 more samples needed" in box.status.text()
    _teach(window, qtbot, [7, 8, 9])              # the canvas shows the last, a 9
    before = window.state.current_model
    lab.show_tab()
    qtbot.waitUntil(box.start_button.isEnabled)
    steps = []
    lab.tuner.sigProgress.connect(lambda done, total: steps.append((done, total)))
    QTest.mouseClick(box.start_button, Qt.MouseButton.LeftButton)
    assert lab.tuner.running and not box.start_button.isEnabled()
    qtbot.waitUntil(lambda: lab.report is not None, timeout=60000)
    assert steps and steps[-1] == (80, 80)            # one held-out round + the final model
    assert box.keep_button.isVisible() and "held-out samples" in box.report_text()
    assert "MNIST test (2,000)" in box.report_text()
    assert window.state.current_model is before        # nothing changes before Keep
    QTest.mouseClick(box.keep_button, Qt.MouseButton.LeftButton)
    assert window.state.current_model is lab.tuned
    status = window.statusBar().model_status.text()
    assert "personalised with 10 samples of my-set" in status
    assert status.endswith(f"MNIST {lab.report.mnist_after:.1%} on 2,000 test digits")
    assert "unknown" not in status                   # not beside a measured figure
    assert window.current_result().top_class == 9      # the canvas's drawing answers right now
    assert window.state.info.test_accuracy is None     # the base model's number no longer holds
    QTest.mouseClick(box.back_button, Qt.MouseButton.LeftButton)
    assert window.state.current_model is before
    assert "personalised" not in window.statusBar().model_status.text()


def test_stop_ends_fine_tuning_and_keeps_the_model(window, qtbot, replay):
    lab = window.why.personal
    lab.config = FineTuneConfig(steps=5000, batch_size=32)
    lab.replay = replay
    _teach(window, qtbot, [1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
    before = window.state.current_model
    assert lab.start_fine_tune()
    qtbot.waitUntil(lambda: lab.tab.fine_tune.progress.value() > 0, timeout=20000)
    QTest.mouseClick(lab.tab.fine_tune.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not lab.tuner.running, timeout=20000)
    assert lab.report is None and window.state.current_model is before
    assert "Stopped" in lab.tab.fine_tune.status.text()
    assert lab.tab.fine_tune.start_button.isEnabled()


def test_without_mnist_it_says_so(window, qtbot, monkeypatch, tmp_path, no_modal_dialogs):
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(tmp_path / "no-mnist"))
    lab = window.why.personal
    lab.config = TINY
    _teach(window, qtbot, [1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
    assert lab.start_fine_tune()
    qtbot.waitUntil(lambda: not lab.tuner.running, timeout=20000)
    assert [m[:2] for m in no_modal_dialogs] == [("critical", "Fine-tuning needs MNIST")]
    assert "Download MNIST" in lab.tab.fine_tune.status.text()
    assert np.all([lab.report is None, lab.tuned is None])

"""No widget of the window is ever shown as a window of its own (a parentless
widget made visible before it is put in a layout flashes up as a top-level
window and takes the keyboard focus from the main window): not when panels
are rebuilt for another network, not when a one-step row is built. The main
window stays the active window, so its keys keep working."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from engine.nn import presets

ALLOWED = {"MainWindow", "QMenu", "QToolTip", "QTipLabel", "GuideWindow", "QMessageBox"}


class WindowSpy(QObject):
    """Records every top-level widget that is shown, other than the allowed ones."""

    def __init__(self):
        super().__init__()
        self.stray: list[str] = []

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Show and obj.isWidgetType() and obj.isWindow() \
                and obj.parentWidget() is None and type(obj).__name__ not in ALLOWED:
            self.stray.append(type(obj).__name__)
        return False


@pytest.fixture
def spy(qtbot):
    s = WindowSpy()
    QApplication.instance().installEventFilter(s)
    yield s
    QApplication.instance().removeEventFilter(s)


def test_rebuilding_the_panels_for_other_networks_shows_no_stray_window(qtbot, window, spy):
    for name in ("tiny", "bench", "playground"):
        window.set_model(presets.build(name, np.random.default_rng(0)))
        window.draw_example(3)
        window.current_result()
        qtbot.wait(20)
    assert spy.stray == []
    assert QApplication.activeWindow() is window


def test_a_one_step_shows_no_stray_window_and_keys_still_reach_the_window(qtbot, window, spy):
    from gui.tools.session import click
    lab = window.why.backprop
    window.draw_example(7)
    window.current_result()
    window.tabs.setCurrentWidget(lab.tab)
    controls = lab.tab.controls
    click(controls.digit_buttons[1])
    click(controls.train_button)
    qtbot.waitUntil(controls.undo_button.isEnabled, timeout=30_000)
    assert spy.stray == []
    assert QApplication.activeWindow() is window

"""Tab goes only where keys do something: pictures and plots (which show no
focus mark and take no keys) are no Tab stops, so the keyboard never seems to
vanish into one."""
from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


@pytest.mark.parametrize("tab", ["activations_view", "training_panel"])
def test_tab_never_stops_on_a_picture_or_a_plot(window, qtbot, tab):
    window.draw_example(3)
    window.current_result()
    window.tabs.setCurrentWidget(getattr(window, tab))
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    stops = []
    for _ in range(80):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        stops.append(QApplication.focusWidget())
        if stops[-1] is window.canvas:
            break
    assert stops[-1] is window.canvas, "Tab comes back round to the drawing"
    views = [w for w in stops if isinstance(w, pg.GraphicsView)]
    assert views == [], [type(v).__name__ for v in views]
    assert not window.canvas.is_blank()             # Tab never drew or cleared


def test_a_slider_reached_by_tab_shows_a_focus_mark(window, qtbot):
    slider = window.brush_slider
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    unfocused = slider.grab().toImage()
    for _ in range(40):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is slider:
            break
    assert QApplication.focusWidget() is slider
    focused = slider.grab().toImage()
    accent = window.palette().highlight().color()
    edge = [focused.pixelColor(x, focused.height() // 2) for x in range(3)]
    assert focused != unfocused
    assert any(abs(c.hue() - accent.hue()) < 20 and c.saturation() > 60 for c in edge), \
        [c.name() for c in edge]

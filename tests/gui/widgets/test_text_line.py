"""Text that changes often without asking the window to re-layout."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.widgets.text_line import TextLine
from tests.support.layout_requests import LayoutRequests


def test_text_line_changes_text_without_relayout(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    layout = QVBoxLayout(parent)
    line = TextLine("short", lines=2)
    layout.addWidget(line)
    parent.resize(200, 80)
    parent.show()
    qtbot.waitExposed(parent)
    qtbot.wait(20)
    spy = LayoutRequests()
    parent.installEventFilter(spy)
    height = line.height()
    for text in ("a much longer text that wraps onto a second line", "x", "two\nlines"):
        line.setText(text)
        qtbot.wait(10)
        assert line.text() == text
    assert spy.count == 0 and line.height() == height
    assert height >= 2 * line.fontMetrics().height()

"""How the window spends its width: the drawing column (canvas, network
input, prediction) steps aside while the Training tab is shown in a window
too narrow for both - the training controls, curves and confusion matrix then
get the whole width - and comes back for the other tabs or a wider window."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTabWidget, QWidget

#: Room kept around the tab's content (tab frame, margins, splitter handle), px.
FRAME_PX = 40


class ColumnPolicy(QObject):
    """Shows or hides ``left`` (the drawing column) for the current tab and
    the width of ``window``: hidden while ``wide_tab`` is current and the
    window cannot give both ``left``'s minimum width and ``wide_tab``'s."""

    def __init__(self, window: QWidget, left: QWidget, tabs: QTabWidget, wide_tab: QWidget):
        super().__init__(window)
        self._window, self._left, self._tabs, self._wide = window, left, tabs, wide_tab
        tabs.currentChanged.connect(self.update)
        window.installEventFilter(self)

    @property
    def drawing_hidden(self) -> bool:
        return self._left.isHidden()

    def needs_whole_width(self) -> bool:
        """True when the wide tab is current and does not fit beside the drawing column."""
        if self._tabs.currentWidget() is not self._wide:
            return False
        need = self._left.minimumSizeHint().width() + self._wide.minimumSizeHint().width()
        return self._window.width() < need + FRAME_PX

    def update(self, *_args) -> None:
        hide = self.needs_whole_width()
        if hide != self._left.isHidden():
            self._left.setVisible(not hide)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Resize:
            self.update()
        return False

"""The window's size and place: restored from the preferences, else the
default size (bounded by the screen) centred on the screen."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter

from ..state.settings import AppSettings

DEFAULT_SIZE = QSize(1240, 760)
MIN_SIZE = QSize(980, 640)


def restore_geometry(window: QMainWindow, splitter: QSplitter, settings: AppSettings) -> None:
    """Size, position and splitter position from ``settings`` (or the defaults)."""
    geometry = settings.geometry()
    if geometry is None or not window.restoreGeometry(geometry):
        screen = QApplication.primaryScreen()
        size = QSize(DEFAULT_SIZE)
        if screen is not None:
            avail = screen.availableGeometry()
            size = size.boundedTo(QSize(max(avail.width() - 20, MIN_SIZE.width()),
                                        max(avail.height() - 40, MIN_SIZE.height())))
            window.resize(size)
            frame = window.frameGeometry()
            frame.moveCenter(avail.center())
            window.move(frame.topLeft())
        else:
            window.resize(size)
    state = settings.splitter_state()
    if state is not None:
        splitter.restoreState(state)


def save_geometry(window: QMainWindow, splitter: QSplitter, settings: AppSettings) -> None:
    settings.set_geometry(window.saveGeometry())
    settings.set_splitter_state(splitter.saveState())

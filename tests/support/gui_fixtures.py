"""Fixtures for GUI tests: preferences in a per-test temporary file (so the
user's real settings are never read or written), message boxes recorded
instead of shown (a modal dialog would block), model fixtures and shown
main windows that are closed and deleted after the test."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from gui.settings import ENV_VAR, AppSettings
from gui.workers.gui_thread_gc import install


@pytest.fixture(autouse=True, scope="session")
def gui_thread_collector(qapp):
    """As in the app (``gui.app``): reference cycles are collected by the GUI
    thread between events, never by a worker thread or inside a Qt call."""
    collector = install(qapp)
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def cycles_collected_between_tests(gui_thread_collector):
    """A test that never runs the event loop leaves its cycles to this."""
    yield
    gui_thread_collector.collect_due()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Every test gets its own settings file (``$CNN_PLAYGROUND_SETTINGS``)."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv(ENV_VAR, str(path))
    return path


class ShownMessages(list):
    """``(kind, title, text)`` of every message box shown; ``formats`` holds each
    one's ``Qt.TextFormat`` (plain unless the app passed its own markup)."""

    def __init__(self):
        super().__init__()
        self.formats = []


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """Record message boxes instead of blocking on a modal dialog."""
    from PySide6.QtWidgets import QMessageBox
    shown = ShownMessages()

    def record(box):
        shown.append((box.objectName().removeprefix("message-"), box.windowTitle(), box.text()))
        shown.formats.append(box.textFormat())
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(QMessageBox, "exec", record)
    for kind in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, **k: pytest.fail(
            "a static QMessageBox call guesses rich text; use gui.widgets.plain_text.show_message"))
    return shown


@pytest.fixture(scope="session")
def playground_model_session():
    return presets.build("playground", np.random.default_rng(0))


@pytest.fixture
def playground_model(playground_model_session):
    return playground_model_session.clone()


@pytest.fixture
def tiny_model():
    return presets.build("tiny", np.random.default_rng(1))


@pytest.fixture
def make_canvas(qtbot):
    """``make_canvas(side)`` -> a shown ``side x side`` DrawingCanvas."""
    from gui.drawing.canvas import DrawingCanvas

    def make(side: int):
        widget = DrawingCanvas()
        qtbot.addWidget(widget)
        widget.resize(side, side)
        widget.show()
        qtbot.waitExposed(widget)
        return widget
    return make


@pytest.fixture
def make_window(qtbot):
    """``make_window(model=..., **kwargs)`` -> a shown MainWindow, closed and
    deleted after the test (so later tests do not pay for leftover widgets)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    windows = []

    def make(model=None, size=(1240, 760), **kwargs):
        kwargs.setdefault("theme", "light")
        kwargs.setdefault("settings", AppSettings())
        window = MainWindow(model=model, **kwargs)
        windows.append(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@pytest.fixture
def window(make_window, playground_model):
    return make_window(playground_model)

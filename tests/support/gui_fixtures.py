"""Fixtures for GUI tests: preferences in a per-test temporary file (so the
user's real settings are never read or written), message boxes recorded
instead of shown (a modal dialog would block), model fixtures and shown
main windows that are closed and deleted after the test."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from gui.settings import ENV_VAR, AppSettings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Every test gets its own settings file (``$CNN_PLAYGROUND_SETTINGS``)."""
    path = tmp_path / "settings.ini"
    monkeypatch.setenv(ENV_VAR, str(path))
    return path


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """Record QMessageBox calls instead of blocking on a modal dialog."""
    from PySide6.QtWidgets import QMessageBox
    shown = []

    def record(kind):
        def fake(parent, title, text, *args, **kwargs):
            shown.append((kind, title, text))
            return QMessageBox.StandardButton.Ok
        return fake

    for kind in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(
        ("about", title, text)))
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

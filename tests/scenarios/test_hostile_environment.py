"""The window starts whatever the environment holds.

``CNN_PLAYGROUND_DATA`` and ``CNN_PLAYGROUND_SETTINGS`` come from outside.
Pointed at a file, a folder inside a file, a FIFO (reading it blocks), a
device, a path too long, control characters, a huge or an unreadable file, the
window still starts, says what is wrong (the Training tab for the data, the
banner for the settings) and leaves what is there untouched (a device is not
replaced by a regular file, a FIFO is never opened).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gui.state.settings import MAX_SETTINGS_BYTES, AppSettings

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _device(tmp_path: Path) -> Path:
    """A character device of our own (a copy of /dev/null's numbers), never the real one."""
    if not IS_ROOT:
        pytest.skip("making a device node needs root")
    path = tmp_path / "device"
    os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 3))
    return path


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def _file(tmp_path: Path, size: int = 10) -> Path:
    path = tmp_path / "a-file"
    path.write_bytes((b"\x00garbage\xff" * (size // 9 + 1))[:size])
    return path


LOCATIONS = {
    "a-file": lambda t: _file(t),
    "inside-a-file": lambda t: _file(t) / "mnist",
    "fifo": _fifo,
    "device": _device,
    "too-long": lambda t: t / ("x" * 5000),
    "control-characters": lambda t: t / "a\x1b[2J\nb",
    "deep-inside-a-file": lambda t: _file(t) / "a" / "b" / "c",
    "home-of-no-user": lambda t: Path("~no-such-user-here/mnist"),
    "wide-characters": lambda t: _file(t) / ("\ufdfd" * 80),
}
#: the window's own minimum width (its layout's), which no text from outside may raise
WINDOW_MIN_WIDTH = 1100


def _snapshot(path: Path):
    try:
        info = os.lstat(path)
    except OSError:
        return None
    content = path.read_bytes() if stat.S_ISREG(info.st_mode) else None
    return stat.S_IFMT(info.st_mode), info.st_size, content


@pytest.mark.parametrize("kind", sorted(LOCATIONS))
def test_the_window_starts_and_the_training_tab_names_the_data_problem(kind, tmp_path, monkeypatch,
                                                                       make_window, tiny_model):
    location = LOCATIONS[kind](tmp_path)
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(location))
    before = _snapshot(location)
    window = make_window(tiny_model)
    data = window.training_panel.data
    assert not data.ready()
    text = data.label.text()
    assert "cannot be used" in text or "is not in" in text, text
    assert "Traceback" not in text and "CNN_PLAYGROUND_DATA" in text
    window.tabs.setCurrentWidget(window.training_panel)
    assert window.minimumSizeHint().width() <= WINDOW_MIN_WIDTH
    if kind not in ("too-long", "control-characters"):
        assert "cannot be used" in text, text       # names the problem, not "download it"
        assert not data.download_button.isVisible()
    assert _snapshot(location) == before


SETTINGS = {
    "a-folder": lambda t: (t / "folder").mkdir() or t / "folder",
    "fifo": _fifo,
    "device": _device,
    "huge": lambda t: _file(t, MAX_SETTINGS_BYTES + 10),
    "inside-a-file": lambda t: _file(t) / "settings.ini",
    "too-long": lambda t: t / ("s" * 5000),
    "lock-is-a-fifo": lambda t: (_ini(t), os.mkfifo(t / "settings.ini.lock"))[0],
    "lock-links-to-a-fifo": lambda t: (_ini(t), _fifo(t),
                                       (t / "settings.ini.lock").symlink_to(t / "fifo"))[0],
    "a-shell-profile": lambda t: _text(t, "# ~/.bashrc\nexport PATH=$HOME/bin:$PATH\n"
                                          "alias ll='ls -l'\n"),
    "a-git-config": lambda t: _text(t, "[user]\n\tname = Ada\n\temail = ada@example.org\n"),
    "an-env-file": lambda t: _text(t, "API_KEY=secret\nDEBUG=1\n"),
    "wide-characters": lambda t: _file(t) / ("\ufdfd" * 60),
}


def _ini(t: Path) -> Path:
    path = t / "settings.ini"
    path.write_text("[view]\ntheme=dark\n")
    return path


def _text(t: Path, text: str) -> Path:
    path = t / "some-file"
    path.write_text(text)
    return path


@pytest.mark.parametrize("kind", sorted(SETTINGS))
def test_a_settings_location_that_cannot_be_used_is_left_alone(kind, tmp_path, monkeypatch,
                                                               make_window, tiny_model, qtbot):
    location = SETTINGS[kind](tmp_path)
    monkeypatch.setenv("CNN_PLAYGROUND_SETTINGS", str(location))
    before = _snapshot(location)
    settings = AppSettings()
    assert settings.problem and "session only" in settings.problem
    window = make_window(tiny_model, settings=settings)
    assert window.banner.isVisible() and window.banner.textFormat() == Qt.TextFormat.PlainText
    assert "settings file" in window.banner.text()
    assert window.minimumSizeHint().width() <= WINDOW_MIN_WIDTH
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)   # dark theme
    settings.sync()                             # kept for the session
    assert settings.theme() == "dark"
    window.close()
    settings.sync()
    assert _snapshot(location) == before
    lock = f"{location}.lock"          # Qt's lock file: never made, or left as it was
    assert not os.path.lexists(lock) or os.path.islink(lock) or stat.S_ISFIFO(os.lstat(lock).st_mode)


def test_the_apps_own_settings_file_is_read_and_kept(tmp_path, monkeypatch, make_window,
                                                      tiny_model, qtbot):
    path = tmp_path / "settings.ini"
    monkeypatch.setenv("CNN_PLAYGROUND_SETTINGS", str(path))
    first = AppSettings()
    window = make_window(tiny_model, settings=first)
    first.set_last_folder(str(tmp_path))
    window.close()
    first.sync()
    assert "[window]" in path.read_text() and AppSettings().problem is None
    assert AppSettings().last_folder() == str(tmp_path)


def test_garbage_in_a_small_settings_file_gives_defaults(tmp_path, monkeypatch, make_window,
                                                         tiny_model):
    path = tmp_path / "settings.ini"
    path.write_bytes(b"[view]\ntheme=\x00\xff<img src=/dev/zero>\n[window]\ngeometry=@ByteArray(zz)\n")
    monkeypatch.setenv("CNN_PLAYGROUND_SETTINGS", str(path))
    settings = AppSettings()
    assert settings.problem is None and settings.theme() == "light"
    window = make_window(tiny_model, settings=settings, theme=None)
    assert window.width() >= window.minimumWidth()

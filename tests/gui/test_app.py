"""Command line, headless screenshot, the PySide6 pin and its regression test."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from gui import app

REPO = Path(__file__).resolve().parents[2]


def _pixels(path: Path) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)
    assert not image.isNull(), f"{path} is not a readable image"
    buf = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return buf.reshape(image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), :3]


def test_screenshot_in_process_draws_and_saves_a_full_window(tmp_path, qtbot, isolated_settings):
    out = tmp_path / "shot.png"
    assert app.main(["--screenshot", str(out), "--digit", "7", "--size", "1100x700"]) == 0
    pixels = _pixels(out)
    assert pixels.shape == (700, 1100, 3)
    colours = np.unique(pixels.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 200, "a real rendering, not a blank or flat picture"
    assert pixels.std() > 20
    assert not isolated_settings.exists(), "screenshots do not touch the user's settings"


def test_screenshot_command_line_headless(tmp_path):
    out = tmp_path / "cli.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                             "QT_QPA_PLATFORM")}
    env["CNN_PLAYGROUND_SETTINGS"] = str(tmp_path / "settings.ini")
    proc = subprocess.run([sys.executable, "-m", "gui", "--screenshot", str(out), "--theme", "dark"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pixels = _pixels(out)
    assert pixels.shape[:2] == (app.SCREENSHOT_SIZE[1], app.SCREENSHOT_SIZE[0])
    assert pixels.mean() < 110, "dark theme"
    assert len(np.unique(pixels.reshape(-1, 3)[::7], axis=0)) > 200


def test_help_lists_the_options(capsys):
    assert app.main(["--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--model", "--screenshot", "--theme"):
        assert option in text


def test_pyside6_is_pinned_below_6_12():
    text = (REPO / "pyproject.toml").read_text()
    spec = re.search(r'"PySide6-Essentials([^"]*)"', text)
    assert spec and "<6.12" in spec.group(1).replace(" ", "")
    import PySide6
    major, minor = (int(v) for v in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), f"installed PySide6 {PySide6.__version__} is known to abort"


SIGNAL_STORM = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Emitter(QObject):
        sigValue = Signal(int)
        sigPair = Signal(object, float)

    app = QCoreApplication(sys.argv)
    emitter, seen = Emitter(), []
    emitter.sigValue.connect(seen.append)
    emitter.sigPair.connect(lambda obj, x: seen.append(x))
    N = 25_000
    for i in range(N):
        emitter.sigValue.emit(i)
        emitter.sigPair.emit({"i": i}, i * 0.5)
    assert len(seen) == 2 * N and seen[-2] == N - 1, len(seen)
    print("emitted", 2 * N)
""")


def test_many_signal_emits_do_not_abort_the_process():
    """PySide6 6.12.0 on Python 3.11 dies with 'Fatal Python error: bool_dealloc'
    after a few thousand Signal.emit calls; run 50,000 in a child process so an
    abort fails this test instead of killing pytest."""
    proc = subprocess.run([sys.executable, "-c", SIGNAL_STORM], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert "emitted 50000" in proc.stdout

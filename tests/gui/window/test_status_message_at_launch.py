"""A problem found while the window is built (here: an unreadable file of
handwriting samples) is said in the status bar instead of the model line,
not drawn over it: Qt hides the line under a message only if the line was
already shown, and at launch it was not."""
from __future__ import annotations

from engine.personal.sample_file import ENV_VAR


def test_a_launch_problem_replaces_the_model_line_until_it_goes(make_window, qtbot,
                                                                       tmp_path, monkeypatch,
                                                                       playground_model):
    broken = tmp_path / "personal-set.npz"
    broken.write_bytes(b"PK\x03\x04 not really a zip file")
    monkeypatch.setenv(ENV_VAR, str(broken))
    window = make_window(playground_model)
    bar = window.statusBar()
    assert "could not be read" in bar.currentMessage()
    assert not window.model_status.isVisible()            # not both on top of each other
    bar.clearMessage()
    qtbot.waitUntil(window.model_status.isVisible)

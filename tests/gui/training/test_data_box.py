"""The data box: MNIST's status, whatever the data location holds (missing
files, a file instead of a folder, an unreadable folder, a path too long),
and the dataset once loaded."""
from __future__ import annotations

import os

import pytest

from engine.data.dataset import Dataset
from gui.training.data_box import DataBox


def make(qtbot, **kw) -> DataBox:
    box = DataBox(**kw)
    qtbot.addWidget(box)
    box.show()
    return box


def test_present_files_are_ready_and_load_off_the_gui_thread(qtbot, mnist_data):
    box = make(qtbot, data_dir=str(mnist_data.source))
    assert box.ready() and str(mnist_data.source) in box.label.text()
    assert not box.download_button.isVisible()
    loaded = []
    box.load_then(lambda: loaded.append(box.dataset))
    qtbot.waitUntil(lambda: bool(loaded), timeout=20_000)
    assert isinstance(loaded[0], Dataset) and len(loaded[0].train_labels) == 60_000
    assert box.source() is box.dataset and "loaded" in box.label.text()


def test_missing_files_offer_a_download(qtbot, tmp_path):
    box = make(qtbot, data_dir=str(tmp_path))
    assert not box.ready()
    assert "4 of 4 files missing" in box.label.text() and box.download_button.isVisible()
    messages = []
    box.sigStatus.connect(lambda text, detail: messages.append(text))
    box.load_then(lambda: pytest.fail("nothing to load"))
    assert messages == ["MNIST is missing: download it first."]


@pytest.mark.parametrize("kind", ["a-file", "unreadable", "too-long", "nul-byte", "in-a-file"])
def test_an_unusable_data_location_is_a_status_not_a_crash(qtbot, tmp_path, monkeypatch, kind):
    if kind == "a-file":
        location = tmp_path / "mnist"
        location.write_text("not a folder")
    elif kind == "unreadable":
        location = tmp_path / "locked"
        location.mkdir()
        location.chmod(0)
    elif kind == "too-long":
        location = tmp_path / ("x" * 5000)
    elif kind == "nul-byte":   # (cannot be in the environment: given as the folder)
        location = None
    else:
        (tmp_path / "file").write_text("x")
        location = tmp_path / "file" / "mnist"
    if location is not None:
        monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(location))
    try:
        box = make(qtbot, data_dir=None if location is not None else str(tmp_path) + "/a\x00b")
        assert not box.ready()                 # never raises, never claims to be ready
        assert box.label.text() and not box.downloading
    finally:
        if kind == "unreadable":
            os.chmod(location, 0o755)

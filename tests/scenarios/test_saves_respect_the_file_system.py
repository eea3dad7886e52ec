"""Saves from the window respect the file system.

The engine's atomic writer refuses what is not a regular file, write-protected
files and missing folders, and writes through symlinks
(tests/engine/system/test_atomic_targets.py). Here, the window: a failed save
is a plain-text error that leaves the target as it was, and a Save dialog
never starts in the app's own folders (after opening the bundled model, Save
used to offer ``assets/model.npz``).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

import engine
from engine.data.dataset import Dataset
from engine.training.config import TrainConfig
from gui.widgets.file_dialogs import ask_open_path, documents_folder, installed_folders, save_folder

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _fifo(t: Path) -> Path:
    os.mkfifo(t / "fifo")
    return t / "fifo"


def _folder(t: Path) -> Path:
    (t / "folder").mkdir()
    return t / "folder"


def _read_only(t: Path) -> Path:
    path = t / "kept.npz"
    path.write_bytes(b"the user's file")
    path.chmod(0o444)
    return path


def _device(t: Path) -> Path:
    if not IS_ROOT:
        pytest.skip("making a device node needs root")
    os.mknod(t / "device", 0o644 | stat.S_IFCHR, os.makedev(1, 3))
    return t / "device"


TARGETS = {"fifo": _fifo, "folder": _folder, "read-only": _read_only, "device": _device,
           "missing-folder": lambda t: t / "no" / "such" / "model.npz",
           "inside-a-file": lambda t: (_read_only(t)) / "model.npz",
           "empty-name": lambda t: Path("")}


def _state(path: Path):
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return stat.S_IFMT(info.st_mode), info.st_mode, \
        path.read_bytes() if stat.S_ISREG(info.st_mode) else None


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_a_save_the_file_system_refuses_is_a_plain_error_and_changes_nothing(
        kind, tmp_path, make_window, tiny_model, no_modal_dialogs):
    target = TARGETS[kind](tmp_path)
    before = _state(target)
    window = make_window(tiny_model)
    assert not window.save_model(str(target))
    assert [m[0] for m in no_modal_dialogs] == ["critical"]
    assert no_modal_dialogs.formats == [Qt.TextFormat.PlainText]
    assert _state(target) == before
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name or p.name.startswith(".")]


def test_a_symlink_is_written_through_and_kept(tmp_path, make_window, tiny_model):
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    real.chmod(0o640)
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    window = make_window(tiny_model)
    assert window.save_model(str(link))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert engine.load_model(real).num_params() == tiny_model.num_params()


@pytest.mark.parametrize("folder", ["bundled", "engine", "gui", "inside-engine", "missing",
                                    "a-file", "empty"])
def test_a_save_dialog_never_starts_in_the_apps_own_folders(folder, tmp_path):
    bundled = engine.bundled_model_path().resolve().parent
    given = {"bundled": bundled, "engine": Path(engine.__file__).parent,
             "gui": installed_folders()[1], "inside-engine": Path(engine.__file__).parent / "nn",
             "missing": tmp_path / "gone", "a-file": Path(engine.__file__), "empty": ""}[folder]
    assert save_folder(str(given)) == documents_folder()
    assert save_folder(str(tmp_path)) == str(tmp_path.resolve())


def test_without_a_documents_folder_dialogs_start_at_home_not_in_the_app(tmp_path,
                                                                        monkeypatch):
    """Many Linux homes have no ~/Documents: the dialogs then start at home,
    not in the working directory (which may be the app's own folder)."""
    from PySide6.QtCore import QStandardPaths
    home = tmp_path / "home"
    home.mkdir()
    places = {QStandardPaths.StandardLocation.DocumentsLocation: str(home / "Documents"),
              QStandardPaths.StandardLocation.HomeLocation: str(home)}
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda where: places[where])
    monkeypatch.chdir(installed_folders()[1])             # started from the app's folder
    assert documents_folder() == str(home)
    assert save_folder("") == str(home)
    offered = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda parent, title, start, filters: (offered.append(start), ("", ""))[1])
    assert ask_open_path(None, "Open model", "") is None           # no folder remembered yet
    assert offered == [str(home)]
    (home / "Documents").mkdir()
    assert documents_folder() == str(home / "Documents")


def test_save_after_opening_the_bundled_model_offers_the_documents_folder(
        make_window, tiny_model, monkeypatch):
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filters: (offered.append(start), ("", ""))[1])
    window = make_window(tiny_model)
    assert window.open_model(str(engine.bundled_model_path()))
    assert not window.save_model()                 # the dialog was cancelled
    start = Path(offered[0]).resolve()
    assert not any(f == start.parent or f in start.parents for f in installed_folders())
    assert str(start.parent) == str(Path(documents_folder()).resolve())


def test_after_reset_both_saves_propose_a_descriptive_name_in_the_documents_folder(
        make_window, tiny_model, monkeypatch, qtbot, mnist_data):
    """Model > Save after Reset (Ctrl+R, a real key press) and the Training tab's
    "Save model…" propose the same kind of name, in the documents folder."""
    from PySide6.QtCore import Qt
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, filters: (offered.append(start), ("", ""))[1])
    window = make_window(tiny_model)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.model.source == str(engine.bundled_model_path())
    assert window.statusBar().currentMessage() == "Back to the bundled pretrained model"
    window.save_action.trigger()
    panel = window.training_panel
    panel.set_data(Dataset(mnist_data.train_images[:400], mnist_data.train_labels[:400],
                           mnist_data.test_images[:200], mnist_data.test_labels[:200]))
    window.tabs.setCurrentWidget(panel)
    panel.settings.set_config(TrainConfig(epochs=1, batch_size=50, subset=200, eval_subset=200,
                                          augment=False), preset="tiny", fresh=True)
    with qtbot.waitSignal(panel.sigTrainingFinished, timeout=60_000):
        qtbot.mouseClick(panel.run_box.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.run_box.save_button.isEnabled(), timeout=5000)
    qtbot.mouseClick(panel.run_box.save_button, Qt.MouseButton.LeftButton)
    starts = [Path(p) for p in offered]
    assert len(starts) == 2 and starts[0].name != "model.npz"
    assert starts[0].name.startswith("trained-playground-") and starts[0].suffix == ".npz"
    assert starts[1].name.startswith("trained-tiny") and starts[1].suffix == ".npz"
    for start in starts:
        assert str(start.parent.resolve()) == str(Path(documents_folder()).resolve())

"""engine.system.atomic.atomic_write and the atomic model saves built on it
(``engine.save_model`` / ``Model.save``): readers see the old file or the
complete new one, never a partial write. A read-only folder, a directory in
the way, a missing folder and a writer that fails midway (disk full) raise
``OSError`` and leave what was there intact, with no temp file left; saved
files get ordinary permissions. (A process SIGKILLed while saving:
``tests/scenarios/test_sigkill_during_save.py``.)
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.nn import presets
from engine.nn.model_file import save_model
from engine.system.atomic import atomic_write
from tests.support.data_fixtures import REPO_ROOT

reliability = pytest.mark.reliability


def _seeded(seed: int):
    return presets.build("tiny", np.random.default_rng(seed))


READONLY_SAVER = textwrap.dedent("""
    import os, sys, zipfile, json
    import numpy as np
    from engine.nn import presets
    from engine.nn.model_file import save_model
    model = presets.build("tiny", np.random.default_rng(2))
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)   # root ignores permissions: become nobody
    try:
        save_model(model, sys.argv[1])
        print("SAVED")
    except OSError as exc:
        print("OSError", type(exc).__name__, exc.errno)
""")


@reliability
def test_read_only_folder_raises_and_keeps_the_old_file(tmp_path):
    old = _seeded(1)
    if os.geteuid() == 0:
        # Root writes anywhere; run the save as 'nobody' in a folder nobody can reach.
        outer = Path(tempfile.mkdtemp(prefix="ro-save-"))
        try:
            outer.chmod(0o755)
            folder = outer / "ro"
            folder.mkdir()
            save_model(old, folder / "model.npz")
            before = (folder / "model.npz").read_bytes()
            folder.chmod(0o555)
            proc = subprocess.run([sys.executable, "-c", READONLY_SAVER, str(folder / "model.npz")],
                                  cwd=outer, capture_output=True, text=True, timeout=60,
                                  env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
            assert proc.stdout.split()[:3] == ["OSError", "PermissionError", "13"], proc.stdout + proc.stderr
            assert (folder / "model.npz").read_bytes() == before
            assert sorted(p.name for p in folder.iterdir()) == ["model.npz"]
            loaded = engine.load_model(folder / "model.npz")
        finally:
            if (outer / "ro").exists():
                (outer / "ro").chmod(0o755)
            shutil.rmtree(outer)
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        save_model(old, folder / "model.npz")
        before = (folder / "model.npz").read_bytes()
        folder.chmod(0o555)
        try:
            with pytest.raises(PermissionError):
                save_model(_seeded(2), folder / "model.npz")
            assert (folder / "model.npz").read_bytes() == before
            assert sorted(p.name for p in folder.iterdir()) == ["model.npz"]
            loaded = engine.load_model(folder / "model.npz")
        finally:
            folder.chmod(0o755)
    for name, value in old.named_params().items():
        assert np.array_equal(loaded.named_params()[name], value)


@reliability
def test_saving_over_a_directory_raises_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "model.npz"
    target.mkdir()
    (target / "keep.txt").write_text("precious")
    with pytest.raises(OSError):
        _seeded(0).save(target)
    assert target.is_dir() and (target / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    empty = tmp_path / "empty.npz"
    empty.mkdir()
    with pytest.raises(OSError):
        save_model(_seeded(0), empty)
    assert empty.is_dir() and not any(empty.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.npz", "model.npz"]


@reliability
def test_saving_into_a_missing_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        save_model(_seeded(0), tmp_path / "nope" / "model.npz")
    assert list(tmp_path.iterdir()) == []


@reliability
def test_failed_save_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch):
    """The writer fails after writing some bytes (disk full): the previous file
    is untouched and the temp file is removed."""
    path = tmp_path / "model.npz"
    old = _seeded(1)
    old.save(path)
    before = path.read_bytes()

    def savez(f, **arrays):
        f.write(b"PK\x03\x04 partial")
        raise OSError(28, "No space left on device (simulated)")

    monkeypatch.setattr(np, "savez", savez)
    with pytest.raises(OSError, match="No space left"):
        _seeded(2).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    engine.load_model(path)


def test_saved_files_get_ordinary_permissions(tmp_path):
    """A model saved with umask 022 is readable by others (0644), like any
    file the user saves: the bundled model ships as a file other users must
    read. ``tempfile.mkstemp`` creates 0600 files, and the rename keeps that."""
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "model.npz"
        _seeded(0).save(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, oct(path.stat().st_mode)
        _seeded(1).save(path)  # and when overwriting
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, oct(path.stat().st_mode)
    finally:
        os.umask(old_umask)


# ---------------------------------------------------------------- atomic_write itself
def test_atomic_write_replaces_the_file_only_on_success(tmp_path):
    path = tmp_path / "data.bin"
    with atomic_write(path) as f:
        f.write(b"first")
        assert not path.exists()                 # nothing visible before the rename
    assert path.read_bytes() == b"first"
    with atomic_write(str(path)) as f:           # str paths too
        f.write(b"second, longer")
        assert path.read_bytes() == b"first"     # the old file until the end
    assert path.read_bytes() == b"second, longer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]


@reliability
def test_atomic_write_error_inside_keeps_the_old_file(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(path) as f:
            f.write(b"half of the new")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.bin"]


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path, monkeypatch):
    """A replaced file keeps its permissions; a relative name is written in
    the current folder."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")
    path.chmod(0o600)
    with atomic_write("data.bin") as f:
        f.write(b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o600

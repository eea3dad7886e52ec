"""Atomic model saves (``engine.save_model`` / ``Model.save``).

A subprocess saves a ~10 MB model to the same path in a loop, each version
with distinct, known weights, and is SIGKILLed at seeded random moments
(5-200 ms after it reported that it started saving). After every kill the
target must be a complete model file, loadable by ``engine.load_model``,
holding exactly the previous or the in-progress version; leftover
``.model.npz.*.tmp`` files may exist but are never the model and never break
the next save. Also: a read-only folder, a directory in the way and a
missing folder raise ``OSError`` and leave what was there intact, and saved
files get ordinary permissions.
"""
from __future__ import annotations

import os
import random
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import engine
from engine import presets
from engine.model_io import save_model

REPO_ROOT = Path(__file__).resolve().parents[2]

MODEL_CODE = textwrap.dedent("""
    import numpy as np
    from engine.layers import Dense, Flatten, ReLU
    from engine.model import Model

    def big_model():
        '''2.66 M parameters, a 10.6 MB file.'''
        rng = np.random.default_rng(0)
        return Model([Flatten(), Dense(784, 2048, rng=rng), ReLU(), Dense(2048, 512, rng=rng), ReLU(),
                      Dense(512, 10, rng=rng)])

    def set_version(model, base, k):
        '''Version k: every weight is base + k (exact, deterministic).'''
        for name, value in model.named_params().items():
            np.add(base[name], np.float32(k), out=value)
        model.metadata["version"] = k
""")

SAVER = MODEL_CODE + textwrap.dedent("""
    import sys
    from engine.model_io import save_model
    path, k = sys.argv[1], int(sys.argv[2])
    model = big_model()
    base = model.get_weights()
    while True:
        set_version(model, base, k)
        print("saving", k, flush=True)
        save_model(model, path)
        print("saved", k, flush=True)
        k += 1
""")

TMP_NAME = re.compile(r"^\.model\.npz\..+\.tmp$")


def _namespace() -> dict:
    ns: dict = {}
    exec(compile(MODEL_CODE, "<model code>", "exec"), ns)
    return ns


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise AssertionError(f"no output from the saver within {timeout} s")
    return proc.stdout.readline()


def _check_version(path: Path, base: dict, allowed: set[int]) -> int:
    model = engine.load_model(path)
    version = model.metadata["version"]
    assert version in allowed, f"file holds version {version}, expected one of {sorted(allowed)}"
    for name, value in model.named_params().items():
        assert np.array_equal(value, base[name] + np.float32(version)), f"{name} of version {version} differs"
    return version


def test_sigkill_during_save_never_leaves_a_broken_model(tmp_path):
    ns = _namespace()
    model = ns["big_model"]()
    base = model.get_weights()
    path = tmp_path / "model.npz"
    ns["set_version"](model, base, 0)
    save_model(model, path)
    visible = 0          # the version the file holds
    next_start = 1
    rng = random.Random(20240611)
    mid_save_kills = 0
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    try:
        for _ in range(10):
            start = next_start
            proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path), str(start)], cwd=tmp_path,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            try:
                first = _read_line(proc, 60)
                assert first.strip() == f"saving {start}", (first, proc.stderr.read() if proc.poll() else "")
                time.sleep(rng.uniform(0.005, 0.200))
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                lines = [first] + proc.stdout.read().splitlines()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=30)
                proc.stdout.close()
                proc.stderr.close()
            assert proc.returncode == -signal.SIGKILL
            started = [int(l.split()[1]) for l in lines if l.startswith("saving")]
            saved = [int(l.split()[1]) for l in lines if l.startswith("saved")]
            last = started[-1]
            if saved and saved[-1] == last:
                allowed = {last}                        # finished: must be visible
            else:
                mid_save_kills += 1
                allowed = {last, saved[-1] if saved else visible}  # old or new, nothing else
            visible = _check_version(path, base, allowed)
            next_start = last + 1
            others = [p.name for p in tmp_path.iterdir() if p.name != "model.npz"]
            assert all(TMP_NAME.match(n) for n in others), others
        # leftovers never break the next save, nor are they ever the model
        ns["set_version"](model, base, next_start)
        save_model(model, path)
        _check_version(path, base, {next_start})
        assert mid_save_kills >= 1  # the saver spends nearly all its time saving
        leftovers = sum(1 for p in tmp_path.iterdir() if TMP_NAME.match(p.name))
        print(f"{mid_save_kills} of 10 kills landed mid-save; {leftovers} temp files left behind")
    finally:
        for p in tmp_path.iterdir():  # ~10 MB each: do not keep them around
            p.unlink()


def _seeded(seed: int):
    return presets.build("tiny", np.random.default_rng(seed))


READONLY_SAVER = textwrap.dedent("""
    import os, sys, zipfile, json
    import numpy as np
    from engine import presets
    from engine.model_io import save_model
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


def test_saving_into_a_missing_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        save_model(_seeded(0), tmp_path / "nope" / "model.npz")
    assert list(tmp_path.iterdir()) == []


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

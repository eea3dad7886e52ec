"""Hostile model files: ``engine.load_model`` must refuse every one of them.

Model files are untrusted input (users download and open them). Each case of
the catalogue (:mod:`tests.support.hostile_models`) builds one malformed,
malicious or absurd file; ``engine.load_model(path)`` must raise
:class:`ModelFileError` (a ``ValueError``) whose message contains a specific
fragment, within a time limit, with a bounded peak of traced allocations
(``tracemalloc``), and without executing anything: files that carry pickle
payloads would create a marker file if they were ever unpickled, and a
subprocess with an audit hook (``sys.addaudithook``) checks that no
``pickle.find_class`` / ``os.system`` / process-spawning / marker ``open``
event happens while loading them. Also: special files never hang, a missing
path is an OSError, and unusual but valid files load. (What the command line
prints for such a file: ``tests/scenarios/test_cli_bad_inputs.py``.)
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.nn.model_file import ModelFileError
from tests.support.data_fixtures import REPO_ROOT
from tests.support.hostile_models import (BASE, CASES, CFG, MARKER_NAME, PARAMS, PICKLE_CASES,
                                          OpenPayload, SystemPayload, arrays, base_members,
                                          write_npz, write_zip)

pytestmark = pytest.mark.reliability


def test_enough_variants():
    assert len(CASES) >= 20
    assert set(PICKLE_CASES) <= set(CASES)


@pytest.mark.parametrize("cid", list(CASES))
def test_hostile_file_is_refused(cid, tmp_path, monkeypatch):
    build, match, seconds, peak_mb = CASES[cid]
    path = build(tmp_path)
    monkeypatch.chdir(tmp_path)  # a relative marker ("touch PWNED-marker") would land here
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ModelFileError, match=match) as info:
            engine.load_model(path)
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, ValueError)
    assert elapsed < seconds, f"took {elapsed:.2f} s (limit {seconds} s)"
    assert peak < peak_mb * 2**20, f"peak traced allocation {peak / 2**20:.0f} MB (limit {peak_mb} MB)"
    assert len(str(info.value)) < 2000, f"message of {len(str(info.value))} characters"
    assert not list(tmp_path.rglob(MARKER_NAME)), "a pickle payload was executed"


def test_payloads_are_live(tmp_path):
    """Control: the payloads really create the marker when unpickled (so the
    absence of the marker above means nothing was unpickled)."""
    marker = tmp_path / MARKER_NAME
    pickle.loads(pickle.dumps(OpenPayload(marker))).close()
    assert marker.exists()
    marker.unlink()
    write_npz(tmp_path / "m.npz", arrays(fc1__b=np.array([SystemPayload(marker)] * 10)))
    with np.load(tmp_path / "m.npz", allow_pickle=True) as z:
        z["fc1.b"]
    assert marker.exists()


AUDIT_SCRIPT = textwrap.dedent("""
    import json, sys
    import engine, numpy as np
    events = []
    WATCH = ("pickle.find_class", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn",
             "os.spawn", "os.fork", "ctypes.dlopen", "builtins.input")
    def hook(event, args):
        if event in WATCH or (event == "open" and "PWNED" in str(args[0] if args else "")):
            events.append([event, repr(args)[:200]])
    sys.addaudithook(hook)
    results = {}
    for path in sys.argv[2:]:
        try:
            engine.load_model(path)
            results[path] = "LOADED"
        except engine.ModelFileError as exc:
            results[path] = "ModelFileError"
        except BaseException as exc:
            results[path] = type(exc).__name__ + ": " + str(exc)[:200]
    clean = list(events)
    # control: np.load with pickles allowed must trip the hook
    with np.load(sys.argv[1], allow_pickle=True) as z:
        z["fc1.b"]
    print(json.dumps({"results": results, "events": clean, "control": events[len(clean):]}))
""")


def test_loading_executes_nothing_audit_hook(tmp_path):
    paths = []
    for cid in PICKLE_CASES:
        folder = tmp_path / cid
        folder.mkdir()
        paths.append(str(CASES[cid][0](folder)))
    control = write_npz(tmp_path / "control.npz",
                        arrays(fc1__b=np.array([OpenPayload(tmp_path / "control-PWNED")] * 10)))
    proc = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, str(control), *paths], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["results"] == {p: "ModelFileError" for p in paths}
    assert out["events"] == []
    assert {e[0] for e in out["control"]} >= {"pickle.find_class", "open"}, out["control"]
    assert not list(tmp_path.rglob(MARKER_NAME))


SPECIAL_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import engine
    for path in sys.argv[1:]:
        t0 = time.perf_counter()
        try:
            engine.load_model(path)
            result = "LOADED"
        except engine.ModelFileError as exc:
            result = "ModelFileError: " + str(exc)
        except BaseException as exc:
            result = type(exc).__name__ + ": " + str(exc)
        print(json.dumps([path, result, time.perf_counter() - t0]), flush=True)
""")


def test_special_files_do_not_hang(tmp_path):
    """A FIFO (opening it would block forever) and symlinks to /dev/zero and
    /dev/urandom (endless data): refused quickly. Run in a subprocess with a
    timeout so that a regression hangs nothing."""
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    paths = [fifo]
    for dev in ("/dev/zero", "/dev/urandom"):
        link = tmp_path / f"{Path(dev).name}.npz"
        link.symlink_to(dev)
        paths.append(link)
    try:
        proc = subprocess.run([sys.executable, "-c", SPECIAL_SCRIPT, *map(str, paths)], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"loading a special file hung: {exc.stdout!r}")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r[0] for r in rows] == [str(p) for p in paths], proc.stderr
    for path, result, seconds in rows:
        assert result.startswith("ModelFileError: "), (path, result)
        assert "empty" in result or "not a regular file" in result, (path, result)
        assert seconds < 1.0


def test_missing_paths_are_oserrors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at"):
        engine.load_model(tmp_path / "nope.npz")
    (tmp_path / "dangling.npz").symlink_to(tmp_path / "gone.npz")
    with pytest.raises(FileNotFoundError):
        engine.load_model(tmp_path / "dangling.npz")
    (tmp_path / "loop.npz").symlink_to(tmp_path / "loop.npz")
    with pytest.raises(OSError):
        engine.load_model(tmp_path / "loop.npz")
    with pytest.raises(FileNotFoundError):
        engine.load_model(tmp_path / "no-such-folder" / "m.npz")


def test_control_the_base_files_load(tmp_path):
    """The builders' starting points are valid: each case fails for its one defect."""
    model = engine.load_model(write_npz(tmp_path / "a.npz", arrays()))
    for k, v in PARAMS.items():
        np.testing.assert_array_equal(model.named_params()[k], v)
    engine.load_model(write_zip(tmp_path / "b.npz", base_members()))
    engine.load_model(write_zip(tmp_path / "c.npz", base_members(), zipfile.ZIP_DEFLATED))


def test_unusual_but_valid_files_load_and_predict_the_same(tmp_path):
    """Not hostile: Fortran-ordered weights, float64 weights and deflated members
    give the same predictions as the plain file."""
    x = np.random.default_rng(3).random((4, 1, 28, 28), dtype=np.float32)
    want = BASE.predict_proba(x)
    fortran = arrays(**{k.replace(".", "__"): np.asfortranarray(v) for k, v in PARAMS.items()})
    m = engine.load_model(write_npz(tmp_path / "f.npz", fortran))
    np.testing.assert_allclose(m.predict_proba(x), want, rtol=1e-5, atol=1e-6)
    f64 = arrays(**{k.replace(".", "__"): v.astype(np.float64) for k, v in PARAMS.items()})
    m = engine.load_model(write_npz(tmp_path / "d.npz", f64))
    assert m.named_params()["fc1.W"].dtype == np.float64
    np.testing.assert_allclose(m.predict_proba(x), want, rtol=1e-4, atol=1e-6)
    path = tmp_path / "z.npz"
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays())
    np.testing.assert_array_equal(engine.load_model(path).predict_proba(x), want)


def test_deeply_nested_metadata_loads_into_a_usable_model(tmp_path):
    """Metadata nested 900 deep parses (under json's recursion limit); a model
    that loads must then also clone and save (the GUI clones models), or the
    file must be refused at load time."""
    raw = json.dumps(CFG).encode().replace(b'"metadata": {', b'"metadata": {"deep": ' + b"[" * 900
                                           + b"]" * 900 + b", ", 1)
    assert raw.count(b"[") >= 900
    path = write_npz(tmp_path / "m.npz", arrays(raw_arch=raw))
    try:
        model = engine.load_model(path)
    except ModelFileError:
        return  # refusing it is fine too
    twin = model.clone()
    twin.save(tmp_path / "again.npz")
    engine.load_model(tmp_path / "again.npz")

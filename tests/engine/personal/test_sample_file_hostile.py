"""Hostile personal-set files: ``load_personal_set`` must refuse every one with
a :class:`PersonalSetError` (a ``ValueError``) whose message names the
problem, quickly, with a bounded peak of traced allocations, and without ever
unpickling (payloads would create a marker file). Special files never hang."""
from __future__ import annotations

import gzip
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

from engine.personal import PersonalSetError, load_personal_set, save_personal_set
from engine.personal.sample_file import FORMAT, MAX_FILE_BYTES
from engine.personal.sample_set import MAX_POINTS, MAX_SAMPLES
from tests.engine.personal.test_sample_set import small_set
from tests.support.data_fixtures import REPO_ROOT
from tests.support.hostile_models import (MARKER_NAME, OpenPayload, SystemPayload, flip_byte,
                                          member_data_offset, npy_bytes, npy_header,
                                          patch_central_entry, write_zip)

pytestmark = pytest.mark.reliability


def arrays(**replace) -> dict:
    """The arrays of a valid 3-sample file (2 strokes each), some replaced
    (a value of None drops the member)."""
    out = {"meta": np.frombuffer(json.dumps({"format": FORMAT, "version": 1}).encode(), np.uint8),
           "images": np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32),
           "labels": np.array([1, 7, 0], np.int64), "added": np.array([1.7e9] * 3),
           "stroke_starts": np.array([0, 2, 4, 6], np.int64),
           "point_starts": np.array([0, 3, 4, 7, 8, 10, 11], np.int64),
           "points": np.linspace(0.1, 0.9, 22, dtype=np.float32).reshape(11, 2)}
    out.update(replace)
    return {k: v for k, v in out.items() if v is not None}


def members(**replace) -> dict[str, bytes]:
    return {f"{k}.npy": v if isinstance(v, bytes) else npy_bytes(v) for k, v in arrays(**replace).items()}


def npz(**replace):
    return lambda tmp: write_zip(tmp / "p.npz", members(**replace))


def raw(data: bytes):
    def build(tmp):
        (tmp / "p.npz").write_bytes(data)
        return tmp / "p.npz"
    return build


def saved_bytes() -> bytes:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        return save_personal_set(small_set(4), Path(d) / "s.npz").read_bytes()


def meta(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode(), np.uint8)


def zip_bomb(tmp):
    path = tmp / "p.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in members().items():
            if name != "points.npy":
                zf.writestr(name, data)
        with zf.open("points.npy", "w", force_zip64=True) as f:
            f.write(npy_header((11, 2)))
            for _ in range(300):
                f.write(bytes(1 << 20))
    return path


def many_members(tmp):
    path = write_zip(tmp / "p.npz", members())
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(10000):
            zf.writestr(f"x{i}.npy", b"")
    return path


def patched(member: str, **kw):
    def build(tmp):
        path = write_zip(tmp / "p.npz", members())
        patch_central_entry(path, member, **kw)
        return path
    return build


def crc(tmp):
    path = write_zip(tmp / "p.npz", members())
    return flip_byte(path, member_data_offset(path, "images.npy") + 128 + 400)


def sparse(tmp):
    with open(tmp / "p.npz", "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    return tmp / "p.npz"


N = MAX_SAMPLES + 1
SAVED = saved_bytes()
CASES = {
    "empty": (raw(b""), r"p\.npz is empty"),
    "random-bytes": (raw(np.random.default_rng(1).bytes(5000)), "not a personal-set file"),
    "text": (raw(b"1,2,3\n" * 100), "not a personal-set file"),
    "gzip-of-a-set": (raw(gzip.compress(SAVED)), "not a personal-set file"),
    "pickle-payload": (lambda tmp: raw(pickle.dumps([OpenPayload(tmp / MARKER_NAME)]))(tmp),
                       "not a personal-set file"),
    "bare-npy": (raw(npy_bytes(arrays()["images"])), "not a personal-set file"),
    **{f"truncated-{f}": (raw(SAVED[:int(len(SAVED) * f)]), "not a personal-set file|corrupt")
       for f in (0.1, 0.5, 0.9)},
    "truncated-tail": (raw(SAVED[:-10]), "not a personal-set file|corrupt"),
    "too-large": (sparse, "larger than any personal set"),
    "a-model-file": (lambda tmp: _model_file(tmp), "members|unexpected member"),
    "extra-member": (lambda tmp: write_zip(tmp / "p.npz", {**members(), "x.npy": npy_bytes(np.zeros(2))}),
                     "members"),
    "missing-member": (npz(points=None), "members|missing"),
    "renamed-member": (lambda tmp: write_zip(tmp / "p.npz", {**{k: v for k, v in members().items() if k != "added.npy"},
                                                              "Added.npy": npy_bytes(np.zeros(3))}),
                       "unexpected member 'Added.npy'"),
    "directory-entry": (lambda tmp: write_zip(tmp / "p.npz", {**{k: v for k, v in members().items() if k != "added.npy"},
                                                               "added.npy/": b""}), "unexpected member"),
    "many-members": (many_members, "members"),
    "zip-bomb": (zip_bomb, "unpacks to"),
    "encrypted": (patched("labels.npy", flag_or=1), "corrupt or truncated"),
    "unknown-compression": (patched("labels.npy", method=99), "corrupt or truncated"),
    "crc-error": (crc, "corrupt or truncated|CRC"),
    "object-labels-with-payload": (lambda tmp: npz(labels=np.array([SystemPayload(tmp / MARKER_NAME)] * 3))(tmp),
                                   "holds Python objects"),
    "object-points-with-payload": (lambda tmp: npz(points=np.array([OpenPayload(tmp / MARKER_NAME)]))(tmp),
                                   "holds Python objects"),
    "pickle-bytes-as-member": (lambda tmp: npz(meta=pickle.dumps(OpenPayload(tmp / MARKER_NAME)))(tmp),
                               "malformed"),
    "labels-int32": (npz(labels=np.array([1, 7, 0], np.int32)), "labels has dtype int32"),
    "images-float64": (npz(images=arrays()["images"].astype(np.float64)), "images has dtype float64"),
    "images-big-endian": (npz(images=arrays()["images"].astype(">f4")), "images has dtype"),
    "points-structured": (npz(points=np.zeros(11, [("x", "<f4"), ("y", "<f4")])), "points has dtype"),
    "images-wrong-shape": (npz(images=np.zeros((3, 28, 28), np.float32)), r"images has shape \(3, 28, 28\)"),
    "counts-disagree": (npz(labels=np.array([1, 7], np.int64)), "has shape"),
    "points-three-columns": (npz(points=np.zeros((11, 3), np.float32)), "points has shape"),
    "labels-2d": (npz(labels=np.zeros((3, 1), np.int64)), "labels has shape"),
    "too-many-samples-declared": (npz(labels=npy_header((N,), "<i8") + bytes(64)), "declares shape"),
    "too-many-samples": (npz(**{k: np.zeros((N,) + v.shape[1:], v.dtype) for k, v in arrays().items()
                                if k in ("images", "labels", "added")},
                             stroke_starts=np.zeros(N + 1, np.int64)), "at most 20,000"),
    "too-many-points": (npz(points=np.full((MAX_POINTS + 1, 2), 0.5, np.float32),
                            point_starts=np.array([0, 3, 4, 7, 8, 10, MAX_POINTS + 1])),
                        "stroke points, more than the limit"),
    "80GB-header": (npz(images=npy_header((20_000_000_000, 1, 28, 28)) + bytes(64)), "declares shape"),
    "nan-image": (npz(images=np.full((3, 1, 28, 28), np.nan, np.float32)), "images holds values"),
    "image-above-one": (npz(images=np.full((3, 1, 28, 28), 2.0, np.float32)), "images holds values"),
    "label-10": (npz(labels=np.array([1, 10, 0])), "labels holds values"),
    "label-negative": (npz(labels=np.array([1, -1, 0])), "labels holds values"),
    "time-nan": (npz(added=np.array([1.0, np.nan, 2.0])), "added holds values"),
    "time-negative": (npz(added=np.array([1.0, -5.0, 2.0])), "added holds values"),
    "point-outside": (npz(points=np.full((11, 2), 1.5, np.float32)), "points holds values"),
    "point-inf": (npz(points=np.full((11, 2), np.inf, np.float32)), "points holds values"),
    "stroke-offsets-not-from-0": (npz(stroke_starts=np.array([1, 2, 4, 6])), "stroke_starts are not"),
    "stroke-offsets-decreasing": (npz(stroke_starts=np.array([0, 4, 2, 6])), "stroke_starts are not"),
    "stroke-offsets-wrong-end": (npz(stroke_starts=np.array([0, 2, 4, 5])), "stroke_starts are not"),
    "empty-stroke": (npz(point_starts=np.array([0, 3, 3, 7, 8, 10, 11])), "point_starts are not"),
    "point-offsets-beyond": (npz(point_starts=np.array([0, 3, 4, 7, 8, 10, 12])), "point_starts are not"),
    "too-many-strokes-in-a-sample": (npz(stroke_starts=np.array([0, 0, 0, 66]),
                                         point_starts=np.arange(67),
                                         points=np.full((66, 2), 0.5, np.float32)),
                                     "stroke_starts are not"),
    "meta-wrong-format": (npz(meta=meta({"format": "cnn-playground-model", "version": 1})),
                          "not a personal-set file"),
    "meta-newer-version": (npz(meta=meta({"format": FORMAT, "version": 2})), "version 2"),
    "meta-not-json": (npz(meta=np.frombuffer(b"{format", np.uint8)), "not valid JSON"),
    "meta-deep-json": (npz(meta=np.frombuffer(b"[" * 4000, np.uint8)), "not valid JSON|not a"),
    "meta-too-long": (npz(meta=np.full(5000, 32, np.uint8)), "meta is not a short"),
    "meta-2d": (npz(meta=np.zeros((2, 2), np.uint8)), "meta is not a short"),
}


def _model_file(tmp):
    import engine
    from engine.nn import presets
    engine.save_model(presets.build("tiny", np.random.default_rng(0)), tmp / "p.npz")
    return tmp / "p.npz"


def test_enough_variants():
    assert len(CASES) >= 50


def test_the_base_file_loads(tmp_path):
    s = load_personal_set(write_zip(tmp_path / "p.npz", members()))
    assert s.labels.tolist() == [1, 7, 0]
    assert [len(x.strokes) for x in s] == [2, 2, 2]
    assert [len(p) for x in s for p in x.strokes] == [3, 1, 3, 1, 2, 1]


@pytest.mark.parametrize("cid", list(CASES))
def test_hostile_file_is_refused(cid, tmp_path, monkeypatch):
    build, match = CASES[cid]
    path = build(tmp_path)
    monkeypatch.chdir(tmp_path)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(PersonalSetError, match=match) as info:
            load_personal_set(path)
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, ValueError)
    limit = 3.0 if cid in ("too-many-points", "too-many-samples") else 1.0
    assert elapsed < limit, f"took {elapsed:.2f} s"
    assert peak < 100 * 2**20, f"peak traced allocation {peak / 2**20:.0f} MB"
    assert len(str(info.value)) < 600
    assert not list(tmp_path.rglob(MARKER_NAME)), "a pickle payload was executed"


SPECIAL_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from engine.personal import PersonalSetError, load_personal_set
    for path in sys.argv[1:]:
        t0 = time.perf_counter()
        try:
            load_personal_set(path)
            result = "LOADED"
        except PersonalSetError as exc:
            result = "PersonalSetError: " + str(exc)
        except BaseException as exc:
            result = type(exc).__name__ + ": " + str(exc)
        print(json.dumps([path, result, time.perf_counter() - t0]), flush=True)
""")


def test_special_files_and_folders_never_hang(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    paths = [fifo, tmp_path]
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
        assert result.startswith("PersonalSetError: "), (path, result)
        assert "not a regular file" in result or "is a folder" in result, (path, result)
        assert seconds < 1.0

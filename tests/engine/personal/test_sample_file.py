"""Personal-set files: round trip, the per-user default path, export/import,
atomic writes. Hostile files: ``tests/engine/personal/test_sample_file_hostile.py``."""
from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from engine.personal import (PersonalSet, default_personal_path, import_personal_set,
                             load_personal_set, save_personal_set)
from engine.personal.sample_file import ENV_VAR, FORMAT
from tests.engine.personal.test_sample_set import image, small_set, stroke


def assert_same(a: PersonalSet, b: PersonalSet) -> None:
    assert a.ids == b.ids
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.image, y.image)
        assert x.label == y.label and x.added == y.added
        assert len(x.strokes) == len(y.strokes)
        for p, q in zip(x.strokes, y.strokes):
            np.testing.assert_array_equal(p, q)


def test_round_trip_keeps_everything(tmp_path):
    s = small_set(12).add(image(50), 4, [])                   # a sample without strokes
    path = save_personal_set(s, tmp_path / "mine.npz")
    back = load_personal_set(path)
    assert_same(s, back)
    assert back.sample(back.ids[-1]).strokes == ()
    assert not back.sample(back.ids[0]).image.flags.writeable


def test_empty_set_round_trips(tmp_path):
    path = save_personal_set(PersonalSet(), tmp_path / "empty.npz")
    assert len(load_personal_set(path)) == 0


def test_file_is_a_plain_compressed_npz_without_pickles(tmp_path):
    path = save_personal_set(small_set(3), tmp_path / "p.npz")
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
    assert names == sorted(f"{k}.npy" for k in ("meta", "images", "labels", "added",
                                                "stroke_starts", "point_starts", "points"))
    with np.load(path, allow_pickle=False) as z:
        assert FORMAT in z["meta"].tobytes().decode()
        assert z["points"].dtype == np.float32 and z["labels"].dtype == np.int64
        assert z["stroke_starts"].tolist() == [0, 2, 4, 6]


def test_default_path_honours_the_environment_variable(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "folder" / "set.npz"
    monkeypatch.setenv(ENV_VAR, str(target))
    assert default_personal_path() == target
    assert len(load_personal_set()) == 0                       # nothing saved yet: empty
    assert save_personal_set(small_set(4)) == target           # folders created
    assert len(load_personal_set()) == 4
    monkeypatch.delenv(ENV_VAR)
    assert default_personal_path().name == "personal-set.npz"
    assert "cnn-playground" in str(default_personal_path())


def test_an_explicit_missing_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no personal-set file"):
        load_personal_set(tmp_path / "nope.npz")


def test_import_merges_without_duplicates(tmp_path):
    mine = small_set(6)
    theirs = PersonalSet().add(image(3), 8).add(image(77), 2, [stroke(1)])
    path = save_personal_set(theirs, tmp_path / "export.npz")
    merged = import_personal_set(mine, path)
    assert len(merged) == 7 and merged.ids[:6] == mine.ids
    assert import_personal_set(merged, path).ids == merged.ids


def test_saving_is_atomic_and_never_replaces_a_folder(tmp_path, monkeypatch):
    path = save_personal_set(small_set(3), tmp_path / "p.npz")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(OSError, match="disk full"):
        save_personal_set(small_set(5), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.npz"]     # no temporary file left
    monkeypatch.undo()
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(IsADirectoryError):
        save_personal_set(small_set(2), tmp_path / "folder.npz")
    assert (tmp_path / "folder.npz").is_dir()


def test_a_symlink_is_written_through(tmp_path):
    real = save_personal_set(small_set(2), tmp_path / "real.npz")
    link = tmp_path / "link.npz"
    os.symlink(real, link)
    save_personal_set(small_set(5), link)
    assert link.is_symlink() and len(load_personal_set(real)) == 5

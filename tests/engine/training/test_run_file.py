"""engine.training.run_file: a run saved with its checkpoints reloads bit for
bit; saving is atomic and refuses what must not be replaced; hostile run
files (truncated, not a zip, pickles, wrong dtypes and shapes, NaN, steps
out of order, huge declared shapes, too many members, bad settings or
architectures, ...) are refused with a RunFileError naming the file."""
from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.checkpoints import CheckpointWatcher
from engine.training.config import TrainConfig
from engine.training.run_file import (MAX_MEMBERS, MAX_RUN_FILE_BYTES, RunFileError, load_run,
                                      run_path_for, save_run)
from engine.training.run_record import RunRecorder
from engine.training.trainer import Trainer
from tests.support.hostile_models import OpenPayload


@pytest.fixture(scope="module")
def run(mnist_data):
    """A finished run of the tiny net: 1 epoch of 8 steps, checkpoints 0, 1, 2, 5, 8."""
    data = Dataset(mnist_data.train_images[:256], mnist_data.train_labels[:256],
                   mnist_data.test_images[:100], mnist_data.test_labels[:100])
    config = TrainConfig(epochs=1, batch_size=32, lr=0.05, augment=False, workers=1, seed=2)
    model = presets.build("tiny", np.random.default_rng(0))
    recorder = RunRecorder(model, config, "tiny, lr 0.05 — ünïcode", CheckpointWatcher(),
                           pen_mix=0.5)
    for report in Trainer(model, data, config, watchers=recorder.watchers).run():
        recorder.observe(report)
    return recorder.result()


@pytest.fixture
def saved(run, tmp_path):
    path = tmp_path / "good.run.npz"
    save_run(run, path)
    return path


def _members(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _description(members) -> dict:
    return json.loads(members["run"].tobytes().decode("utf-8"))


def _write(path, members: dict, description: dict | None = None) -> None:
    if description is not None:
        members["run"] = np.frombuffer(json.dumps(description).encode("utf-8"), np.uint8)
    np.savez(path, **members)


# ----------------------------------------------------------------- round trip
def test_a_saved_run_reloads_bit_for_bit(run, saved):
    back = load_run(saved)
    assert back.label == run.label and back.dataset == run.dataset
    assert back.config == run.config and back.architecture == run.architecture
    assert (back.finished_reason, back.elapsed_s, back.total_steps, back.pen_mix) == \
        (run.finished_reason, run.elapsed_s, run.total_steps, run.pen_mix)
    for name in ("steps", "loss", "accuracy", "lr", "epoch_test_accuracy", "epoch_test_loss",
                 "epoch_train_loss"):
        mine, theirs = getattr(run, name), getattr(back, name)
        assert mine.dtype == theirs.dtype and mine.tobytes() == theirs.tobytes(), name
    assert [(c.step, c.epoch_fraction) for c in back.checkpoints] == \
        [(c.step, c.epoch_fraction) for c in run.checkpoints] == \
        [(0, 0.0), (1, 0.125), (2, 0.25), (5, 0.625), (8, 1.0)]
    for mine, theirs in zip(run.checkpoints, back.checkpoints):
        assert mine.weights.keys() == theirs.weights.keys()
        for name, value in mine.weights.items():
            assert value.dtype == theirs.weights[name].dtype
            assert value.tobytes() == theirs.weights[name].tobytes()
            assert not theirs.weights[name].flags.writeable
    assert back.settings() == run.settings() and back.final_test_accuracy == run.final_test_accuracy
    x = np.random.default_rng(0).random((5, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(back.checkpoints[-1].model.predict_proba(x),
                                  run.checkpoints[-1].model.predict_proba(x))


def test_the_run_file_is_named_after_the_model_file(tmp_path):
    assert run_path_for(tmp_path / "model.npz") == tmp_path / "model.run.npz"
    assert run_path_for("out/my.model.npz").as_posix() == "out/my.model.run.npz"
    assert run_path_for("weights").as_posix() == "weights.run.npz"


def test_saving_replaces_a_file_atomically_and_writes_through_a_link(run, tmp_path):
    target = tmp_path / "real.run.npz"
    target.write_bytes(b"old")
    link = tmp_path / "link.run.npz"
    link.symlink_to(target)
    save_run(run, link)
    assert link.is_symlink() and len(load_run(target).checkpoints) == 5
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("kind", ["folder", "link to a folder", "device"])
def test_saving_refuses_what_is_not_a_regular_file(run, tmp_path, kind):
    folder = tmp_path / "folder.run.npz"
    folder.mkdir()
    path = {"folder": folder, "link to a folder": tmp_path / "link.run.npz",
            "device": "/dev/null"}[kind]
    if kind == "link to a folder":
        path.symlink_to(folder)
    with pytest.raises(OSError):
        save_run(run, path)
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_saving_refuses_a_run_the_format_cannot_hold(run, tmp_path):
    path = tmp_path / "x.run.npz"
    with pytest.raises(RunFileError, match="label"):
        save_run(replace(run, label="x" * 1000), path)
    with pytest.raises(RunFileError, match="strictly increasing"):
        save_run(replace(run, checkpoints=run.checkpoints[::-1]), path)
    with pytest.raises(RunFileError, match="different lengths"):
        save_run(replace(run, loss=run.loss[:-1]), path)
    partial = replace(run.checkpoints[1], weights={k: v for k, v in
                                                   run.checkpoints[1].weights.items()
                                                   if k != "fc1.b"})
    with pytest.raises(RunFileError, match=r"missing \['ckpt001/fc1.b'\]"):
        save_run(replace(run, checkpoints=(run.checkpoints[0], partial)), path)
    assert not path.exists()


# -------------------------------------------------------------- hostile files
def _set(key, value):
    def change(m, d):
        d[key] = value
    return change


def _set_config(key, value):
    def change(m, d):
        d["config"][key] = value
    return change


def _swap(member, make):
    def change(m, d):
        m[member] = make(m[member])
    return change


def _raw_run(data: bytes):
    def change(m, d):
        m["run"] = np.frombuffer(data, np.uint8)
        return "raw"
    return change


def _run_as_floats(m, d):
    m["run"] = m["run"].astype(np.float64)
    return "raw"


def _no_description(m, d):
    del m["run"]
    return "raw"


def _nan(a):
    a = a.copy()
    a.flat[0] = np.nan
    return a


def _bad_arch(m, d):
    d["architecture"]["layers"][-1]["in_features"] = 999


def _steps_out_of_order(m, d):
    d["checkpoints"][1]["step"], d["checkpoints"][2]["step"] = 2, 1


def _missing_member(m, d):
    del m["ckpt001/conv1.b"]


def _extra_member(m, d):
    m["notes"] = np.zeros(3)


def _mixed_dtypes(m, d):
    for key in [k for k in m if k.startswith("ckpt002/")]:
        m[key] = m[key].astype(np.float64)


def _huge_weights(m, d):
    for key in [k for k in m if k.startswith("ckpt003/") and k.endswith(".K")]:
        m[key] = np.full_like(m[key], 1e30)


def _too_many_epochs(m, d):
    for key in ("epoch_test_accuracy", "epoch_test_loss", "epoch_train_loss"):
        m[key] = np.full(2, 0.5)


CASES = {
    "object member": (_swap("loss", lambda a: np.array([{"a": 1}], dtype=object)),
                      "Python objects"),
    "curve dtype": (_swap("loss", lambda a: a.astype(np.float32)), "loss must be a float64"),
    "steps dtype": (_swap("steps", lambda a: a.astype(np.float64)), "steps must be a int64"),
    "weight dtype": (_swap("ckpt001/conv1.K", lambda a: a.astype(np.int32)), "ckpt001/conv1.K"),
    "big-endian weights": (_swap("ckpt001/fc1.W", lambda a: a.astype(">f4")), "ckpt001/fc1.W"),
    "mixed weight dtypes": (_mixed_dtypes, "mix float32 and float64"),
    "weight shape": (_swap("ckpt004/fc1.W", lambda a: a[:-1]), r"ckpt004/fc1.W .*expected"),
    "2-D curve": (_swap("lr", lambda a: a[:, None]), "lr must be"),
    "curve lengths": (_swap("accuracy", lambda a: a[:-2]), "different lengths"),
    "NaN weights": (_swap("ckpt002/conv2.K", _nan), "NaN or infinite"),
    "NaN loss": (_swap("loss", _nan), "loss holds NaN"),
    "negative lr": (_swap("lr", lambda a: -a), "negative learning rates"),
    "accuracy above 1": (_swap("accuracy", lambda a: a + 1.5), "outside 0..1"),
    "curve steps not increasing": (_swap("steps", lambda a: a[::-1].copy()), "strictly increasing"),
    "checkpoint steps not increasing": (_steps_out_of_order, "strictly increasing"),
    "checkpoint beyond the run": (_set("total_steps", 4), "step is not a whole number from 0"),
    "negative step": (lambda m, d: d["checkpoints"][0].update(step=-1), "step is not a whole"),
    "too many epochs": (_too_many_epochs, "at most 1 values"),
    "overflowing weights": (_huge_weights, "non-finite outputs"),
    "missing member": (_missing_member, r"missing \['ckpt001/conv1.b'\]"),
    "extra member": (_extra_member, r"unexpected \['notes'\]"),
    "unknown config key": (_set_config("turbo", True), "unknown setting 'turbo'"),
    "bad lr": (_set_config("lr", -0.5), "learning rate must be"),
    "lr as text": (_set_config("lr", "0.1"), "learning rate must be"),
    "huge seed": (_set_config("seed", 10**400), "seed must be"),
    "bad optimizer": (_set_config("optimizer", ["sgd"]), "optimizer is not text"),
    "bad augmentation": (_set_config("augment_config", {"elastic_grid": 10**9}), "elastic_grid"),
    "invalid architecture": (_bad_arch, "fc1"),
    "architecture not a network": (_set("architecture", {"format": "x"}), "format"),
    "unknown field": (_set("secret", 1), r"unknown \['secret'\]"),
    "long label": (_set("label", "x" * 5000), "label is not text of at most 200"),
    "label not text": (_set("label", ["x"]), "label is not text"),
    "bad reason": (_set("finished_reason", "exploded"), "finished_reason"),
    "NaN elapsed": (_set("elapsed_s", float("nan")), "elapsed_s"),
    "wrong format": (_set("format", "cnn-playground-model"), "not a run file of this app"),
    "newer version": (_set("version", 2), "unsupported run file version"),
    "not JSON": (_raw_run(b"{not json"), "not valid JSON"),
    "JSON not an object": (_raw_run(b"[1, 2]"), "not a JSON object"),
    "description not bytes": (_run_as_floats, "not UTF-8 bytes"),
    "no description": (_no_description, "no run description"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_run_file_is_refused_with_a_clear_message(saved, tmp_path, case):
    change, match = CASES[case]
    members = _members(saved)
    description = _description(members)
    raw = change(members, description)
    path = tmp_path / "hostile.run.npz"
    _write(path, members, None if raw else description)
    with pytest.raises(RunFileError, match=match) as caught:
        load_run(path)
    assert "hostile.run.npz" in str(caught.value) and "\n" not in str(caught.value)


def test_a_pickled_payload_is_never_run(saved, tmp_path):
    members = _members(saved)
    marker = tmp_path / "PWNED-marker"
    members["lr"] = np.array([OpenPayload(marker)], dtype=object)
    path = tmp_path / "pickle.run.npz"
    np.savez(path, **members)
    with pytest.raises(RunFileError, match="Python objects"):
        load_run(path)
    assert not marker.exists()


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.999])
def test_a_truncated_run_file_is_refused(saved, tmp_path, cut):
    data = saved.read_bytes()
    path = tmp_path / "cut.run.npz"
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(RunFileError, match="cut.run.npz"):
        load_run(path)


def test_files_that_are_not_run_files_are_refused(tmp_path):
    (tmp_path / "random.npz").write_bytes(np.random.default_rng(0).bytes(5000))
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "folder.npz").mkdir()
    model = presets.build("tiny", np.random.default_rng(0))
    model.save(tmp_path / "model.npz")
    for name, match in [("random.npz", "not a run file"), ("empty.npz", "is empty"),
                        ("folder.npz", "is a folder"), ("model.npz", "no run description")]:
        with pytest.raises(RunFileError, match=match):
            load_run(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        load_run(tmp_path / "missing.run.npz")


def test_a_huge_declared_shape_is_refused_before_allocating(saved, tmp_path):
    members = _members(saved)
    path = tmp_path / "huge.run.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in members.items():
            buf = io.BytesIO()
            if name == "loss":
                np.lib.format.write_array_header_1_0(
                    buf, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)})
                buf.write(b"\0" * 64)
            else:
                np.lib.format.write_array(buf, value, allow_pickle=False)
            zf.writestr(name + ".npy", buf.getvalue())
    with pytest.raises(RunFileError, match="declares shape"):
        load_run(path)


def test_too_many_members_are_refused_before_the_directory_is_read(tmp_path):
    path = tmp_path / "many.run.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(MAX_MEMBERS + 1):
            zf.writestr(f"m{i}.npy", b"")
    with pytest.raises(RunFileError, match="too many for a run file"):
        load_run(path)


def test_a_file_above_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.run.npz"
    with open(path, "wb") as f:
        f.truncate(MAX_RUN_FILE_BYTES + 1)              # sparse: no disk used
    with pytest.raises(RunFileError, match="larger than a run file may be"):
        load_run(path)
    assert os.path.getsize(path) == MAX_RUN_FILE_BYTES + 1

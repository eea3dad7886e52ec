"""engine.nn.model_file / engine.nn.model_load: saving and loading model files.

* round trip for every preset, float32 and float64: weights bit-identical,
  same architecture, metadata and predictions;
* the file is a plain ``.npz`` (``np.load(..., allow_pickle=False)`` reads it);
* writes are atomic: no temp files left, and a failed write keeps the old file;
* model files are untrusted: each malformed or hostile file raises
  :class:`ModelFileError` (a ``ValueError``) naming the problem, quickly and
  without allocating what an architecture declares. (The ``.npy`` header
  checks are in ``test_npz_reader.py``, the attack catalogue in
  ``test_model_file_hostile.py``.)
"""
from __future__ import annotations

import json
import os
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.nn.limits import MAX_PARAMS
from engine.nn.model import Model
from engine.nn.model_file import ModelFileError, save_model
from engine.nn.model_load import load_model
from tests.support.model_files import (arch_array, build, good_members, images, load_error,
                                       write_npz)

PRESETS = ["bench", "playground", "tiny"]
reliability = pytest.mark.reliability


# ================================================================ round trip
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", PRESETS)
def test_save_load_round_trip(tmp_path, name, dtype):
    model = build(name, dtype)
    model.metadata.update({"test_accuracy": 0.9912, "command": "train --preset " + name,
                           "nested": {"epochs": [1, 2, 3]}})
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = engine.load_model(path)
    assert isinstance(loaded, Model)
    assert loaded.config() == model.config()
    assert loaded.metadata == model.metadata
    assert loaded.layer_shapes() == model.layer_shapes()
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    assert Path(loaded.source) == path
    original = model.named_params()
    assert list(loaded.named_params()) == list(original)
    for k, v in loaded.named_params().items():
        assert v.dtype == np.dtype(dtype), k
        assert v.tobytes() == original[k].tobytes(), f"{k} not bit-identical"
        assert not np.shares_memory(v, original[k])
        assert loaded.named_grads()[k].shape == v.shape and loaded.named_grads()[k].dtype == v.dtype
    x = images()
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.layers[0].need_input_grad is False
    # and the loaded model trains (caches, grads of the right dtype)
    loaded.loss_and_grads(x.astype(dtype), np.arange(len(x)) % 10)
    assert all(np.isfinite(g).all() for g in loaded.named_grads().values())


def test_saved_file_is_a_plain_npz(tmp_path):
    model = build("tiny")
    path = tmp_path / "tiny.npz"
    save_model(model, path)
    with np.load(path, allow_pickle=False) as z:
        names = set(z.files)
        assert names == {"architecture"} | set(model.named_params())
        arch = json.loads(z["architecture"].tobytes().decode("utf-8"))
        assert arch == json.loads(json.dumps(model.config()))
        assert arch["format"] == "cnn-playground-model" and arch["version"] == 1
        for k, v in model.named_params().items():
            np.testing.assert_array_equal(z[k], v)
    assert zipfile.is_zipfile(path)


def test_save_overwrites_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "model.npz"
    build("tiny", seed=0).save(path)
    second = build("tiny", seed=5)
    second.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    loaded = load_model(path)
    for k, v in second.named_params().items():
        np.testing.assert_array_equal(loaded.named_params()[k], v)
    # str paths and relative paths work too
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        second.save("relative.npz")
    finally:
        os.chdir(cwd)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz", "relative.npz"]
    load_model(str(tmp_path / "relative.npz"))


@reliability
def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = build("tiny", seed=0)
    old.save(path)
    before = path.read_bytes()

    def broken_savez(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half-written archive " * 1000)   # some bytes, then the failure
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        build("tiny", seed=9).save(path)
    monkeypatch.undo()

    assert path.read_bytes() == before                          # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]   # temp file removed
    loaded = load_model(path)
    for k, v in old.named_params().items():
        np.testing.assert_array_equal(loaded.named_params()[k], v)


# ================================================================ bad files
def test_hand_built_file_is_valid(tmp_path):
    """The builder used for the bad files below makes loadable files, so each
    rejection is due to the one thing changed."""
    model = load_model(write_npz(tmp_path / "ok.npz", good_members()))
    assert model.num_params() == 9098


@reliability
def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    load_error(path, "empty")


@reliability
def test_random_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    load_error(path, "not a model file")


@reliability
@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_truncated_npz(tmp_path, keep):
    full = tmp_path / "full.npz"
    build("tiny").save(full)
    data = full.read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(data[:int(len(data) * keep)])
    load_error(path, "not a model file|corrupt|truncated")


@reliability
def test_corrupted_member_data(tmp_path):
    """Stored (uncompressed) member with a flipped data byte: the zip CRC catches it."""
    full = tmp_path / "full.npz"
    build("tiny").save(full)
    data = bytearray(full.read_bytes())
    with zipfile.ZipFile(full) as zf:
        info = zf.getinfo("fc1.W.npy")
    data[info.header_offset + 30 + len(info.filename) + 200] ^= 0xFF   # inside fc1.W's values
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(data))
    load_error(path, "corrupt|could not be read")


@reliability
def test_directory(tmp_path):
    folder = tmp_path / "model.npz"
    folder.mkdir()
    load_error(folder, "folder")


@reliability
def test_missing_path(tmp_path):
    load_error(tmp_path / "nope.npz", "nope.npz", exc=FileNotFoundError)


@reliability
def test_missing_architecture(tmp_path):
    members = good_members()
    del members["architecture"]
    load_error(write_npz(tmp_path / "m.npz", members), "no architecture")


@reliability
def test_wrong_shape_for_a_weight(tmp_path):
    members = good_members()
    members["conv2.K"] = np.zeros((8, 16, 3, 2), np.float32)
    load_error(write_npz(tmp_path / "m.npz", members), r"conv2\.K has shape \(8, 16, 3, 2\)")


@reliability
def test_transposed_dense_weight(tmp_path):
    members = good_members()
    members["fc1.W"] = np.ascontiguousarray(members["fc1.W"].T)
    load_error(write_npz(tmp_path / "m.npz", members), r"fc1\.W has shape")


@reliability
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.complex64, np.float16, ">f4"], ids=str)
def test_wrong_dtype_weights(tmp_path, dtype):
    members = good_members()
    members["conv1.K"] = members["conv1.K"].astype(dtype)
    load_error(write_npz(tmp_path / "m.npz", members), r"conv1\.K has dtype")


@reliability
def test_mixed_float32_float64(tmp_path):
    members = good_members()
    members["fc1.b"] = members["fc1.b"].astype(np.float64)
    load_error(write_npz(tmp_path / "m.npz", members), "mixed")


@reliability
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_weights(tmp_path, value):
    members = good_members()
    members["conv2.b"][3] = value
    load_error(write_npz(tmp_path / "m.npz", members), r"conv2\.b contains NaN or infinite")


@reliability
def test_unknown_layer_type(tmp_path):
    members = good_members()
    arch = json.loads(members["architecture"].tobytes())
    arch["layers"][1]["type"] = "Softmax"
    members["architecture"] = arch_array(arch)
    load_error(write_npz(tmp_path / "m.npz", members), "unknown type 'Softmax'")


@reliability
def test_extra_array(tmp_path):
    members = good_members()
    members["fc2.W"] = np.zeros((10, 10), np.float32)
    load_error(write_npz(tmp_path / "m.npz", members), r"unexpected \['fc2\.W'\]")


@reliability
def test_missing_array(tmp_path):
    members = good_members()
    del members["fc1.b"]
    load_error(write_npz(tmp_path / "m.npz", members), r"missing \['fc1\.b'\]")


@reliability
def test_member_that_is_not_npy(tmp_path):
    path = write_npz(tmp_path / "m.npz", good_members())
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("README.txt", b"hello")
    load_error(path, "unexpected member 'README.txt'")


@reliability
@pytest.mark.parametrize("text, match", [
    ("{not json", "not valid JSON"),
    ("[1, 2, 3]", "not a JSON object"),
    ('{"format": "other", "version": 1}', "format"),
], ids=["garbage", "list", "format"])
def test_bad_architecture_json(tmp_path, text, match):
    members = good_members()
    members["architecture"] = arch_array(text)
    load_error(write_npz(tmp_path / "m.npz", members), match)


def _dense_stack_arch(n_layers: int, width: int, side: int) -> dict:
    layers = [{"type": "Flatten", "name": "flatten"}]
    fan_in = side * side
    for i in range(n_layers):
        layers.append({"type": "Dense", "name": f"fc{i + 1}", "in_features": fan_in, "out_features": width})
        fan_in = width
    return {"format": "cnn-playground-model", "version": 1, "input_shape": [1, side, side],
            "layers": layers, "metadata": {}}


@reliability
@pytest.mark.parametrize("width, side, match", [
    (100_000, 28, "out_features must be an integer"),   # 50 Dense layers of 100000 x 100000
    (4096, 64, f"more than {MAX_PARAMS} parameters"),        # each layer allowed, the total is not
], ids=["100000x100000", "total"])
def test_absurd_architecture_rejected_before_allocating(tmp_path, width, side, match):
    arch = _dense_stack_arch(50, width, side)
    members = {"architecture": arch_array(arch)}
    # weights named as the architecture says, but tiny: nothing of the declared size is written
    for layer in arch["layers"][1:]:
        members[layer["name"] + ".W"] = np.zeros((1, 1), np.float32)
        members[layer["name"] + ".b"] = np.zeros(1, np.float32)
    path = write_npz(tmp_path / "absurd.npz", members)
    tracemalloc.start()
    try:
        load_error(path, match)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"peak allocation {peak / 2**20:.1f} MiB"


@reliability
def test_too_many_layers(tmp_path):
    arch = _dense_stack_arch(70, 8, 4)
    load_error(write_npz(tmp_path / "m.npz", {"architecture": arch_array(arch)}), "layers must be a list")


@reliability
@pytest.mark.parametrize("name", ["fc", "conv", "relu"])
def test_layer_named_like_its_kind_is_rejected_or_loaded(tmp_path, name):
    """A crafted file may name a layer ``fc``/``conv``/``relu`` (what the model
    auto-numbers). Validation accepts those names, so loading must either
    rebuild the model with them or reject the file with ModelFileError --
    never crash with another exception (KeyError, ...)."""
    members = good_members()
    arch = json.loads(members["architecture"].tobytes())
    index = {"conv": 0, "relu": 1, "fc": 7}[name]
    old = arch["layers"][index]["name"]
    arch["layers"][index]["name"] = name
    members["architecture"] = arch_array(arch)
    for key in [k for k in members if k.startswith(old + ".")]:
        members[name + key[len(old):]] = members.pop(key)
    path = write_npz(tmp_path / "m.npz", members)
    try:
        model = load_model(path)
    except ModelFileError:
        return
    expected = {k: v for k, v in members.items() if k != "architecture"}
    assert [layer.name for layer in model.layers] == [lc["name"] for lc in arch["layers"]]
    for k, v in model.named_params().items():
        np.testing.assert_array_equal(v, expected[k])


@reliability
def test_huge_integer_in_architecture_json(tmp_path):
    """Python refuses to parse integers of more than 4300 digits with a plain
    ValueError; the loader must report it as a ModelFileError."""
    members = good_members()
    text = json.dumps(json.loads(members["architecture"].tobytes()))
    text = text.replace('"version": 1', '"version": ' + "9" * 5000)
    members["architecture"] = arch_array(text)
    load_error(write_npz(tmp_path / "m.npz", members), "architecture")

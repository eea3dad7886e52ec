"""Hand-built model files for the model-file tests: a preset with non-zero
biases in any float dtype, the members of a valid ``.npz`` that single
members can be swapped out of, and the "refused quickly" assertion::

    members = good_members()
    members["conv2.K"] = np.zeros((8, 16, 3, 2), np.float32)
    load_error(write_npz(tmp_path / "m.npz", members), r"conv2\\.K has shape")

(The attack catalogue has its own builders: :mod:`tests.support.hostile_models`.)
"""
from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.model import Model
from engine.nn.model_file import ModelFileError
from engine.nn.model_load import load_model


def build(name: str, dtype=np.float32, seed=0) -> Model:
    """Preset ``name`` with weights in ``dtype`` and non-zero biases (a lost bias shows)."""
    model = presets.build(name, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    for layer in model.layers:
        for k in layer.params:
            value = layer.params[k].astype(dtype)
            if k == "b":
                value = (0.1 * rng.standard_normal(value.shape)).astype(dtype)
            layer.params[k] = value
            layer.grads[k] = np.zeros_like(value)
    return model


def images(n=6, seed=3) -> np.ndarray:
    """``(n, 1, 28, 28)`` float32 uniform in [0, 1)."""
    return np.random.default_rng(seed).random((n, 1, 28, 28), dtype=np.float32)


def npy_bytes(array, allow_pickle=False) -> bytes:
    """The ``.npy`` serialisation of ``array``."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=allow_pickle)
    return buf.getvalue()


def write_npz(path: Path, members: dict) -> Path:
    """A zip with one ``NAME.npy`` per member; values are arrays or raw bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in members.items():
            zf.writestr(name + ".npy", value if isinstance(value, bytes) else npy_bytes(value))
    return path


def arch_array(arch) -> np.ndarray:
    """An architecture (dict, or JSON text as is) as the uint8 array a model file stores."""
    text = arch if isinstance(arch, str) else json.dumps(arch)
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def good_members(dtype=np.float32) -> dict:
    """Members of a valid file of the tiny preset (conv1, conv2, fc1)."""
    model = build("tiny", dtype)
    members = {"architecture": arch_array(model.config())}
    members.update({k: v.copy() for k, v in model.named_params().items()})
    return members


def load_error(path, match, exc=ModelFileError):
    """``load_model(path)`` raises ``exc`` matching ``match`` within a second; returns it."""
    assert issubclass(ModelFileError, ValueError)
    start = time.perf_counter()
    with pytest.raises(exc, match=match) as info:
        load_model(path)
    assert time.perf_counter() - start < 1.0
    return info.value

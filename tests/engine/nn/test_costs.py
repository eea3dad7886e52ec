"""What a model costs, not only what it stores: small model files whose
forward pass, im2col buffer, views or training step the app cannot serve are
refused at load, quickly, with a message naming the cost and the cap, and
before anything of that size is allocated."""
from __future__ import annotations

import json
import time
import tracemalloc

import numpy as np
import pytest

from engine import ModelFileError, load_model
from engine.nn import presets
from engine.nn.architecture import FORMAT_NAME, FORMAT_VERSION, describe_architecture
from engine.nn.costs import check_training_step, forward_values, training_step_bytes
from engine.nn.limits import MAX_ACTIVATIONS, MAX_MACS, MAX_TRAIN_BYTES, MAX_WORKSPACE

pytestmark = pytest.mark.reliability


def conv(name, c, d, k, pad=0, stride=1):
    return {"type": "Conv2D", "name": name, "in_channels": c, "out_channels": d,
            "kernel_size": k, "padding": pad, "stride": stride}


def dense(name, n_in, n_out):
    return {"type": "Dense", "name": name, "in_features": n_in, "out_features": n_out}


def relu(name):
    return {"type": "ReLU", "name": name}


def pool(name, k):
    return {"type": "MaxPool2D", "name": name, "pool_size": k, "stride": k, "padding": 0}


def pool_window(name, k, stride, pad):
    return {"type": "MaxPool2D", "name": name, "pool_size": k, "stride": stride, "padding": pad}


FLAT = {"type": "Flatten", "name": "flat"}


def arch(layers, input_shape=(1, 28, 28)) -> dict:
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "input_shape": list(input_shape),
            "layers": layers, "metadata": {}}


#: name -> (architecture, message pattern). Each file is small (the weights
#: are few); what it would cost to run is not.
BOMBS = {
    # 16 x 31 x 31 x 482 x 482 im2col values: 14 GB for one image
    "im2col-14-GB": (arch([conv("c", 16, 1, 31), pool("p", 31), FLAT, dense("d", 15 * 15, 2)],
                          (16, 512, 512)), r"multiply-adds|working memory"),
    # with one output channel the MACs equal the im2col size: the workspace cap speaks
    "im2col-37-MB": (arch([conv("c", 1, 1, 31), pool("p", 14), FLAT, dense("d", 49, 10)],
                          (1, 128, 128)), r"'c' needs 35 MB of working memory per image"),
    # 64 G multiply-adds per drawing from 250 k weights
    "64-GMAC": (arch([conv("c1", 1, 16, 3, 1), conv("c2", 16, 16, 31, 15), pool("p", 31), FLAT,
                      dense("d", 16 * 16 * 16, 10)], (1, 512, 512)), r"64,\d{3} million multiply-adds"),
    "464-MMAC": (arch([conv("c1", 1, 64, 3, 1), conv("c2", 64, 1024, 3, 1), pool("p", 28), FLAT,
                       dense("d", 1024, 10)]), r"464 million multiply-adds"),
    # every layer small enough, together more than the views can draw
    "4.8-M-activations": (arch([conv("c", 1, 2048, 1), relu("r1"), relu("r2"), pool("p", 28),
                                FLAT, dense("d", 2048, 10)]), r"values per image together"),
    # the last layer's outputs are the classes
    "784-classes": (arch([FLAT]), r"784 classes; the app supports 2 to 100"),
    # max pooling: 961 comparisons per output value, and (overlapping) a copy of every window
    "overlapping-pool": (arch([conv("c", 1, 2560, 1), pool_window("p", 31, 1, 15), pool("q", 28),
                               FLAT, dense("d", 2560, 10)]), r"1,933 million multiply-adds"),
    "pool-window-copy": (arch([conv("c", 1, 16, 1), pool_window("p", 31, 1, 15), pool("q", 28),
                               FLAT, dense("d", 256, 10)], (1, 128, 128)),
                         r"'p' needs \d+ MB of working memory|multiply-adds"),
    "3.2-M-classes": (arch([conv("c", 1, 4096, 1), FLAT]), r"values per image|classes"),
    "101-classes": (arch([FLAT, dense("d", 784, 101)]), r"101 classes"),
    "1-class": (arch([FLAT, dense("d", 784, 1)]), r"1 classes; the app supports 2"),
}


def write_bomb(path, description: dict):
    """A model file: the architecture and zero weights of the right shapes."""
    shapes = describe_architecture(description, serviceable=False).param_shapes
    items = {name: np.zeros(shape, np.float32) for name, shape in shapes.items()}
    items["architecture"] = np.frombuffer(json.dumps(description).encode(), np.uint8)
    np.savez(path, **items)
    return path


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_model_the_app_cannot_serve_is_refused_at_load(tmp_path, name):
    description, message = BOMBS[name]
    path = write_bomb(tmp_path / f"{name}.npz", description)
    assert path.stat().st_size < 3_000_000            # every one is a small file
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ModelFileError, match=message):
            load_model(path)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < 2.0 and peak < 50 * 2**20, (seconds, peak)


def test_the_caps_leave_room_for_every_preset():
    for name in presets.PRESETS:
        summary = describe_architecture(presets.build(name, np.random.default_rng(0)).config())
        assert summary.macs < MAX_MACS / 10 and summary.activation_values < MAX_ACTIVATIONS / 10
        assert max(layer.workspace for layer in summary.layers) < MAX_WORKSPACE / 10
        assert forward_values(summary) < MAX_ACTIVATIONS


def test_a_training_step_that_would_not_fit_names_the_batch_size_that_does():
    summary = describe_architecture(presets.build("playground", np.random.default_rng(0)).config())
    check_training_step(summary, 256)                       # the usual: fine
    need = training_step_bytes(summary, 60_000)
    assert need > MAX_TRAIN_BYTES
    with pytest.raises(ValueError, match=r"batch size of at most ([\d,]+)") as info:
        check_training_step(summary, 60_000)
    largest = int(info.value.args[0].rsplit("at most ", 1)[1].replace(",", ""))
    check_training_step(summary, largest)                   # the advice is right
    with pytest.raises(ValueError):
        check_training_step(summary, int(largest * 1.1) + 1)

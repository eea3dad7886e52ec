"""Every invalid architecture gets a message that says what is wrong and how
to fix it - checked message by message (the editor shows them as they are)."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.nn import presets
from engine.nn.architecture import FORMAT_NAME, FORMAT_VERSION
from engine.nn.layers import ArchitectureError


def bench() -> dict:
    return presets.build("bench", np.random.default_rng(0)).config()


def edit(fn) -> dict:
    cfg = bench()
    fn(cfg, {layer["name"]: layer for layer in cfg["layers"]})
    return cfg


def remove(name: str):
    return lambda c, n: c["layers"].remove(n[name])


def arch(layers, input_shape=(1, 28, 28)) -> dict:
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "input_shape": list(input_shape),
            "layers": layers, "metadata": {}}


FLAT = {"type": "Flatten", "name": "f"}


def dense(name, fin, fout):
    return {"type": "Dense", "name": name, "in_features": fin, "out_features": fout}


# bench: conv1 (16, 28, 28) pool1 (16, 14, 14) conv2 5x5 (32, 10, 10) pool2 (32, 5, 5) fc1 800
CASES = {
    "not-an-object": ([], 'architecture is not a JSON object - it must be {"format": '
                          '"cnn-playground-model", "version": 1, "input_shape": [C, H, W], '
                          '"layers": [...]}'),
    "format": (edit(lambda c, n: c.update(format="keras")),
               "architecture: format is 'keras', expected 'cnn-playground-model' - this is not "
               "a network description written by this app"),
    "version": (edit(lambda c, n: c.update(version=2)),
                "architecture: unsupported version 2 - this app reads version 1 (a newer app "
                "wrote it?)"),
    "input-shape": (edit(lambda c, n: c.update(input_shape=[28, 28])),
                    "architecture: input_shape must be [C, H, W], got [28, 28] - e.g. [1, 28, 28] "
                    "for MNIST digits"),
    "input-side": (edit(lambda c, n: c.update(input_shape=[1, 0, 28])),
                   "architecture: input height must be an integer in [1, 512], got 0"),
    "layers-not-list": (edit(lambda c, n: c.update(layers={})),
                        "architecture: layers must be a list of 1..64 layers, got {} - write "
                        "them as a JSON list of objects"),
    "no-layers": (edit(lambda c, n: c.update(layers=[])),
                  "architecture: layers must be a list of 1..64 layers, got none - add at least "
                  "Flatten and a Dense layer"),
    "too-many-layers": (arch([FLAT] + [{"type": "ReLU", "name": f"r{i}"} for i in range(69)]
                             + [dense("d", 784, 10)]),
                        "architecture: layers must be a list of 1..64 layers, got 71 - remove 7"),
    "metadata": (edit(lambda c, n: c.update(metadata=[])),
                 "architecture: metadata must be a JSON object - e.g. {} when there is nothing "
                 "to record"),
    "layer-not-object": (edit(lambda c, n: c["layers"].insert(1, "relu")),
                         'architecture: layer 1 is not an object - each layer is {"type": ..., '
                         '"name": ..., its settings}'),
    "bad-name": (edit(lambda c, n: n["pool1"].update(name="pool.1")),
                 "architecture: layer 2 has a missing, bad or duplicate name 'pool.1' - names "
                 "are 1 to 64 printable characters without '.'"),
    "duplicate-name": (edit(lambda c, n: n["relu2"].update(name="relu1")),
                       "architecture: layer 4 has a missing, bad or duplicate name 'relu1' - an "
                       "earlier layer is called 'relu1'; give each layer its own name"),
    "unknown-type": (edit(lambda c, n: n["relu1"].update(type="Softmax")),
                     "architecture: layer 'relu1' has unknown type 'Softmax' - use one of "
                     "AvgPool2D, BatchNorm1D, BatchNorm2D, Conv2D, Dense, Dropout, Flatten, "
                     "LeakyReLU, MaxPool2D, ReLU, Sigmoid, Tanh"),
    "keys": (edit(lambda c, n: n["pool1"].update(dilation=2)),
             "architecture: layer 'pool1' (MaxPool2D) has unexpected keys ['dilation'] / missing "
             "keys [] - besides type and name, a MaxPool2D layer takes pool_size, stride, "
             "padding"),
    "value": (edit(lambda c, n: n["conv1"].update(out_channels=0)),
              "architecture: conv1.out_channels must be an integer in [1, 4096], got 0"),
    "float-value": (arch([{"type": "LeakyReLU", "name": "l", "negative_slope": 2}, FLAT,
                          dense("d", 784, 10)]),
                    "architecture: l.negative_slope must be a number in [0, 1], got 2"),
    # the example: a 3x3 map after a pooling layer that a 5x5 kernel no longer fits
    "kernel-does-not-fit": (
        arch([{"type": "Conv2D", "name": "conv1", "in_channels": 1, "out_channels": 4,
               "kernel_size": 5, "padding": 0, "stride": 3},             # 1 + (28 - 5) // 3 = 8
              {"type": "MaxPool2D", "name": "pool2", "pool_size": 2, "stride": 2, "padding": 0},
              {"type": "MaxPool2D", "name": "pool3", "pool_size": 2, "stride": 1, "padding": 0},
              {"type": "Conv2D", "name": "conv2", "in_channels": 4, "out_channels": 4,
               "kernel_size": 5, "padding": 0, "stride": 1}, FLAT, dense("d", 4, 10)]),
        "architecture: layer 'conv2': kernel 5 does not fit input 3 with padding 0: the map is "
        "3×3 after 'pool3'; a 5×5 convolution no longer fits - use padding 2 or a 3×3 kernel"),
    "kernel-at-the-input": (arch([{"type": "Conv2D", "name": "c", "in_channels": 1,
                                   "out_channels": 2, "kernel_size": [3, 9], "padding": [0, 1],
                                   "stride": 1}, FLAT, dense("d", 2, 10)], input_shape=(1, 5, 5)),
                            "architecture: layer 'c': kernel 9 does not fit input 5 with padding "
                            "1: the map is 5×5 at the input; a 3×9 convolution no longer fits - "
                            "use padding [1, 4] or a 5×7 kernel"),
    "pool-does-not-fit": (edit(lambda c, n: n["pool2"].update(pool_size=[11, 11])),
                          "architecture: layer 'pool2': kernel 11 does not fit input 10 with "
                          "padding 0: the map is 10×10 after 'relu2'; a 11×11 pooling window no "
                          "longer fits - use a window of at most 10×10 or remove this pooling "
                          "layer"),
    "channels": (edit(remove("conv1")),
                 "architecture: 'conv2' expects 16 channels, gets 1 after 'pool1' - set its "
                 "in_channels to 1"),
    "dense-in-features": (edit(remove("pool2")),
                          "architecture: 'fc1' expects (800,) input, gets (3200,) after 'flatten' "
                          "- set its in_features to 3200"),
    "dense-without-flatten": (edit(remove("flatten")),
                              "architecture: 'fc1' expects (800,) input, gets (32, 5, 5) after "
                              "'pool2' - add a Flatten layer before it (it gives 800 values)"),
    "conv-after-flatten": (arch([FLAT, {"type": "AvgPool2D", "name": "ap", "pool_size": 2,
                                        "stride": 2, "padding": 0}, dense("d", 784, 10)]),
                           "architecture: 'ap' needs a (C, H, W) input, gets (784,) after 'f' - "
                           "move it before the Flatten layer, where the maps still have rows and "
                           "columns"),
    "bn-features": (edit(lambda c, n: c["layers"].insert(1, {
        "type": "BatchNorm2D", "name": "bn", "num_features": 8, "momentum": 0.1, "eps": 1e-5})),
        "architecture: 'bn' expects 8 channels, gets 16 after 'conv1' - set its num_features to "
        "16"),
    "bn2d-on-vector": (arch([FLAT, {"type": "BatchNorm2D", "name": "bn", "num_features": 784,
                                    "momentum": 0.1, "eps": 1e-5}, dense("d", 784, 10)]),
                       "architecture: 'bn' needs a (C, H, W) input, gets (784,) after 'f' - use "
                       "BatchNorm1D for a vector of features, or move it before the Flatten "
                       "layer"),
    "bn1d-on-maps": (arch([{"type": "BatchNorm1D", "name": "bn", "num_features": 1,
                            "momentum": 0.1, "eps": 1e-5}, FLAT, dense("d", 784, 10)]),
                     "architecture: 'bn' needs a vector of features, gets (1, 28, 28) at the "
                     "input - use BatchNorm2D for maps, or move it after the Flatten layer"),
    "no-class-scores": (edit(lambda c, n: c.update(layers=c["layers"][:6])),
                        "architecture: the last layer outputs (32, 5, 5), expected class scores "
                        "(K,) - end with Flatten and a Dense layer with one output per class"),
    "one-class": (arch([FLAT, dense("d", 784, 1)]),
                  "architecture: 1 classes; the app supports 2 to 100 - the last layer gives one "
                  "score per class: set its out_features to the number of classes (10 for "
                  "digits)"),
    "too-many-params": (arch([FLAT, dense("a", 784, 4096), dense("b", 4096, 4096),
                              dense("c", 4096, 10)]),
                        "architecture has more than 10000000 parameters; refused - 19,996,672 up "
                        "to layer 'b': use fewer units or channels, or pool the maps before "
                        "Flatten"),
    "activation-too-large": (arch([{"type": "Conv2D", "name": "c1", "in_channels": 1,
                                    "out_channels": 4096, "kernel_size": 1, "padding": 31,
                                    "stride": 1}, FLAT, dense("d", 8, 2)]),
                             "architecture: layer 'c1' outputs (4096, 90, 90), more than 4194304 "
                             "activation values per sample; too large - use fewer channels, a "
                             "stride or pooling before it"),
    "too-many-macs": (arch([{"type": "Conv2D", "name": "c1", "in_channels": 1, "out_channels": 64,
                             "kernel_size": 3, "padding": 1, "stride": 1},
                            {"type": "Conv2D", "name": "c2", "in_channels": 64,
                             "out_channels": 64, "kernel_size": 9, "padding": 4, "stride": 1},
                            FLAT, dense("d", 64 * 28 * 28, 10)]),
                      "architecture needs 261 million multiply-adds per image; the app serves at "
                      "most 250 million (one drawing update) - use fewer channels or smaller "
                      "kernels, or pool (or stride) earlier"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_invalid_architecture_says_what_is_wrong_and_how_to_fix_it(case):
    description, message = CASES[case]
    with pytest.raises(ValueError) as info:
        engine.describe_architecture(description)
    assert isinstance(info.value, ArchitectureError)
    assert str(info.value) == message


def test_fixing_as_the_message_says_makes_it_valid():
    """The advice works: apply what each shape message suggests."""
    cfg = CASES["kernel-does-not-fit"][0]
    cfg["layers"][3]["padding"] = 2
    cfg["layers"][5]["in_features"] = 4 * 3 * 3
    assert engine.describe_architecture(cfg).layers[3].output_shape == (4, 3, 3)
    cfg = edit(remove("conv1"))
    next(layer for layer in cfg["layers"] if layer["name"] == "conv2")["in_channels"] = 1
    engine.describe_architecture(cfg)
    cfg = edit(remove("flatten"))
    cfg["layers"].insert(6, {"type": "Flatten", "name": "flatten"})
    engine.describe_architecture(cfg)

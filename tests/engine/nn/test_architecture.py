"""engine.nn.architecture.describe_architecture: what an architecture
description implies, layer by layer, computed without allocating anything.

* the three presets: output shapes, parameter shapes and multiply-adds per
  layer, worked out by hand below (``Ho = 1 + (H + 2p - k) // s``; conv MACs
  ``= Ho * Wo * D * C * k1 * k2``, dense MACs ``= in * out``), agree with the
  description and with the built model;
* odd configurations (strides, asymmetric padding, 1x1 maps, pooling with
  stride != size) agree with a real forward pass;
* every kind of invalid description raises :class:`ArchitectureError` with a
  message naming the layer and the problem;
* every registered layer class infers, from its own config, the output and
  parameter shapes that the layer really has and produces (each layer owns
  its schema).
"""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.architecture import FORMAT_NAME, FORMAT_VERSION, check_metadata, describe_architecture
from engine.nn.layers import (LAYER_TYPES, ArchitectureError, AvgPool2D, BatchNorm1D, BatchNorm2D,
                              Conv2D, Dense, Dropout, Flatten, LeakyReLU, MaxPool2D, ReLU, Sigmoid,
                              Tanh)
from engine.nn.limits import MAX_ACTIVATION, MAX_METADATA_DEPTH, MAX_PARAMS
from engine.nn.model import Model

# (name, type, output shape, parameter shapes, MACs of one image), by hand; a max pool's
# comparisons count as multiply-adds (one per window value)
BENCH = [
    ("conv1", "Conv2D", (16, 28, 28), {"K": (1, 16, 5, 5), "b": (16,)}, 28 * 28 * 16 * 1 * 5 * 5),
    ("relu1", "ReLU", (16, 28, 28), {}, 0),                   # 28 = 1 + (28 + 2*2 - 5) // 1
    ("pool1", "MaxPool2D", (16, 14, 14), {}, 16 * 14 * 14 * 4),  # 14 = 1 + (28 - 2) // 2
    ("conv2", "Conv2D", (32, 10, 10), {"K": (16, 32, 5, 5), "b": (32,)}, 10 * 10 * 32 * 16 * 5 * 5),
    ("relu2", "ReLU", (32, 10, 10), {}, 0),
    ("pool2", "MaxPool2D", (32, 5, 5), {}, 32 * 5 * 5 * 4),
    ("flatten", "Flatten", (800,), {}, 0),                    # 32 * 5 * 5
    ("fc1", "Dense", (128,), {"W": (800, 128), "b": (128,)}, 800 * 128),
    ("relu3", "ReLU", (128,), {}, 0),
    ("fc2", "Dense", (10,), {"W": (128, 10), "b": (10,)}, 128 * 10),
]
PLAYGROUND = [
    ("conv1", "Conv2D", (32, 28, 28), {"K": (1, 32, 5, 5), "b": (32,)}, 28 * 28 * 32 * 1 * 5 * 5),
    ("relu1", "ReLU", (32, 28, 28), {}, 0),
    ("pool1", "MaxPool2D", (32, 14, 14), {}, 32 * 14 * 14 * 4),
    ("conv2", "Conv2D", (64, 10, 10), {"K": (32, 64, 5, 5), "b": (64,)}, 10 * 10 * 64 * 32 * 5 * 5),
    ("relu2", "ReLU", (64, 10, 10), {}, 0),
    ("pool2", "MaxPool2D", (64, 5, 5), {}, 64 * 5 * 5 * 4),
    ("flatten", "Flatten", (1600,), {}, 0),                   # 64 * 5 * 5
    ("fc1", "Dense", (128,), {"W": (1600, 128), "b": (128,)}, 1600 * 128),
    ("relu3", "ReLU", (128,), {}, 0),
    ("dropout1", "Dropout", (128,), {}, 0),
    ("fc2", "Dense", (10,), {"W": (128, 10), "b": (10,)}, 128 * 10),
]
TINY = [
    ("conv1", "Conv2D", (8, 28, 28), {"K": (1, 8, 3, 3), "b": (8,)}, 28 * 28 * 8 * 1 * 3 * 3),
    ("relu1", "ReLU", (8, 28, 28), {}, 0),                    # 28 = 1 + (28 + 2*1 - 3) // 1
    ("pool1", "MaxPool2D", (8, 14, 14), {}, 8 * 14 * 14 * 4),
    ("conv2", "Conv2D", (16, 14, 14), {"K": (8, 16, 3, 3), "b": (16,)}, 14 * 14 * 16 * 8 * 3 * 3),
    ("relu2", "ReLU", (16, 14, 14), {}, 0),
    ("pool2", "MaxPool2D", (16, 7, 7), {}, 16 * 7 * 7 * 4),
    ("flatten", "Flatten", (784,), {}, 0),                    # 16 * 7 * 7
    ("fc1", "Dense", (10,), {"W": (784, 10), "b": (10,)}, 784 * 10),
]
HAND = {"bench": BENCH, "playground": PLAYGROUND, "tiny": TINY}


def arch(layers, input_shape=(1, 28, 28), **extra) -> dict:
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "input_shape": list(input_shape),
            "layers": layers, "metadata": {}, **extra}


@pytest.mark.parametrize("name", sorted(HAND))
def test_presets_match_the_hand_computation_and_the_model(name):
    model = presets.build(name, np.random.default_rng(0))
    summary = describe_architecture(model.config())
    got = [(s.name, s.type, s.output_shape, s.param_shapes, s.macs) for s in summary.layers]
    assert got == HAND[name]
    assert summary.input_shape == (1, 28, 28) and summary.num_classes == 10
    assert summary.num_params == sum(math.prod(s) for _, _, _, p, _ in HAND[name] for s in p.values())
    assert summary.macs == sum(row[4] for row in HAND[name])
    # the description agrees with the model it describes
    assert [(s.name, s.output_shape) for s in summary.layers] == model.layer_shapes()
    assert summary.num_params == model.num_params()
    assert summary.param_shapes == {k: v.shape for k, v in model.named_params().items()}
    assert list(summary.param_shapes) == list(model.named_params())         # same order
    assert [s.num_params for s in summary.layers] == \
        [sum(v.size for v in layer.params.values()) for layer in model.layers]


ODD = arch([
    # 9x7 input, kernel 3x2, padding (1, 0), stride (2, 3): Ho = 1 + (9 + 2 - 3) // 2 = 5,
    # Wo = 1 + (7 - 2) // 3 = 2
    {"type": "Conv2D", "name": "c1", "in_channels": 3, "out_channels": 4, "kernel_size": [3, 2],
     "padding": [1, 0], "stride": [2, 3]},
    # 3x3 window, stride 2, padding 1: Ho = 1 + (5 + 2 - 3) // 2 = 3, Wo = 1 + (2 + 2 - 3) // 2 = 1
    {"type": "MaxPool2D", "name": "p1", "pool_size": 3, "stride": 2, "padding": 1},
    # kernel as large as the map: a 1x1 map
    {"type": "Conv2D", "name": "c2", "in_channels": 4, "out_channels": 6, "kernel_size": [3, 1],
     "padding": 0, "stride": 1},
    {"type": "MaxPool2D", "name": "p2", "pool_size": 1, "stride": 1, "padding": 0},
    {"type": "Flatten", "name": "f"},
    {"type": "Dropout", "name": "d", "rate": 0.25, "seed": 3},
    {"type": "Dense", "name": "out", "in_features": 6, "out_features": 3},
], input_shape=(3, 9, 7))
ODD_HAND = [("c1", (4, 5, 2), 5 * 2 * 4 * 3 * 3 * 2), ("p1", (4, 3, 1), 4 * 3 * 1 * 3 * 3),
            ("c2", (6, 1, 1), 1 * 1 * 6 * 4 * 3 * 1), ("p2", (6, 1, 1), 6), ("f", (6,), 0),
            ("d", (6,), 0), ("out", (3,), 6 * 3)]


def test_odd_configuration_matches_hand_computation_and_a_real_forward_pass():
    summary = describe_architecture(ODD)
    assert [(s.name, s.output_shape, s.macs) for s in summary.layers] == ODD_HAND
    assert summary.param_shapes == {"c1.K": (3, 4, 3, 2), "c1.b": (4,), "c2.K": (4, 6, 3, 1),
                                    "c2.b": (6,), "out.W": (6, 3), "out.b": (3,)}
    assert summary.num_classes == 3
    model = Model.from_config(copy.deepcopy(ODD), rng=np.random.default_rng(0))
    model.train()                                  # dropout active: still the same shapes
    _, acts = model.forward(np.random.default_rng(1).random((2, 3, 9, 7)), keep_activations=True)
    assert [(name, a.shape[1:]) for name, a in acts.items()] == \
        [(s.name, s.output_shape) for s in summary.layers]
    assert {k: v.shape for k, v in model.named_params().items()} == summary.param_shapes


def tiny_config() -> dict:
    return presets.build("tiny", np.random.default_rng(0)).config()


def edited(fn) -> dict:
    cfg = tiny_config()
    fn(cfg, {layer["name"]: layer for layer in cfg["layers"]})
    return cfg


def nested(depth: int) -> dict:
    """A metadata object whose innermost value sits at ``depth`` (the object itself is 1)."""
    out = value = {}
    for _ in range(depth - 2):
        value["k"] = {}
        value = value["k"]
    value["k"] = 1
    return out


ERRORS = {
    "not-an-object": ([1, 2], r"^architecture is not a JSON object - it must be \{"),
    "unknown-type": (edited(lambda c, n: n["relu1"].update(type="Softmax")),
                     r"layer 'relu1' has unknown type 'Softmax'"),
    "bad-name-dot": (edited(lambda c, n: n["pool1"].update(name="a.b")),
                     r"layer 2 has a missing, bad or duplicate name 'a\.b'"),
    "bad-name-empty": (edited(lambda c, n: n["pool1"].update(name="")),
                       r"layer 2 has a missing, bad or duplicate name ''"),
    "duplicate-name": (edited(lambda c, n: n["relu2"].update(name="relu1")),
                       r"layer 4 has a missing, bad or duplicate name 'relu1'"),
    "missing-key": (edited(lambda c, n: n["conv2"].pop("stride")),
                    r"layer 'conv2' \(Conv2D\) has unexpected keys \[\] / missing keys \['stride'\]"),
    "extra-key": (edited(lambda c, n: n["pool1"].update(dilation=2)),
                  r"layer 'pool1' \(MaxPool2D\) has unexpected keys \['dilation'\] / missing keys \[\]"),
    "bad-value": (edited(lambda c, n: n["conv1"].update(out_channels=0)),
                  r"conv1\.out_channels must be an integer in \[1, 4096\], got 0"),
    "channel-mismatch": (edited(lambda c, n: n["conv2"].update(in_channels=4)),
                         r"'conv2' expects 4 channels, gets 8"),
    "kernel-does-not-fit": (edited(lambda c, n: n["conv2"].update(kernel_size=[31, 31])),
                            r"layer 'conv2': kernel 31 does not fit input 14 with padding 1"),
    "pool-does-not-fit": (edited(lambda c, n: n["pool2"].update(pool_size=[15, 15])),
                          r"layer 'pool2': kernel 15 does not fit input 14 with padding 0"),
    "dense-without-flatten": (edited(lambda c, n: c["layers"].remove(n["flatten"])),
                              r"'fc1' expects \(784,\) input, gets \(16, 7, 7\)"),
    "conv-after-flatten": (edited(lambda c, n: c["layers"].insert(7, {
        "type": "Conv2D", "name": "c9", "in_channels": 1, "out_channels": 1, "kernel_size": 1,
        "padding": 0, "stride": 1})), r"'c9' needs a \(C, H, W\) input, gets \(784,\)"),
    "last-layer-not-a-vector": (edited(lambda c, n: c.update(layers=c["layers"][:6])),
                                r"the last layer outputs \(16, 7, 7\), expected class scores \(K,\)"),
    "too-many-params": (arch([{"type": "Flatten", "name": "f"}] + [
        {"type": "Dense", "name": f"d{i}", "in_features": 784 if i == 0 else 4096, "out_features": 4096}
        for i in range(3)]), rf"architecture has more than {MAX_PARAMS} parameters; refused"),
    "activation-too-large": (arch([
        {"type": "Conv2D", "name": "c1", "in_channels": 1, "out_channels": 4096, "kernel_size": 1,
         "padding": 31, "stride": 1},               # (4096, 90, 90): 33 M values, 8 k parameters
        {"type": "Flatten", "name": "f"},
        {"type": "Dense", "name": "d", "in_features": 8, "out_features": 2}]),
        rf"layer 'c1' outputs \(4096, 90, 90\), more than {MAX_ACTIVATION} activation values per "
        r"sample; too large"),
    "metadata-too-deep": (edited(lambda c, n: c.update(metadata=nested(MAX_METADATA_DEPTH + 1))),
                          r"metadata nested too deeply"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_each_error_has_a_specific_message(case):
    description, match = ERRORS[case]
    with pytest.raises(ArchitectureError, match=match) as info:
        describe_architecture(description)
    assert isinstance(info.value, ValueError)


def test_metadata_depth_limit_is_exact():
    check_metadata(nested(MAX_METADATA_DEPTH))
    describe_architecture(dict(tiny_config(), metadata=nested(MAX_METADATA_DEPTH)))
    for depth in (MAX_METADATA_DEPTH + 1, 500):
        with pytest.raises(ArchitectureError, match="nested too deeply"):
            check_metadata(nested(depth))
    with pytest.raises(ArchitectureError, match="metadata must be a JSON object"):
        check_metadata([1])


# ------------------------------------------------ each layer owns its schema
LAYERS = {   # (layer, one sample's input shape)
    "conv": (Conv2D(3, 5, 3, padding=1, rng=np.random.default_rng(0)), (3, 8, 9)),
    "conv_strided": (Conv2D(2, 4, (3, 2), padding=(0, 1), stride=(2, 3), rng=np.random.default_rng(1)),
                     (2, 9, 10)),
    "pool_tiled": (MaxPool2D(2), (3, 7, 8)),
    "pool_overlap": (MaxPool2D(3, stride=2, padding=1), (2, 7, 6)),
    "relu_maps": (ReLU(), (2, 3, 4)),
    "relu_vector": (ReLU(), (7,)),
    "flatten": (Flatten(), (2, 3, 4)),
    "dense": (Dense(12, 5, rng=np.random.default_rng(2)), (12,)),
    "dropout": (Dropout(0.4, seed=5), (6,)),
    "avgpool": (AvgPool2D(3, stride=2, padding=1), (2, 7, 6)),
    "bn2d": (BatchNorm2D(3), (3, 4, 5)),
    "bn1d": (BatchNorm1D(7), (7,)),
    "tanh": (Tanh(), (2, 3, 4)),
    "sigmoid": (Sigmoid(), (7,)),
    "leaky": (LeakyReLU(0.1), (2, 3, 4)),
}


def test_every_layer_type_has_a_schema_case():
    assert {type(layer) for layer, _ in LAYERS.values()} == set(LAYER_TYPES.values())


@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("case", list(LAYERS))
def test_infer_agrees_with_the_layer_and_its_forward_pass(case, training):
    layer, input_shape = LAYERS[case]
    cls = LAYER_TYPES[layer.config()["type"]]
    assert cls is type(layer)
    settings = cls.parse_config(layer.config())
    assert settings == {f.key: f.parse(layer.config()[f.key], layer.name) for f in cls.FIELDS}
    shapes = cls.infer(settings, input_shape, layer.name)
    assert shapes.output == layer.output_shape(input_shape)
    assert shapes.params == {k: v.shape for k, v in layer.params.items()}
    layer.set_training(training)
    try:
        out = layer.forward(np.random.default_rng(3).standard_normal((2,) + input_shape))
    finally:
        layer.set_training(False)
    assert out.shape == (2,) + shapes.output
    if isinstance(layer, Conv2D):             # Ho * Wo * D * C * k1 * k2
        c, d, k1, k2 = shapes.params["K"]
        assert shapes.macs == shapes.output[1] * shapes.output[2] * d * c * k1 * k2
    elif isinstance(layer, Dense):            # in * out
        assert shapes.macs == input_shape[0] * shapes.output[0]
    elif isinstance(layer, AvgPool2D):        # one add per window value: C * Ho * Wo * k1 * k2
        assert shapes.macs == math.prod(shapes.output) * math.prod(layer.pool_size)
        assert shapes.workspace == 0
    elif isinstance(layer, BatchNorm2D):      # one multiply-add per value (BatchNorm1D too)
        assert shapes.macs == shapes.workspace == math.prod(input_shape)
        assert shapes.buffers == {k: v.shape for k, v in layer.buffers.items()}
    elif isinstance(layer, MaxPool2D):        # one comparison per window value: C * Ho * Wo * k1 * k2
        window_values = math.prod(shapes.output) * math.prod(layer.pool_size)
        assert shapes.macs == window_values
        assert shapes.workspace == (0 if layer.pool_size == layer.stride else window_values)
    else:
        assert shapes.macs == 0
    # and a one-layer architecture (plus flatten and a 10-class dense head) says the same
    layers = [layer.config()] + ([] if len(shapes.output) == 1 else [{"type": "Flatten", "name": "zz"}])
    layers.append({"type": "Dense", "name": "head", "in_features": math.prod(shapes.output),
                   "out_features": 10})
    summary = describe_architecture(arch(layers, input_shape=input_shape) if len(input_shape) == 3
                                    else arch([{"type": "Flatten", "name": "pre"}] + layers,
                                              input_shape=(1, 1, input_shape[0])))
    described = next(s for s in summary.layers if s.name == layer.name)
    assert (described.output_shape, described.param_shapes, described.macs) == \
        (shapes.output, shapes.params, shapes.macs)

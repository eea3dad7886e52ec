"""``engine.describe_architecture`` figures per layer (output shape,
parameters, MACs, activation memory) and totals, worked out by hand for the
bench preset and an odd configuration of the new layers (stride 2, padding,
1×1 maps); ``Model.summary()`` and ``python -m engine summary`` print the
same table, totals last.
"""
from __future__ import annotations

import json

import numpy as np

import engine
from engine.cli import main
from engine.nn import presets
from engine.nn.architecture import FORMAT_NAME, FORMAT_VERSION, format_table


def test_bench_figures_by_hand():
    summary = engine.describe_architecture(presets.build("bench", np.random.default_rng(0)).config())
    figures = summary.as_dict()
    conv1 = figures["layers"][0]
    # 5x5 kernel, pad 2: 28x28 maps; 1*16*25 + 16 parameters; 28*28*16*25 MACs; 16*28*28*4 bytes
    assert conv1 == {"name": "conv1", "type": "Conv2D", "output_shape": [16, 28, 28],
                     "parameters": 416, "macs": 313_600, "activation_bytes": 50_176}
    assert figures["layers"][7] == {"name": "fc1", "type": "Dense", "output_shape": [128],
                                    "parameters": 800 * 128 + 128, "macs": 102_400,
                                    "activation_bytes": 512}
    totals = figures["totals"]
    assert totals["parameters"] == 416 + 12_832 + 102_528 + 1_290 == 117_066
    assert totals["macs"] == 313_600 + 12_544 + 1_280_000 + 3_200 + 102_400 + 1_280
    values = 2 * 12_544 + 3_136 + 2 * 3_200 + 800 + 800 + 2 * 128 + 10
    assert totals["activation_bytes"] == 4 * values
    assert totals["classes"] == 10


ODD = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "input_shape": [2, 9, 9], "metadata": {},
       "layers": [
           # 3x3, stride 2, pad 1: 1 + (9 + 2 - 3) // 2 = 5
           {"type": "Conv2D", "name": "c", "in_channels": 2, "out_channels": 3, "kernel_size": 3,
            "padding": 1, "stride": 2},
           {"type": "BatchNorm2D", "name": "bn", "num_features": 3, "momentum": 0.1, "eps": 1e-5},
           {"type": "LeakyReLU", "name": "lr", "negative_slope": 0.1},
           # 2x2, stride 2, pad 1: 1 + (5 + 2 - 2) // 2 = 3
           {"type": "AvgPool2D", "name": "ap", "pool_size": 2, "stride": 2, "padding": 1},
           # 3x3 window over the 3x3 map: a 1x1 map
           {"type": "AvgPool2D", "name": "all", "pool_size": 3, "stride": 1, "padding": 0},
           {"type": "Tanh", "name": "t"},
           {"type": "Flatten", "name": "f"},
           {"type": "Dense", "name": "d", "in_features": 3, "out_features": 4},
           {"type": "BatchNorm1D", "name": "bn1", "num_features": 4, "momentum": 0.5, "eps": 1e-3},
           {"type": "Sigmoid", "name": "s"},
           {"type": "Dense", "name": "out", "in_features": 4, "out_features": 2}]}
ODD_HAND = [   # name, output shape, parameters, MACs
    ("c", (3, 5, 5), 2 * 3 * 9 + 3, 5 * 5 * 3 * 2 * 9),
    ("bn", (3, 5, 5), 3 + 3, 75),                 # gamma, beta; one multiply-add per value
    ("lr", (3, 5, 5), 0, 0),
    ("ap", (3, 3, 3), 0, 3 * 3 * 3 * 4),          # one add per window value
    ("all", (3, 1, 1), 0, 3 * 9),
    ("t", (3, 1, 1), 0, 0),
    ("f", (3,), 0, 0),
    ("d", (4,), 3 * 4 + 4, 12),
    ("bn1", (4,), 8, 4),
    ("s", (4,), 0, 0),
    ("out", (2,), 4 * 2 + 2, 8),
]


def test_odd_configuration_by_hand_and_a_real_forward_pass():
    summary = engine.describe_architecture(ODD)
    assert [(s.name, s.output_shape, s.num_params, s.macs) for s in summary.layers] == ODD_HAND
    assert summary.buffer_shapes == {"bn.running_mean": (3,), "bn.running_var": (3,),
                                     "bn1.running_mean": (4,), "bn1.running_var": (4,)}
    model = engine.Model.from_config(ODD)
    _, acts = model.forward(np.random.default_rng(0).random((2, 2, 9, 9)), keep_activations=True)
    assert [(k, v.shape[1:]) for k, v in acts.items()] == [(r[0], r[1]) for r in ODD_HAND]
    assert model.num_params() == sum(r[2] for r in ODD_HAND)


def test_model_summary_is_the_table_with_totals_last():
    model = presets.build("bench", np.random.default_rng(0))
    text = model.summary()
    assert text == format_table(engine.describe_architecture(model.config()))
    lines = text.splitlines()
    assert lines[0].split() == ["Layer", "(type)", "Output", "shape", "Parameters", "MACs", "Memory"]
    assert lines[3].split() == ["conv1", "(Conv2D)", "(16,", "28,", "28)", "416", "313,600", "49.0",
                                "KB"]
    assert lines[-1] == ("total 117,066 parameters (457.3 KB), 1,713,024 multiply-adds and "
                         "142.5 KB of activations per image")   # 4 * 36,490 bytes
    assert len(lines) == 3 + 10 + 2        # header, rule, input, one row per layer, rule, totals


def test_cli_summary_of_a_file_and_of_a_preset(tmp_path, capsys):
    model = presets.build("tiny", np.random.default_rng(0))
    model.save(tmp_path / "m.npz")
    assert main(["summary", str(tmp_path / "m.npz")]) == 0
    assert capsys.readouterr().out.strip() == model.summary()
    assert main(["summary", "bench", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["totals"]["parameters"] == 117_066 and len(out["layers"]) == 10


def test_cli_summary_errors(tmp_path, capsys):
    assert main(["summary", str(tmp_path / "none.npz")]) == 2            # usage: no such file
    err = capsys.readouterr().err
    assert "no file at" in err and "nor is it a preset" in err
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    assert main(["summary", str(tmp_path / "bad.npz")]) == 1             # runtime: one line
    err = capsys.readouterr().err
    assert err.startswith("error: bad.npz is not a model file") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

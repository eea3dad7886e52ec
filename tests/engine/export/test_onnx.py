"""ONNX export (engine.export.onnx_export, ``python -m engine export-onnx``):
the exported file, run by ``onnxruntime``, gives the same predictions and
logits within 1e-4 as our own forward pass on all 10,000 MNIST test images,
for the bundled model and for a model with every new layer type; pooling
with zero padding keeps our semantics; without the ``onnx`` package the
command says how to install it. Tests that need onnx/onnxruntime skip
cleanly when they are not installed.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import pytest

import engine
from engine.cli import main
from engine.data.dataset import images_to_input
from engine.export.onnx_export import build_onnx, export_onnx
from engine.nn.layers import (AvgPool2D, BatchNorm1D, BatchNorm2D, Conv2D, Dense, Dropout, Flatten,
                              LeakyReLU, MaxPool2D, ReLU, Sigmoid, Tanh)
from engine.nn.model import Model

LOGIT_TOL = 1e-4


@pytest.fixture
def ort():
    pytest.importorskip("onnx")
    return pytest.importorskip("onnxruntime")


def every_layer_model() -> Model:
    """Every layer type, zero-padded pooling of both kinds, and non-trivial
    running statistics (as after training)."""
    rng = np.random.default_rng(0)
    model = Model([
        Conv2D(1, 8, 3, padding=1, rng=rng), BatchNorm2D(8), LeakyReLU(0.1),
        AvgPool2D(3, stride=2, padding=1),                                     # (8, 14, 14)
        Conv2D(8, 12, 3, rng=rng), Tanh(), MaxPool2D(2, padding=1),            # (12, 7, 7)
        Conv2D(12, 12, 3, stride=2, rng=rng), ReLU(), Sigmoid(),                # (12, 3, 3)
        Flatten(), Dense(108, 32, rng=rng), BatchNorm1D(32), ReLU(), Dropout(0.3, seed=1),
        Dense(32, 10, rng=rng)])
    model.load_buffers({k: (rng.uniform(0.5, 2.0, v.shape) if k.endswith("var")
                            else 0.3 * rng.standard_normal(v.shape)).astype(np.float32)
                        for k, v in model.named_buffers().items()})
    model.load_params({k: v + 0.1 * rng.standard_normal(v.shape).astype(np.float32)
                       if k.endswith(("gamma", "beta")) else v
                       for k, v in model.named_params().items()})
    return model


def onnx_logits(ort, path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["logits"], {"input": x})[0]


def our_logits(model: Model, x: np.ndarray, chunk: int = 1000) -> np.ndarray:
    with model.evaluating():
        return np.concatenate([model.forward(x[i:i + chunk]) for i in range(0, len(x), chunk)])


@pytest.mark.parametrize("which", ["bundled", "every_layer"])
def test_onnx_runtime_agrees_on_the_mnist_test_set(which, ort, mnist_data, tmp_path):
    model = engine.load_model() if which == "bundled" else every_layer_model()
    path = tmp_path / "m.onnx"
    start = time.perf_counter()
    size = export_onnx(model, path)
    seconds = time.perf_counter() - start
    assert path.stat().st_size == size and seconds < 10
    x = images_to_input(mnist_data.test_images)                 # all 10,000: (10000, 1, 28, 28)
    assert x.shape == (10_000, 1, 28, 28) and x.dtype == np.float32
    theirs, ours = onnx_logits(ort, path, x), our_logits(model, x)
    diff = float(np.max(np.abs(theirs - ours)))
    print(f"{which}: export {seconds:.2f} s, {size / 2**20:.2f} MB; max |logit diff| {diff:.2g}")
    assert diff <= LOGIT_TOL
    np.testing.assert_array_equal(theirs.argmax(axis=1), ours.argmax(axis=1))


def test_graph_uses_standard_operators_and_keeps_the_architecture(ort):
    import onnx
    proto = build_onnx(every_layer_model(), probabilities=True)
    ops = [node.op_type for node in proto.graph.node]
    for op in ("Conv", "BatchNormalization", "LeakyRelu", "Pad", "AveragePool", "Tanh", "MaxPool",
               "Relu", "Sigmoid", "Flatten", "Gemm", "Identity", "Softmax"):
        assert op in ops, op
    assert [o.name for o in proto.graph.output] == ["logits", "probabilities"]
    assert proto.opset_import[0].version == 13
    props = {p.key: p.value for p in proto.metadata_props}
    assert '"type": "BatchNorm2D"' in props["cnn-playground-architecture"]
    onnx.checker.check_model(proto)


def test_float64_model_and_the_probabilities_output(ort, tmp_path):
    rng = np.random.default_rng(2)
    model = Model([Conv2D(1, 3, 5, padding=2, rng=rng, dtype=np.float64), ReLU(), AvgPool2D(4),
                   Flatten(), Dense(147, 4, rng=rng, dtype=np.float64)])
    export_onnx(model, tmp_path / "m.onnx", opset=17, probabilities=True)
    x = rng.random((7, 1, 28, 28), dtype=np.float32)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    logits, probs = session.run(None, {"input": x})
    np.testing.assert_allclose(logits, our_logits(model, x.astype(np.float64)), atol=LOGIT_TOL)
    np.testing.assert_allclose(probs, model.predict_proba(x.astype(np.float64)), atol=1e-6)


def test_cli_export_onnx(ort, tmp_path, capsys):
    engine.load_model().save(tmp_path / "m.npz")
    assert main(["export-onnx", str(tmp_path / "m.npz"), str(tmp_path / "m.onnx")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"wrote {tmp_path / 'm.onnx'} (1.0 MB, opset 13) in ")
    assert out[1].startswith("onnxruntime check: largest logit difference ")
    assert float(out[1].split()[5]) <= LOGIT_TOL
    x = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(onnx_logits(ort, tmp_path / "m.onnx", x),
                               our_logits(engine.load_model(), x), atol=LOGIT_TOL)


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    assert main(["export-onnx", str(tmp_path / "none.npz"), str(tmp_path / "m.onnx")]) == 2
    assert "no file at" in capsys.readouterr().err
    engine.load_model().save(tmp_path / "m.npz")
    assert main(["export-onnx", str(tmp_path / "m.npz"), str(tmp_path / "m.txt")]) == 2
    assert "must end in .onnx" in capsys.readouterr().err
    assert main(["export-onnx", str(tmp_path / "m.npz"), str(tmp_path / "m.onnx"),
                 "--opset", "9"]) == 2
    assert "out of range" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


def test_without_onnx_the_command_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)          # "import onnx" now fails
    engine.load_model().save(tmp_path / "m.npz")
    assert main(["export-onnx", str(tmp_path / "m.npz"), str(tmp_path / "m.onnx")]) == 1
    err = capsys.readouterr().err
    assert err == ('error: exporting to ONNX needs the onnx package: pip install '
                   '"cnn-playground[onnx]" (or: pip install onnx)\n')
    assert not (tmp_path / "m.onnx").exists()

"""ONNX export of a model (inference graph, opset 13 by default).

Every layer type maps to standard operators; the graph computes the same
logits as :meth:`engine.nn.model.Model.forward` in evaluation mode, in
float32:

=============================  ==============================================
``Conv2D``                     ``Conv`` (kernel ``(C, D, k1, k2)`` stored as
                               ONNX's ``(D, C, k1, k2)``, symmetric ``pads``)
``MaxPool2D``, ``AvgPool2D``   ``MaxPool`` / ``AveragePool`` (floor mode); a
                               zero padding is an explicit ``Pad`` before it
                               (our zeros take part in the max and the mean;
                               ONNX's pooling pads would not)
``ReLU``, ``LeakyReLU``,       ``Relu``, ``LeakyRelu(alpha)``, ``Tanh``,
``Tanh``, ``Sigmoid``          ``Sigmoid``
``BatchNorm2D/1D``             ``BatchNormalization`` (inference: running
                               statistics)
``Flatten``                    ``Flatten(axis=1)`` (C order, as ours)
``Dense``                      ``Gemm`` (``W: (in, out)``, ``transB=0``)
``Dropout``                    ``Identity`` (dropout is off at inference)
=============================  ==============================================

The graph has one input ``input: (N, C, H, W)`` float32 (``N`` free) and
the output ``logits: (N, K)``; with ``probabilities=True`` also
``probabilities: (N, K)`` (``Softmax`` over the classes). The architecture
JSON is kept in the file's metadata (``cnn-playground-architecture``).
"""
from __future__ import annotations

import json
import os

import numpy as np

from ..system.atomic import atomic_write

DEFAULT_OPSET = 13
INSTALL_HINT = 'pip install "cnn-playground[onnx]" (or: pip install onnx)'


class OnnxUnavailable(RuntimeError):
    """The optional ``onnx`` package is not installed."""


def _onnx():
    try:
        import onnx
    except ImportError:
        raise OnnxUnavailable(f"exporting to ONNX needs the onnx package: {INSTALL_HINT}") from None
    return onnx


def build_onnx(model, opset: int = DEFAULT_OPSET, probabilities: bool = False):
    """The ``onnx.ModelProto`` of ``model`` (checked with ``onnx.checker``).

    :param model: a :class:`~engine.nn.model.Model` (any supported architecture)
    :param opset: ONNX opset, 13 or newer
    :param probabilities: also output the softmax of the logits
    """
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper

    if opset < 13:
        raise ValueError(f"opset {opset} is too old; use 13 or newer")
    nodes, inits = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    current = "input"
    for layer in model.layers:
        out = f"{layer.name}_out"
        nodes += _layer_nodes(helper, layer, current, out, const)
        current = out
    nodes.append(helper.make_node("Identity", [current], ["logits"], name="logits"))
    k = model.num_classes
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", k])]
    if probabilities:
        nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1,
                                      name="softmax"))
        outputs.append(helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", k]))
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                            ["N", *model.input_shape])]
    graph = helper.make_graph(nodes, "cnn_playground", inputs, outputs, initializer=inits)
    opsets = [helper.make_opsetid("", opset)]
    # the oldest IR version the opset allows: older runtimes can read the file too
    proto = helper.make_model(graph, producer_name="cnn-playground", opset_imports=opsets,
                              ir_version=helper.find_min_ir_version_for(opsets))
    arch = {k: v for k, v in model.config().items() if k != "metadata"}
    helper.set_model_props(proto, {"cnn-playground-architecture": json.dumps(arch)})
    onnx.checker.check_model(proto)
    return proto


def export_onnx(model, path, opset: int = DEFAULT_OPSET, probabilities: bool = False) -> int:
    """Write ``model`` as an ONNX file to ``path`` atomically; return its size in bytes.
    Raises :class:`OnnxUnavailable` if the ``onnx`` package is missing."""
    data = build_onnx(model, opset, probabilities).SerializeToString()
    with atomic_write(path) as f:
        f.write(data)
    return len(data)


def _f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _pad(helper, x: str, padding, name: str, const) -> tuple[list, str]:
    """A zero ``Pad`` of H and W by ``padding`` before a pooling node (none if 0)."""
    p1, p2 = padding
    if (p1, p2) == (0, 0):
        return [], x
    pads = const(f"{name}.pads", np.array([0, 0, p1, p2, 0, 0, p1, p2], dtype=np.int64))
    zero = const(f"{name}.pad_value", np.zeros((), dtype=np.float32))
    return [helper.make_node("Pad", [x, pads, zero], [f"{name}_padded"], mode="constant",
                             name=f"{name}.pad")], f"{name}_padded"


def _layer_nodes(helper, layer, x: str, out: str, const) -> list:
    """The ONNX nodes computing ``out`` from ``x`` for one layer."""
    kind, name = type(layer).__name__, layer.name
    if kind == "Conv2D":
        (k1, k2), (p1, p2) = layer.kernel_size, layer.padding
        w = const(f"{name}.W", _f32(layer.params["K"]).transpose(1, 0, 2, 3))   # (D, C, k1, k2)
        b = const(f"{name}.b", _f32(layer.params["b"]))
        return [helper.make_node("Conv", [x, w, b], [out], kernel_shape=[k1, k2],
                                 pads=[p1, p2, p1, p2], strides=list(layer.stride), name=name)]
    if kind in ("MaxPool2D", "AvgPool2D"):
        pad, src = _pad(helper, x, layer.padding, name, const)
        op = "MaxPool" if kind == "MaxPool2D" else "AveragePool"
        return pad + [helper.make_node(op, [src], [out], kernel_shape=list(layer.pool_size),
                                       strides=list(layer.stride), name=name)]
    if kind in ("BatchNorm2D", "BatchNorm1D"):
        ins = [x] + [const(f"{name}.{key}", _f32(arr)) for key, arr in (
            ("gamma", layer.params["gamma"]), ("beta", layer.params["beta"]),
            ("running_mean", layer.buffers["running_mean"]),
            ("running_var", layer.buffers["running_var"]))]
        return [helper.make_node("BatchNormalization", ins, [out], epsilon=layer.eps, name=name)]
    if kind == "Dense":
        w, b = const(f"{name}.W", _f32(layer.params["W"])), const(f"{name}.b", _f32(layer.params["b"]))
        return [helper.make_node("Gemm", [x, w, b], [out], name=name)]
    if kind == "LeakyReLU":
        return [helper.make_node("LeakyRelu", [x], [out], alpha=layer.negative_slope, name=name)]
    simple = {"ReLU": "Relu", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Dropout": "Identity"}
    if kind in simple:
        return [helper.make_node(simple[kind], [x], [out], name=name)]
    if kind == "Flatten":
        return [helper.make_node("Flatten", [x], [out], axis=1, name=name)]
    raise ValueError(f"layer {name!r} ({kind}) has no ONNX export yet")



def onnxruntime_difference(model, path, x: np.ndarray) -> float | None:
    """Largest ``|logit difference|`` between ``onnxruntime`` running the file at
    ``path`` and ``model`` (evaluation mode) on ``x: (N, C, H, W)``, or None
    when ``onnxruntime`` is not installed."""
    try:
        import onnxruntime
    except ImportError:
        return None
    session = onnxruntime.InferenceSession(os.fspath(path), providers=["CPUExecutionProvider"])
    theirs = session.run(["logits"], {"input": _f32(x)})[0]
    with model.evaluating():
        ours = model.forward(x)
    return float(np.max(np.abs(theirs.astype(np.float64) - ours)))

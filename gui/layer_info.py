"""Facts about a model's layers that the views need for display: a sentence
explaining each layer, whether its output can be negative (which colour map),
and which convolution kernel produced a given feature map."""
from __future__ import annotations

import numpy as np

from engine import Model

_SHAPE_KEEPING = ("relu", "pool", "dropout")


def signed_outputs(model: Model) -> dict[str, bool]:
    """``{layer name: True if its output can be negative}``.

    Convolution and dense outputs are signed, ReLU outputs are not, pooling,
    dropout and flatten keep what they receive (the input image is >= 0).
    """
    signed, out = False, {}
    for layer in model.layers:
        if layer.kind in ("conv", "fc"):
            signed = True
        elif layer.kind == "relu":
            signed = False
        out[layer.name] = signed
    return out


def producing_conv(model: Model, layer_name: str) -> int | None:
    """Index of the convolution whose output channel ``c`` became channel ``c`` of
    ``layer_name`` (walking back through ReLU/pooling/dropout), or None."""
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        return None
    i = names.index(layer_name)
    while i >= 0:
        kind = model.layers[i].kind
        if kind == "conv":
            return i
        if kind not in _SHAPE_KEEPING:
            return None
        i -= 1
    return None


def kernel_for(model: Model, layer_name: str, channel: int):
    """``(conv layer name, kernel (C_in, k1, k2), bias)`` that produced feature map
    ``channel`` of ``layer_name``, or None. ``K`` is stored as ``(C_in, D_out, k1, k2)``."""
    i = producing_conv(model, layer_name)
    if i is None:
        return None
    conv = model.layers[i]
    K, b = conv.params["K"], conv.params["b"]
    if not 0 <= channel < K.shape[1]:
        return None
    return conv.name, np.array(K[:, channel], dtype=np.float32), float(b[channel])


def describe_layer(model: Model, index: int) -> str:
    """One or two sentences explaining what layer ``index`` of ``model`` does."""
    layer = model.layers[index]
    shapes = model.layer_shapes()
    out = shapes[index][1]
    inp = model.input_shape if index == 0 else shapes[index - 1][1]
    kind = layer.kind
    last = index == len(model.layers) - 1
    if kind == "conv":
        k = "×".join(str(v) for v in getattr(layer, "kernel_size", ()))
        return (f"Convolution: each of the {out[0]} feature maps is the {inp[0]}-channel input "
                f"filtered by its own learned {k} kernel, plus a bias. Blue is negative, red "
                f"positive. Click a map to see it enlarged beside its kernel.")
    if kind == "relu":
        return ("ReLU keeps positive values and sets negative ones to zero, so only the features "
                "that were found stay lit (bright = strong)." +
                (" Click a map to enlarge it." if len(out) == 3 else ""))
    if kind == "pool":
        p = "×".join(str(v) for v in getattr(layer, "pool_size", ()))
        return (f"Max pooling keeps the strongest value in each {p} window: the maps shrink "
                f"from {inp[1]}×{inp[2]} to {out[1]}×{out[2]}, so the next layer sees larger "
                f"patterns and small shifts matter less.")
    if kind == "dropout":
        return ("Dropout is switched off while predicting, so this equals its input; during "
                "training it silences random units so the network cannot rely on any one.")
    if kind == "flatten":
        return (f"Flatten lays the {' × '.join(map(str, inp))} values end to end as one vector "
                f"of {out[0]} numbers for the dense layers. Hover to see where a value came from.")
    if kind == "fc":
        if last:
            return (f"The last dense layer gives one score (logit) per class; softmax turns "
                    f"them into the probabilities. Each score is a weighted sum of all "
                    f"{inp[0]} inputs plus a bias.")
        return (f"Dense (fully connected) layer: each of its {out[0]} units is a weighted sum "
                f"of all {inp[0]} inputs plus a bias. Blue is negative, red positive.")
    return f"{type(layer).__name__} layer with output {out}."

"""The sentence under each layer panel: what the layer computes (from the
engine's layer classes, :meth:`engine.nn.model.Model.explain_layer`) plus how
to read and use its panel here (colours, clicks, hovers), decided from what
the layer outputs - never from its type name."""
from __future__ import annotations

from engine import Model


def describe_layer(model: Model, index: int) -> str:
    """One to three sentences on layer ``index`` of ``model`` and its panel."""
    shapes = model.layer_shapes()
    name, shape = shapes[index]
    before = model.input_shape if index == 0 else shapes[index - 1][1]
    last = index == len(model.layers) - 1
    text = model.explain_layer(index)
    if model.output_signs()[name] and not last:
        text += " Blue is negative, red positive."
    if len(shape) == 3:
        found = model.kernel_behind(name, 0)
        if found is not None and found[0] == name:
            text += " Click a map to see it enlarged beside its kernel."
        else:
            text += " Click a map to enlarge it."
    elif len(before) == 3:
        text += " Hover to see where a value came from."
    return text

"""The sentence under each layer panel: what the layer computes (from the
engine's layer classes, :meth:`engine.nn.model.Model.explain_layer`) plus how
to read and use its panel here (colours, clicks, hovers), decided from what
the layer outputs - never from its type name.

:func:`panel_note` is the short remark shown in the panel of a layer
that passes its input through unchanged when predicting (dropout), found by
running the layer on a probe input, not by its name."""
from __future__ import annotations

import numpy as np

from engine import Model

#: The remark in the panel of a layer that does nothing when predicting,
#: longest first (a narrow panel shows the longest that fits).
PASS_THROUGH_NOTE = ("inactive when predicting — same as the layer above",
                     "inactive when predicting", "inactive")


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


def passes_through_when_predicting(model: Model, index: int) -> bool:
    """True if layer ``index`` outputs exactly its input when predicting
    (dropout): a layer without parameters whose output has its input's shape,
    run once on a signed probe ``(1, *input shape)`` in evaluation mode."""
    layer = model.layers[index]
    shapes = model.layer_shapes()
    before = model.input_shape if index == 0 else shapes[index - 1][1]
    if layer.params or tuple(shapes[index][1]) != tuple(before) or index == 0:
        return False    # the first layer's input is the image, not "the layer above"
    probe = np.random.default_rng(0).standard_normal((1, *before)).astype(np.float32)
    with model.evaluating():
        out = layer.forward(probe.copy())
    return out.shape == probe.shape and bool(np.array_equal(out, probe))


def panel_note(model: Model, index: int) -> tuple[str, ...]:
    """The remark for layer ``index``'s panel, longest variant first, or ``()``
    (see :data:`PASS_THROUGH_NOTE`)."""
    return PASS_THROUGH_NOTE if passes_through_when_predicting(model, index) else ()

"""The network being edited, as data: a list of layer descriptions (the JSON
of :meth:`engine.nn.model.Model.config`), checked by the engine.

The editor shows only the settings a person chooses. The settings that follow
from the layer before (a convolution's ``in_channels``, a dense layer's
``in_features``, a batch norm's ``num_features``) are filled in from the
shape the engine infers for the previous layer, so removing a convolution
re-wires the layers after it, as in Keras. A dropout layer's seed is kept
but not shown.

:func:`check_draft` walks the layers with the engine's own schemas
(:meth:`engine.nn.layers.base.Layer.infer`) and then checks the whole
architecture with :func:`engine.describe_architecture`, so the figures and
the messages are exactly those of model files. No Qt here.
"""
from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass

from engine.nn.architecture import FORMAT_NAME, FORMAT_VERSION, ArchitectureSummary, \
    describe_architecture
from engine.nn.layers import LAYER_TYPES, ArchitectureError, LayerShapes, ShapeError

from .field_tips import FIELD_TEXT

#: Settings that follow from the previous layer's output: ``{type: key}``.
LINKED = {"Conv2D": "in_channels", "Dense": "in_features", "BatchNorm2D": "num_features",
          "BatchNorm1D": "num_features"}
#: Settings kept but never shown (``{type: keys}``).
HIDDEN = {"Dropout": ("seed",)}
#: The layer types offered by "Add layer", in menu order.
ADDABLE = ("Conv2D", "MaxPool2D", "AvgPool2D", "ReLU", "LeakyReLU", "Tanh", "Sigmoid",
           "BatchNorm2D", "Flatten", "Dense", "BatchNorm1D", "Dropout")
#: Settings of a freshly added layer (linked ones are filled in).
DEFAULTS: dict[str, dict] = {
    "Conv2D": {"in_channels": 1, "out_channels": 16, "kernel_size": [3, 3], "padding": [1, 1],
               "stride": [1, 1]},
    "MaxPool2D": {"pool_size": [2, 2], "stride": [2, 2], "padding": [0, 0]},
    "AvgPool2D": {"pool_size": [2, 2], "stride": [2, 2], "padding": [0, 0]},
    "Dense": {"in_features": 1, "out_features": 10},
    "Dropout": {"rate": 0.3, "seed": 0},
    "BatchNorm2D": {"num_features": 1, "momentum": 0.1, "eps": 1e-5},
    "BatchNorm1D": {"num_features": 1, "momentum": 0.1, "eps": 1e-5},
    "LeakyReLU": {"negative_slope": 0.01},
}
INPUT_SHAPE = (1, 28, 28)


def shown_fields(kind: str) -> list:
    """The fields of layer type ``kind`` a person edits (engine field objects)."""
    skip = {LINKED.get(kind), *HIDDEN.get(kind, ())}
    return [f for f in LAYER_TYPES[kind].FIELDS if f.key not in skip]


def new_layer(kind: str, taken: set[str]) -> dict:
    """A layer description of type ``kind`` with default settings and a name
    not in ``taken`` (``conv3``, ``relu4``, ``flatten``...)."""
    stem = LAYER_TYPES[kind].kind
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return {"type": kind, "name": f"{stem}{n}", **copy.deepcopy(DEFAULTS.get(kind, {}))}


def architecture(layers: list[dict]) -> dict:
    """The model-file architecture JSON of ``layers`` (MNIST input, no metadata)."""
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "input_shape": list(INPUT_SHAPE),
            "layers": copy.deepcopy(layers), "metadata": {}}


def layers_of(config: dict) -> list[dict]:
    """The layer list of an architecture (e.g. ``Model.config()``), copied."""
    return copy.deepcopy(list(config.get("layers", [])))


@dataclass(frozen=True)
class DraftCheck:
    """What the engine says about a draft.

    :ivar layers: the layers with linked settings filled in
    :ivar shapes: per layer, its :class:`LayerShapes` (one image), or None for
        the failing layer and those after it
    :ivar summary: the engine's summary when the whole network is valid
    :ivar error: the engine's explanation when it is not (plain text)
    :ivar bad_layer: index of the layer the error is about, if it is one layer's
    """
    layers: list[dict]
    shapes: list[LayerShapes | None]
    summary: ArchitectureSummary | None
    error: str | None
    bad_layer: int | None

    @property
    def valid(self) -> bool:
        return self.summary is not None

    def config(self) -> dict:
        """The architecture JSON (only meaningful when :attr:`valid`)."""
        return architecture(self.layers)


def check_draft(layers: list[dict]) -> DraftCheck:
    """Fill the linked settings of ``layers`` (a copy) and check them."""
    layers = copy.deepcopy(layers)
    shapes: list[LayerShapes | None] = [None] * len(layers)
    shape, error, bad = INPUT_SHAPE, None, None
    for i, layer in enumerate(layers):
        cls = LAYER_TYPES[layer["type"]]
        key = LINKED.get(layer["type"])
        if key is not None:    # a dense layer after maps: its message says "add a Flatten"
            layer[key] = math.prod(shape) if key == "in_features" else shape[0]
        try:
            shapes[i] = cls.infer(cls.parse_config(layer), tuple(shape), layer["name"])
        except ShapeError as exc:
            where = "at the input" if i == 0 else f"after {layers[i - 1]['name']!r}"
            error, bad = str(exc.after(where)), i
            break
        except ArchitectureError as exc:
            error, bad = str(exc), i
            break
        shape = shapes[i].output
    summary = None
    if error is None:
        try:
            summary = describe_architecture(architecture(layers))
        except ArchitectureError as exc:
            error = str(exc)
    return DraftCheck(layers, shapes, summary, _readable(error), bad)


#: The engine's names of the settings the editor labels otherwise (whole words).
_SETTING_NAMES = re.compile(r"\b(" + "|".join(
    key for key, (label, _tip) in FIELD_TEXT.items() if isinstance(key, str) and label != key
    and "_" in key) + r")\b")


def _readable(error: str | None) -> str | None:
    """The engine's message without its "architecture: " prefix, capitalised,
    with the settings named as the editor labels them ("units", not
    "out_features")."""
    if error is None:
        return None
    text = _SETTING_NAMES.sub(lambda m: FIELD_TEXT[m.group(0)][0],
                              error.removeprefix("architecture: "))
    return text[:1].upper() + text[1:]

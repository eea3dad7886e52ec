"""Architecture descriptions: the JSON that, with the weights, is a model file.

:func:`describe_architecture` checks a description that may come from
anywhere (a model file, an editor) *without allocating anything* and returns
what it implies, layer by layer: output shapes, parameter shapes and counts,
multiply-adds per image. It loops over the registered layer types
(:data:`engine.nn.layers.LAYER_TYPES`); each layer class checks its own
settings and infers its own shapes. Every problem raises
:class:`ArchitectureError` (a ``ValueError``) with a message that says which
layer and why::

    {"format": "cnn-playground-model", "version": 1, "input_shape": [1, 28, 28],
     "layers": [{"type": "Conv2D", "name": "conv1", "in_channels": 1, ...}, ...],
     "metadata": {...}}
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .costs import check_serviceable
from .layers import LAYER_TYPES, ArchitectureError
from .limits import (MAX_ACTIVATION, MAX_INPUT_CHANNELS, MAX_INPUT_SIDE, MAX_LAYERS,
                     MAX_METADATA_DEPTH, MAX_NAME_LENGTH, MAX_PARAMS)
from .layers.fields import IntField

FORMAT_NAME = "cnn-playground-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class LayerSummary:
    """One layer of a checked architecture (shapes, MACs and workspace per sample)."""
    name: str
    type: str
    output_shape: tuple[int, ...]
    param_shapes: dict[str, tuple[int, ...]]
    macs: int
    workspace: int = 0

    @property
    def num_params(self) -> int:
        return sum(math.prod(s) for s in self.param_shapes.values())


@dataclass(frozen=True)
class ArchitectureSummary:
    """What a checked architecture implies."""
    input_shape: tuple[int, int, int]
    layers: tuple[LayerSummary, ...]

    @property
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """``{"conv1.K": (C, D, k1, k2), "conv1.b": (D,), ...}`` in layer order."""
        return {f"{layer.name}.{key}": shape for layer in self.layers
                for key, shape in layer.param_shapes.items()}

    @property
    def num_params(self) -> int:
        return sum(layer.num_params for layer in self.layers)

    @property
    def macs(self) -> int:
        """Multiply-adds of one forward pass of one image."""
        return sum(layer.macs for layer in self.layers)

    @property
    def num_classes(self) -> int:
        return self.layers[-1].output_shape[0]

    @property
    def activation_values(self) -> int:
        """Output values of all layers for one image (all are kept for the views)."""
        return sum(math.prod(layer.output_shape) for layer in self.layers)


def describe_architecture(arch: object, serviceable: bool = True) -> ArchitectureSummary:
    """Check an architecture description (untrusted JSON data) against the
    layer schemas and :mod:`engine.nn.limits`; raise :class:`ArchitectureError`
    or return its :class:`ArchitectureSummary`. With ``serviceable`` it also
    checks the costs the app can serve (:func:`engine.nn.costs.check_serviceable`)."""
    if not isinstance(arch, dict):
        raise ArchitectureError("architecture is not a JSON object")
    if arch.get("format") != FORMAT_NAME:
        raise ArchitectureError(f"architecture: format is {arch.get('format')!r}, "
                                f"expected {FORMAT_NAME!r}")
    if arch.get("version") != FORMAT_VERSION:
        raise ArchitectureError(f"architecture: unsupported version {arch.get('version')!r}")
    input_shape = shape = _input_shape(arch.get("input_shape"))
    layers = arch.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise ArchitectureError(f"architecture: layers must be a list of 1..{MAX_LAYERS} layers")
    check_metadata(arch.get("metadata", {}))
    summaries, names, total = [], set(), 0
    for i, config in enumerate(layers):
        summary = _describe_layer(i, config, names, shape)
        names.add(summary.name)
        shape = summary.output_shape
        if math.prod(shape) > MAX_ACTIVATION:
            raise ArchitectureError(f"architecture: layer {summary.name!r} outputs {shape}, more "
                                    f"than {MAX_ACTIVATION} activation values per sample; too large")
        total += summary.num_params
        if total > MAX_PARAMS:
            raise ArchitectureError(f"architecture has more than {MAX_PARAMS} parameters; refused")
        summaries.append(summary)
    if len(shape) != 1:
        raise ArchitectureError(f"architecture: the last layer outputs {shape}, "
                                f"expected class scores (K,)")
    summary = ArchitectureSummary(input_shape, tuple(summaries))
    if serviceable:
        check_serviceable(summary)
    return summary


def check_metadata(metadata: object) -> None:
    """Metadata must be a JSON object nested at most ``MAX_METADATA_DEPTH`` deep."""
    if not isinstance(metadata, dict):
        raise ArchitectureError("architecture: metadata must be a JSON object")
    stack = [(metadata, 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            raise ArchitectureError("architecture: metadata nested too deeply")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)


def _input_shape(value: object) -> tuple[int, int, int]:
    if not isinstance(value, list) or len(value) != 3:
        raise ArchitectureError(f"architecture: input_shape must be [C, H, W], got {value!r}")
    fields = (IntField("input channels", 1, MAX_INPUT_CHANNELS),
              IntField("input height", 1, MAX_INPUT_SIDE),
              IntField("input width", 1, MAX_INPUT_SIDE))
    c, h, w = (f.parse(v, "") for f, v in zip(fields, value))
    return c, h, w


def is_layer_name(name: object) -> bool:
    """1 to ``MAX_NAME_LENGTH`` printable characters, not blank, without '.'
    (the dot separates layer and parameter in a file's array names)."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH and name.isprintable() \
        and bool(name.strip()) and "." not in name


def _quoted(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (error messages stay one short line)."""
    text = repr(value) if isinstance(value, (str, int, float, type(None))) else type(value).__name__
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _describe_layer(index: int, config: object, taken: set, input_shape) -> LayerSummary:
    if not isinstance(config, dict):
        raise ArchitectureError(f"architecture: layer {index} is not an object")
    kind, name = config.get("type"), config.get("name")
    if not is_layer_name(name) or name in taken:
        raise ArchitectureError(f"architecture: layer {index} has a missing, bad or duplicate "
                                f"name {_quoted(name)} (names are 1 to {MAX_NAME_LENGTH} printable "
                                f"characters without '.')")
    layer_type = LAYER_TYPES.get(kind) if isinstance(kind, str) else None
    if layer_type is None:
        raise ArchitectureError(f"architecture: layer {name!r} has unknown type {_quoted(kind)}")
    settings = layer_type.parse_config(config)
    shapes = layer_type.infer(settings, tuple(input_shape), name)
    return LayerSummary(name, kind, shapes.output, shapes.params, shapes.macs, shapes.workspace)

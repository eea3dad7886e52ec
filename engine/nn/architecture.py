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
import reprlib
from dataclasses import dataclass, field

from .costs import check_serviceable, forward_values
from .layers import LAYER_TYPES, ArchitectureError, ShapeError
from .limits import (MAX_ACTIVATION, MAX_INPUT_CHANNELS, MAX_INPUT_SIDE, MAX_LAYERS,
                     MAX_METADATA_DEPTH, MAX_NAME_LENGTH, MAX_PARAMS)
from .layers.fields import IntField

FORMAT_NAME = "cnn-playground-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class LayerSummary:
    """One layer of a checked architecture: its output shape, parameter (and
    buffer) shapes, multiply-adds and workspace, all for one image."""
    name: str
    type: str
    output_shape: tuple[int, ...]
    param_shapes: dict[str, tuple[int, ...]]
    macs: int
    workspace: int = 0
    buffer_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def num_params(self) -> int:
        return sum(math.prod(s) for s in self.param_shapes.values())

    @property
    def activation_values(self) -> int:
        """Values of this layer's output for one image (its activation memory in values)."""
        return math.prod(self.output_shape)

    def as_dict(self, itemsize: int = 4) -> dict:
        """JSON-able figures: name, type, output shape, parameters, MACs and the
        activation memory of one image in bytes (``itemsize`` bytes a value)."""
        return {"name": self.name, "type": self.type, "output_shape": list(self.output_shape),
                "parameters": self.num_params, "macs": self.macs,
                "activation_bytes": self.activation_values * itemsize}


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
    def buffer_shapes(self) -> dict[str, tuple[int, ...]]:
        """``{"bn1.running_mean": (C,), ...}``: saved, untrained state, in layer order."""
        return {f"{layer.name}.{key}": shape for layer in self.layers
                for key, shape in layer.buffer_shapes.items()}

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

    def as_dict(self, itemsize: int = 4) -> dict:
        """JSON-able per-layer figures (:meth:`LayerSummary.as_dict`) and totals;
        memory in bytes for ``itemsize``-byte values (4: float32)."""
        return {"input_shape": list(self.input_shape),
                "layers": [layer.as_dict(itemsize) for layer in self.layers],
                "totals": {"parameters": self.num_params,
                           "parameter_bytes": self.num_params * itemsize, "macs": self.macs,
                           "activation_bytes": self.activation_values * itemsize,
                           "forward_bytes": forward_values(self) * itemsize,
                           "classes": self.num_classes}}


def describe_architecture(arch: object, serviceable: bool = True) -> ArchitectureSummary:
    """Check an architecture description (untrusted JSON data) against the
    layer schemas and :mod:`engine.nn.limits`; raise :class:`ArchitectureError`
    (a ``ValueError`` whose message says which layer, what is wrong and how to
    fix it) or return its :class:`ArchitectureSummary`. With ``serviceable``
    it also checks the costs the app can serve
    (:func:`engine.nn.costs.check_serviceable`)."""
    if not isinstance(arch, dict):
        raise ArchitectureError('architecture is not a JSON object - it must be {"format": '
                                f'"{FORMAT_NAME}", "version": {FORMAT_VERSION}, "input_shape": '
                                '[C, H, W], "layers": [...]}')
    if arch.get("format") != FORMAT_NAME:
        raise ArchitectureError(f"architecture: format is {_quoted(arch.get('format'))}, "
                                f"expected {FORMAT_NAME!r} - this is not a network description "
                                f"written by this app")
    if arch.get("version") != FORMAT_VERSION:
        raise ArchitectureError(f"architecture: unsupported version {_quoted(arch.get('version'))}"
                                f" - this app reads version {FORMAT_VERSION} (a newer app wrote "
                                f"it?)")
    input_shape = shape = _input_shape(arch.get("input_shape"))
    layers = _layer_list(arch.get("layers"))
    check_metadata(arch.get("metadata", {}))
    summaries, names, total, source = [], set(), 0, "at the input"
    for i, config in enumerate(layers):
        summary = _describe_layer(i, config, names, shape, source)
        names.add(summary.name)
        shape, source = summary.output_shape, f"after {summary.name!r}"
        if math.prod(shape) > MAX_ACTIVATION:
            raise ArchitectureError(f"architecture: layer {summary.name!r} outputs {shape}, more "
                                    f"than {MAX_ACTIVATION} activation values per sample; too "
                                    f"large - use fewer channels, a stride or pooling before it")
        total += summary.num_params
        if total > MAX_PARAMS:
            raise ArchitectureError(f"architecture has more than {MAX_PARAMS} parameters; refused "
                                    f"- {total:,} up to layer {summary.name!r}: use fewer units "
                                    f"or channels, or pool the maps before Flatten")
        summaries.append(summary)
    if len(shape) != 1:
        raise ArchitectureError(f"architecture: the last layer outputs {shape}, expected class "
                                f"scores (K,) - end with Flatten and a Dense layer with one "
                                f"output per class")
    summary = ArchitectureSummary(input_shape, tuple(summaries))
    if serviceable:
        check_serviceable(summary)
    return summary


def check_metadata(metadata: object) -> None:
    """Metadata must be a JSON object nested at most ``MAX_METADATA_DEPTH`` deep."""
    if not isinstance(metadata, dict):
        raise ArchitectureError("architecture: metadata must be a JSON object - e.g. {} when "
                                "there is nothing to record")
    stack = [(metadata, 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            raise ArchitectureError(f"architecture: metadata nested too deeply - at most "
                                    f"{MAX_METADATA_DEPTH} levels of objects and lists")
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)


def _input_shape(value: object) -> tuple[int, int, int]:
    if not isinstance(value, list) or len(value) != 3:
        raise ArchitectureError(f"architecture: input_shape must be [C, H, W], got "
                                f"{_quoted(value)} - e.g. [1, 28, 28] for MNIST digits")
    fields = (IntField("input channels", 1, MAX_INPUT_CHANNELS),
              IntField("input height", 1, MAX_INPUT_SIDE),
              IntField("input width", 1, MAX_INPUT_SIDE))
    c, h, w = (f.parse(v, "") for f, v in zip(fields, value))
    return c, h, w


def _layer_list(layers: object) -> list:
    """The ``layers`` list, 1 to ``MAX_LAYERS`` long."""
    if not isinstance(layers, list):
        raise ArchitectureError(f"architecture: layers must be a list of 1..{MAX_LAYERS} layers, "
                                f"got {_quoted(layers)} - write them as a JSON list of objects")
    if not layers:
        raise ArchitectureError(f"architecture: layers must be a list of 1..{MAX_LAYERS} layers, "
                                f"got none - add at least Flatten and a Dense layer")
    if len(layers) > MAX_LAYERS:
        raise ArchitectureError(f"architecture: layers must be a list of 1..{MAX_LAYERS} layers, "
                                f"got {len(layers)} - remove {len(layers) - MAX_LAYERS}")
    return layers


def is_layer_name(name: object) -> bool:
    """1 to ``MAX_NAME_LENGTH`` printable characters, not blank, without '.'
    (the dot separates layer and parameter in a file's array names)."""
    return isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH and name.isprintable() \
        and bool(name.strip()) and "." not in name


def _quoted(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (error messages stay one short line)."""
    text = repr(value) if isinstance(value, (str, int, float, type(None))) \
        else reprlib.repr(value)            # containers: a few items, never the whole thing
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _describe_layer(index: int, config: object, taken: set, input_shape,
                    source: str) -> LayerSummary:
    """Check layer ``index``; ``source`` says where its input comes from
    ("after 'pool2'") for the messages of layers that do not fit it."""
    if not isinstance(config, dict):
        raise ArchitectureError(f"architecture: layer {index} is not an object - each layer is "
                                f'{{"type": ..., "name": ..., its settings}}')
    kind, name = config.get("type"), config.get("name")
    if not is_layer_name(name):
        raise ArchitectureError(f"architecture: layer {index} has a missing, bad or duplicate "
                                f"name {_quoted(name)} - names are 1 to {MAX_NAME_LENGTH} "
                                f"printable characters without '.'")
    if name in taken:
        raise ArchitectureError(f"architecture: layer {index} has a missing, bad or duplicate "
                                f"name {_quoted(name)} - an earlier layer is called {name!r}; "
                                f"give each layer its own name")
    layer_type = LAYER_TYPES.get(kind) if isinstance(kind, str) else None
    if layer_type is None:
        raise ArchitectureError(f"architecture: layer {name!r} has unknown type {_quoted(kind)} "
                                f"- use one of {', '.join(sorted(LAYER_TYPES))}")
    settings = layer_type.parse_config(config)
    try:
        shapes = layer_type.infer(settings, tuple(input_shape), name)
    except ShapeError as exc:
        raise exc.after(source) from None
    return LayerSummary(name, kind, shapes.output, shapes.params, shapes.macs, shapes.workspace,
                        shapes.buffers)


def byte_text(n: float) -> str:
    """``512 B``, ``3.1 KB``, ``1.2 MB`` (1 KB = 1024 bytes; 1000 KB and more in MB)."""
    for unit in ("B", "KB", "MB"):
        if n < 1000 or unit == "MB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GB"


def format_table(summary: ArchitectureSummary, itemsize: int = 4) -> str:
    """The architecture as a text table, one row per layer (like Keras'
    ``summary()``): layer (type), output shape, parameters, multiply-adds and
    activation memory of one image (``itemsize`` bytes a value); totals last."""
    rows = [("Layer (type)", "Output shape", "Parameters", "MACs", "Memory")]
    rows.append(("input", str(summary.input_shape), "", "",
                 byte_text(math.prod(summary.input_shape) * itemsize)))
    rows += [(f"{s.name} ({s.type})", str(s.output_shape), f"{s.num_params:,}", f"{s.macs:,}",
              byte_text(s.activation_values * itemsize)) for s in summary.layers]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]

    def line(row) -> str:
        return "  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(row, widths))).rstrip()

    rule = "-" * len(line(rows[0]))
    body = [line(rows[0]), rule] + [line(row) for row in rows[1:]] + [rule]
    body.append(f"total {summary.num_params:,} parameters "
                f"({byte_text(summary.num_params * itemsize)}), {summary.macs:,} multiply-adds "
                f"and {byte_text(summary.activation_values * itemsize)} of activations per image")
    return "\n".join(body)

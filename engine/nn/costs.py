"""What running an architecture costs, from its description alone: multiply-
adds and memory per image, and the memory of a training step. The model-file
reader refuses what the app cannot serve interactively (caps in
:mod:`engine.nn.limits`, stated in the README); training refuses a batch whose
step would not fit.

All figures are per sample and in values (multiply by the dtype's size for
bytes) unless named ``_bytes``.
"""
from __future__ import annotations

import math

from .layers import ArchitectureError
from .limits import (MAX_ACTIVATIONS, MAX_CLASSES, MAX_MACS, MAX_TRAIN_BYTES, MAX_WORKSPACE,
                     MIN_CLASSES)


def forward_values(summary) -> int:
    """Values alive in one image's forward pass with every activation kept
    (what a drawing update needs): input, all outputs, the largest workspace."""
    return (math.prod(summary.input_shape) + summary.activation_values
            + max((layer.workspace for layer in summary.layers), default=0))


def training_step_bytes(summary, batch: int, itemsize: int = 4) -> int:
    """Estimated memory of one training step of ``batch`` samples: per sample,
    the input, every output and its gradient, every workspace (kept for the
    backward pass) and the largest workspace gradient; plus the parameters
    with their gradients and optimiser state (x3)."""
    per_sample, fixed = _training_step_parts(summary, itemsize)
    return batch * per_sample + fixed


def _training_step_parts(summary, itemsize: int) -> tuple[int, int]:
    """``(bytes per sample, bytes for any batch)`` of a training step."""
    per_sample = (math.prod(summary.input_shape) + 2 * summary.activation_values
                  + sum(layer.workspace for layer in summary.layers)
                  + max((layer.workspace for layer in summary.layers), default=0))
    return itemsize * per_sample, itemsize * 3 * summary.num_params


def check_serviceable(summary) -> None:
    """Raise :class:`ArchitectureError` if the app could not run ``summary``
    interactively (see :mod:`engine.nn.limits`)."""
    if summary.macs > MAX_MACS:
        raise ArchitectureError(f"architecture needs {summary.macs / 1e6:,.0f} million "
                                f"multiply-adds per image; the app serves at most "
                                f"{MAX_MACS / 1e6:,.0f} million (one drawing update) - use fewer "
                                f"channels or smaller kernels, or pool (or stride) earlier")
    if summary.activation_values > MAX_ACTIVATIONS:
        raise ArchitectureError(f"architecture: its layers output {summary.activation_values:,} "
                                f"values per image together, more than the {MAX_ACTIVATIONS:,} "
                                f"the views can draw - use fewer channels, or pool (or stride) "
                                f"earlier")
    for layer in summary.layers:
        if layer.workspace > MAX_WORKSPACE:
            raise ArchitectureError(f"architecture: layer {layer.name!r} needs "
                                    f"{layer.workspace * 4 / 2**20:,.0f} MB of working memory per "
                                    f"image (limit {MAX_WORKSPACE * 4 / 2**20:,.0f} MB) - give it "
                                    f"fewer input channels, a smaller kernel or a stride")
    k = summary.num_classes
    if not MIN_CLASSES <= k <= MAX_CLASSES:
        raise ArchitectureError(f"architecture: {k} classes; the app supports "
                                f"{MIN_CLASSES} to {MAX_CLASSES} - the last layer gives one score "
                                f"per class: set its out_features to the number of classes (10 "
                                f"for digits)")


def check_training_step(summary, batch: int, itemsize: int = 4) -> None:
    """Raise ``ValueError`` if a training step of ``batch`` would need more
    than :data:`~engine.nn.limits.MAX_TRAIN_BYTES`."""
    per_sample, fixed = _training_step_parts(summary, itemsize)
    need = batch * per_sample + fixed
    if need > MAX_TRAIN_BYTES:
        largest = max(1, (MAX_TRAIN_BYTES - fixed) // per_sample)
        raise ValueError(f"a batch of {batch:,} needs about {need / 2**30:.1f} GB per training "
                         f"step with this network (limit {MAX_TRAIN_BYTES / 2**30:.0f} GB); use a "
                         f"batch size of at most {largest:,}")

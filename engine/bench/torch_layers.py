"""PyTorch twins of a model's layers, for the per-layer profile
(:mod:`engine.bench.profile`); PyTorch is never a dependency.

Each twin is a pair of callables ``(forward, backward)`` running PyTorch's own
CPU kernels on the same shapes and weights as our layer: ``torch.conv2d`` and
``aten.convolution_backward`` (input gradient only where our layer computes
it, i.e. not for the first layer), ``aten.max_pool2d_with_indices`` and its
backward, ``torch.relu`` / ``aten.threshold_backward``, ``torch.addmm`` and
the two products of a linear layer's backward pass. With ``input_grad_only``
(one image, as the explanations differentiate it) every backward computes
the input gradient alone and dropout is the identity (evaluation mode).
"""
from __future__ import annotations

import numpy as np

from ..nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU


def _conv(torch, layer, h, first, input_only=False):
    aten = torch.ops.aten
    w = torch.from_numpy(np.ascontiguousarray(layer.params["K"].transpose(1, 0, 2, 3)))
    b = torch.from_numpy(layer.params["b"])
    pad, stride = list(layer.padding), list(layer.stride)
    out = torch.conv2d(h, w, b, stride, pad)
    g = torch.randn_like(out)
    mask = [True, False, False] if input_only else [not first, True, True]
    return (out, lambda: torch.conv2d(h, w, b, stride, pad),
            lambda: aten.convolution_backward(g, h, w, [w.shape[0]], stride, pad, [1, 1], False,
                                              [0, 0], 1, mask))


def _pool(torch, layer, h):
    aten = torch.ops.aten
    k, s, p = list(layer.pool_size), list(layer.stride), list(layer.padding)
    out, idx = aten.max_pool2d_with_indices(h, k, s, p)
    g = torch.randn_like(out)
    return (out, lambda: aten.max_pool2d_with_indices(h, k, s, p),
            lambda: aten.max_pool2d_with_indices_backward(g, h, k, s, p, [1, 1], False, idx))


def _relu(torch, h):
    out = torch.relu(h)
    g = torch.randn_like(out)
    return out, lambda: torch.relu(h), lambda: torch.ops.aten.threshold_backward(g, out, 0)


def _dense(torch, layer, h, input_only=False):
    w = torch.from_numpy(np.ascontiguousarray(layer.params["W"].T))
    b = torch.from_numpy(layer.params["b"])
    out = torch.addmm(b, h, w.t())
    g = torch.randn_like(out)
    if input_only:
        return out, lambda: torch.addmm(b, h, w.t()), lambda: g @ w
    return out, lambda: torch.addmm(b, h, w.t()), lambda: (g @ w, g.t() @ h, g.sum(0))


def _dropout(torch, layer, h, evaluating=False):
    if evaluating:
        g = torch.randn_like(h)
        return (h, lambda: torch.nn.functional.dropout(h, layer.rate, False),
                lambda: g)
    out = torch.nn.functional.dropout(h, layer.rate, True)
    g = torch.randn_like(out)
    keep = (out != 0).float()
    return (out, lambda: torch.nn.functional.dropout(h, layer.rate, True),
            lambda: g * keep * (1 / (1 - layer.rate)))


def torch_twins(model, n: int, input_grad_only: bool = False) -> dict[str, tuple] | None:
    """``{layer name: (forward, backward)}`` for a batch of ``n`` random inputs,
    or None without PyTorch. Call inside ``torch.no_grad()``. With
    ``input_grad_only`` the backward passes compute the input gradient alone
    (every layer's, the first's too) and dropout is the identity."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    h, twins = torch.rand((n,) + tuple(model.input_shape)), {}
    with torch.no_grad():
        for i, layer in enumerate(model.layers):
            if isinstance(layer, Conv2D):
                out, fwd, bwd = _conv(torch, layer, h, i == 0, input_grad_only)
            elif isinstance(layer, MaxPool2D):
                out, fwd, bwd = _pool(torch, layer, h)
            elif isinstance(layer, ReLU):
                out, fwd, bwd = _relu(torch, h)
            elif isinstance(layer, Dense):
                out, fwd, bwd = _dense(torch, layer, h, input_grad_only)
            elif isinstance(layer, Dropout):
                out, fwd, bwd = _dropout(torch, layer, h, input_grad_only)
            elif isinstance(layer, Flatten):
                out = h.reshape(n, -1)
                fwd, bwd = (lambda h=h: h.reshape(n, -1)), (lambda h=h, o=out: o.reshape(h.shape))
            else:
                raise TypeError(f"no PyTorch twin for {type(layer).__name__}")
            twins[layer.name] = (fwd, bwd)
            h = out
    return twins


def torch_net(model):
    """A ``torch.nn.Sequential`` with ``model``'s stack (fresh weights), or None."""
    try:
        import torch
    except ImportError:
        return None
    nn, mods = torch.nn, []
    for layer in model.layers:
        if isinstance(layer, Conv2D):
            mods.append(nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                                  layer.stride, layer.padding))
        elif isinstance(layer, MaxPool2D):
            mods.append(nn.MaxPool2d(layer.pool_size, layer.stride, layer.padding))
        elif isinstance(layer, ReLU):
            mods.append(nn.ReLU())
        elif isinstance(layer, Dense):
            mods.append(nn.Linear(layer.in_features, layer.out_features))
        elif isinstance(layer, Dropout):
            mods.append(nn.Dropout(layer.rate))
        elif isinstance(layer, Flatten):
            mods.append(nn.Flatten())
        else:
            raise TypeError(f"no PyTorch twin for {type(layer).__name__}")
    return nn.Sequential(*mods)

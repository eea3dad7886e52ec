"""The seed's functional style for the layers a first CNN course adds:
average pooling, batch normalisation and the tanh / sigmoid / leaky-ReLU
activations. Same conventions as :mod:`engine.nn.functional`:

* images are NCHW ``z: (N, C, H, W)``; dense features are ``(N, F)``;
* backward functions return *parameter* gradients of the **mean** loss over
  the batch (``dgamma/N``, ``dbeta/N``) and the *input* gradient of the
  **summed** loss;
* the dtype of the input is kept (float32 stays float32).

Average pooling counts the zero padding in every window (it always divides
by ``k1*k2``, ONNX ``count_include_pad=1``), like the seed's max pooling,
whose zero padding takes part in the max. Output size (floor convention)::

    Ho = 1 + (H + 2*p1 - k1) // s1

Batch normalisation normalises each channel (or feature) over the batch and,
for maps, over every position: ``M = N*H*W`` values per channel::

    mean = sum(x) / M,  var = sum((x - mean)**2) / M      (biased, as in training)
    x_hat = (x - mean) / sqrt(var + eps),  out = gamma * x_hat + beta

In inference the running mean and variance replace the batch ones.
"""
from __future__ import annotations

import numpy as np

from .im2col import pad_spatial
from .shapes import as_pair, conv_output_size

__all__ = [
    "avg_pooling_forward", "avg_pooling_backward", "avg_pooling_input_gradient",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_inference", "tanh_forward",
    "tanh_backward", "sigmoid_forward", "sigmoid_backward", "leaky_relu_forward",
    "leaky_relu_backward",
]


# ------------------------------------------------------------- average pooling
def _tap(zp, i, j, shape_out, strides):
    """Tap ``(i, j)`` of every window: an ``(N, C, Ho, Wo)`` strided view of ``zp``."""
    (ho, wo), (s1, s2) = shape_out, strides
    return zp[:, :, i:i + s1 * (ho - 1) + 1:s1, j:j + s2 * (wo - 1) + 1:s2]


def avg_pooling_forward(z, pooling, strides=(2, 2), padding=(0, 0)):
    """Average pooling.

    :param z: ``(N, C, H, W)``
    :param pooling: window ``(k1, k2)``
    :param strides: ``(s1, s2)``
    :param padding: zero padding ``(p1, p2)``, counted in every window's mean
    :return: ``(N, C, Ho, Wo)``, ``Ho = 1 + (H + 2*p1 - k1) // s1`` (same for W)
    """
    (k1, k2), strides = as_pair(pooling), as_pair(strides)
    if z.dtype.kind != "f":
        z = z.astype(np.float32)
    zp = pad_spatial(z, as_pair(padding))
    size = (conv_output_size(zp.shape[2], k1, 0, strides[0]),
            conv_output_size(zp.shape[3], k2, 0, strides[1]))
    out = np.array(_tap(zp, 0, 0, size, strides), order="K")               # (N, C, Ho, Wo)
    for t in range(1, k1 * k2):      # one vectorised add per tap of the window
        out += _tap(zp, t // k2, t % k2, size, strides)
    out *= out.dtype.type(1.0 / (k1 * k2))
    return out


def avg_pooling_backward(next_dz, z, pooling, strides=(2, 2), padding=(0, 0)):
    """Backward pass of :func:`avg_pooling_forward`: every tap of a window
    gets ``1/(k1*k2)`` of its gradient; overlapping windows accumulate.

    :param next_dz: ``(N, C, Ho, Wo)``
    :param z: the forward input ``(N, C, H, W)`` (only its shape is used)
    :return: ``dz: (N, C, H, W)``
    """
    return avg_pooling_input_gradient(next_dz, z.shape, pooling, strides, padding)


def avg_pooling_input_gradient(next_dz, z_shape, pooling, strides=(2, 2), padding=(0, 0)):
    """:func:`avg_pooling_backward` from the input's shape ``(N, C, H, W)`` alone."""
    (k1, k2), strides, (p1, p2) = as_pair(pooling), as_pair(strides), as_pair(padding)
    n, c, h, w = z_shape
    dt = np.result_type(np.float32, next_dz.dtype)
    share = next_dz.astype(dt, copy=False) * dt.type(1.0 / (k1 * k2))
    dzp = np.zeros((n, c, h + 2 * p1, w + 2 * p2), dtype=dt)
    size = next_dz.shape[2:]
    for t in range(k1 * k2):
        _tap(dzp, t // k2, t % k2, size, strides)[...] += share
    return dzp[:, :, p1:p1 + h, p2:p2 + w]


# --------------------------------------------------------- batch normalisation
def _stat_axes(x) -> tuple[int, ...]:
    """Axes a channel's statistics run over: ``(0, 2, 3)`` for maps, ``(0,)`` for features."""
    return (0,) if x.ndim == 2 else (0, 2, 3)


def _per_channel(v, ndim: int):
    """A ``(C,)`` vector shaped to broadcast against ``(N, C)`` or ``(N, C, H, W)``."""
    return v.reshape((1, -1) if ndim == 2 else (1, -1, 1, 1))


def batchnorm_forward(z, gamma, beta, eps=1e-5):
    """Training-mode batch normalisation with the batch's own statistics.

    :param z: ``(N, C, H, W)`` or ``(N, C)``
    :param gamma: scale ``(C,)``; :param beta: shift ``(C,)``
    :param eps: added to the variance
    :return: ``(out, cache)``; ``out`` shaped like ``z``; ``cache = (x_hat,
        inv_std, mean, var)`` with ``x_hat`` like ``z`` and the others ``(C,)``
        (``var`` biased, over ``M = N*H*W`` values)
    """
    dt = np.result_type(np.float32, z.dtype, gamma.dtype)
    z = z.astype(dt, copy=False)
    axes = _stat_axes(z)
    mean = z.mean(axis=axes)                                                # (C,)
    centred = z - _per_channel(mean, z.ndim)
    var = np.mean(centred * centred, axis=axes)                             # (C,)
    inv_std = 1.0 / np.sqrt(var + dt.type(eps))
    x_hat = centred * _per_channel(inv_std, z.ndim)
    out = x_hat * _per_channel(gamma.astype(dt, copy=False), z.ndim)
    out += _per_channel(beta.astype(dt, copy=False), z.ndim)
    return out, (x_hat, inv_std, mean, var)


def batchnorm_backward(next_dz, cache, gamma):
    """Backward pass of :func:`batchnorm_forward` (the statistics depend on
    every sample, so each input's gradient involves the whole batch)::

        dx = gamma * inv_std / M * (M * g - sum(g) - x_hat * sum(g * x_hat))

    :param next_dz: gradient w.r.t. the output, shaped like the input
    :param cache: the ``cache`` of :func:`batchnorm_forward`
    :param gamma: scale ``(C,)``
    :return: ``(dgamma / N, dbeta / N, dz)``
    """
    x_hat, inv_std = cache[0], cache[1]
    g = next_dz.astype(x_hat.dtype, copy=False)
    axes = _stat_axes(g)
    n, m = g.shape[0], g.size // g.shape[1]
    dbeta = g.sum(axis=axes)                                                # (C,)
    dgamma = np.sum(g * x_hat, axis=axes)                                   # (C,)
    scale = _per_channel(gamma.astype(g.dtype, copy=False) * inv_std / m, g.ndim)
    dz = (m * g - _per_channel(dbeta, g.ndim) - x_hat * _per_channel(dgamma, g.ndim)) * scale
    return dgamma / n, dbeta / n, dz


def batchnorm_inference(z, gamma, beta, running_mean, running_var, eps=1e-5):
    """Inference-mode batch normalisation with the running statistics.

    :return: ``(out, scale)``: ``out = z * scale + shift`` shaped like ``z``,
        with ``scale = gamma / sqrt(running_var + eps)`` ``(C,)``, which is
        also the input gradient's factor (``dz = next_dz * scale``)
    """
    dt = np.result_type(np.float32, z.dtype, gamma.dtype)
    scale = (gamma / np.sqrt(running_var + eps)).astype(dt)                 # (C,)
    shift = (beta - running_mean * scale).astype(dt)
    out = z.astype(dt, copy=False) * _per_channel(scale, z.ndim)
    out += _per_channel(shift, z.ndim)
    return out, scale


# ----------------------------------------------------------------- activations
def tanh_forward(X):
    """``tanh(X)``, same shape and dtype."""
    return np.tanh(X)


def tanh_backward(next_dX, out):
    """From the forward *output*: ``next_dX * (1 - out**2)``."""
    return next_dX * (1 - out * out)


def sigmoid_forward(X):
    """``1 / (1 + exp(-X))`` without overflow warnings: ``(1 + tanh(X/2)) / 2``."""
    half = X.dtype.type(0.5) if X.dtype.kind == "f" else 0.5
    return half * (np.tanh(X * half) + 1)


def sigmoid_backward(next_dX, out):
    """From the forward *output*: ``next_dX * out * (1 - out)``."""
    return next_dX * (out * (1 - out))


def leaky_relu_forward(X, negative_slope=0.01):
    """``X`` where ``X > 0``, else ``negative_slope * X`` (``0 <= negative_slope
    <= 1``, so it is ``max(X, negative_slope * X)``: element-wise, layout kept)."""
    if not 0.0 <= negative_slope <= 1.0:
        raise ValueError(f"negative_slope must be in [0, 1], got {negative_slope}")
    return np.maximum(X, X * X.dtype.type(negative_slope))


def leaky_relu_backward(next_dX, X, negative_slope=0.01):
    """``next_dX`` where the pre-activation ``X > 0``, else ``negative_slope * next_dX``."""
    slope = next_dX.dtype.type(negative_slope)
    return next_dX * (slope + (1 - slope) * (X > 0))

"""Naive, loop-based reference ("oracle") for the seed's CNN layer functions.

Written for clarity, not speed: every sum is an explicit Python loop over
the batch, the channels, the output pixels and the kernel taps, directly
from the definition of each operation. It deliberately does NOT import
``engine`` so that it is an independent check of ``engine.nn.functional``.

All math is done in float64 (inputs of any dtype are converted first) and
every function returns float64 arrays, whatever the input dtype.

Conventions (the seed's, with its bugs fixed):

* images are NCHW ``z: (N, C, H, W)``; a conv kernel is ``K: (C, D, k1, k2)``,
  bias ``b: (D,)``; a dense weight is ``W: (in, out)``;
* convolution is a cross-correlation (the kernel is not flipped):
  ``out[n, d, oh, ow] = b[d] + sum_{c, i, j} zp[n, c, oh*s1 + i, ow*s2 + j] * K[c, d, i, j]``
  where ``zp`` is ``z`` zero-padded by ``p1`` rows / ``p2`` columns on each side;
* output size uses the floor convention: ``Ho = 1 + (H + 2*p1 - k1) // s1``;
  padded rows/columns beyond the last full window are never read;
* backward functions return parameter gradients of the MEAN loss over the
  batch (``dK / N``, ``db / N``, ``dW / N``) and input gradients of the SUMMED
  loss (``dz``, ``delta``);
* max pooling: the zero padding takes part in the max; the gradient of a
  window goes to its FIRST maximum in row-major order inside the window, and
  overlapping windows accumulate;
* cross-entropy uses a numerically safe log-softmax
  (``log p = x - max(x) - log(sum(exp(x - max(x))))``), finite for all finite
  logits; ``dy = softmax - y_true`` per sample (not divided by N).
"""
from __future__ import annotations

import math

import numpy as np


# ---------------------------------------------------------------- utilities
def _f64(a) -> np.ndarray:
    return np.array(a, dtype=np.float64)  # always a private float64 copy


def _pad_zeros(z: np.ndarray, p1: int, p2: int) -> np.ndarray:
    """Zero-pad the two spatial axes of ``z: (N, C, H, W)``."""
    n_batch, channels, height, width = z.shape
    zp = np.zeros((n_batch, channels, height + 2 * p1, width + 2 * p2), dtype=np.float64)
    for n in range(n_batch):
        for c in range(channels):
            for h in range(height):
                for w in range(width):
                    zp[n, c, h + p1, w + p2] = z[n, c, h, w]
    return zp


def _crop(zp: np.ndarray, p1: int, p2: int, height: int, width: int) -> np.ndarray:
    """Inverse of :func:`_pad_zeros`: drop the padded border."""
    n_batch, channels = zp.shape[:2]
    z = np.zeros((n_batch, channels, height, width), dtype=np.float64)
    for n in range(n_batch):
        for c in range(channels):
            for h in range(height):
                for w in range(width):
                    z[n, c, h, w] = zp[n, c, h + p1, w + p2]
    return z


def output_size(size: int, kernel: int, pad: int, stride: int) -> int:
    """Floor convention: ``1 + (size + 2*pad - kernel) // stride``."""
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(f"kernel {kernel} does not fit size {size} with padding {pad}")
    return 1 + span // stride


# -------------------------------------------------------------- convolution
def conv_forward(z, K, b, padding=(0, 0), strides=(1, 1)):
    """``(N, C, H, W) x (C, D, k1, k2) + (D,)`` -> ``(N, D, Ho, Wo)``."""
    z, K, b = _f64(z), _f64(K), _f64(b)
    (p1, p2), (s1, s2) = padding, strides
    n_batch, channels, height, width = z.shape
    k_channels, d_out, k1, k2 = K.shape
    assert k_channels == channels
    ho, wo = output_size(height, k1, p1, s1), output_size(width, k2, p2, s2)
    zp = _pad_zeros(z, p1, p2)
    out = np.zeros((n_batch, d_out, ho, wo), dtype=np.float64)
    for n in range(n_batch):
        for d in range(d_out):
            for oh in range(ho):
                for ow in range(wo):
                    acc = b[d]
                    for c in range(channels):
                        for i in range(k1):
                            for j in range(k2):
                                acc += zp[n, c, oh * s1 + i, ow * s2 + j] * K[c, d, i, j]
                    out[n, d, oh, ow] = acc
    return out


def conv_backward(next_dz, K, z, padding=(0, 0), strides=(1, 1)):
    """Gradients of :func:`conv_forward`, straight from its definition.

    :return: ``(dK / N, db / N, dz)`` with ``dK: (C, D, k1, k2)`` (the full
        kernel, also for padding > 0), ``db: (D,)``, ``dz: (N, C, H, W)``.
    """
    next_dz, K, z = _f64(next_dz), _f64(K), _f64(z)
    (p1, p2), (s1, s2) = padding, strides
    n_batch, channels, height, width = z.shape
    _, d_out, k1, k2 = K.shape
    ho, wo = output_size(height, k1, p1, s1), output_size(width, k2, p2, s2)
    assert next_dz.shape == (n_batch, d_out, ho, wo)
    zp = _pad_zeros(z, p1, p2)

    dK = np.zeros(K.shape, dtype=np.float64)
    db = np.zeros(d_out, dtype=np.float64)
    dzp = np.zeros(zp.shape, dtype=np.float64)
    for n in range(n_batch):
        for d in range(d_out):
            for oh in range(ho):
                for ow in range(wo):
                    g = next_dz[n, d, oh, ow]
                    db[d] += g
                    for c in range(channels):
                        for i in range(k1):
                            for j in range(k2):
                                h, w = oh * s1 + i, ow * s2 + j
                                # d out / d K[c,d,i,j] is the (padded) input tap
                                dK[c, d, i, j] += g * zp[n, c, h, w]
                                # d out / d zp[n,c,h,w] is the kernel tap
                                dzp[n, c, h, w] += g * K[c, d, i, j]
    dz = _crop(dzp, p1, p2, height, width)
    return dK / n_batch, db / n_batch, dz


# ------------------------------------------------------------------ pooling
def _first_argmax(zp, n, c, top, left, k1, k2):
    """Row-major first position of the maximum of one window (strict ``>``)."""
    best_value, best_h, best_w = None, None, None
    for i in range(k1):
        for j in range(k2):
            value = zp[n, c, top + i, left + j]
            if best_value is None or value > best_value:
                best_value, best_h, best_w = value, top + i, left + j
    return best_value, best_h, best_w


def max_pooling_forward(z, pooling, strides=(2, 2), padding=(0, 0)):
    """Max pooling of ``(N, C, H, W)``; zero padding takes part in the max."""
    z = _f64(z)
    (k1, k2), (s1, s2), (p1, p2) = pooling, strides, padding
    n_batch, channels, height, width = z.shape
    ho, wo = output_size(height, k1, p1, s1), output_size(width, k2, p2, s2)
    zp = _pad_zeros(z, p1, p2)
    out = np.zeros((n_batch, channels, ho, wo), dtype=np.float64)
    for n in range(n_batch):
        for c in range(channels):
            for oh in range(ho):
                for ow in range(wo):
                    value, _, _ = _first_argmax(zp, n, c, oh * s1, ow * s2, k1, k2)
                    out[n, c, oh, ow] = value
    return out


def max_pooling_backward(next_dz, z, pooling, strides=(2, 2), padding=(0, 0)):
    """Each window's gradient goes to its first max; overlapping windows add up."""
    next_dz, z = _f64(next_dz), _f64(z)
    (k1, k2), (s1, s2), (p1, p2) = pooling, strides, padding
    n_batch, channels, height, width = z.shape
    ho, wo = output_size(height, k1, p1, s1), output_size(width, k2, p2, s2)
    assert next_dz.shape == (n_batch, channels, ho, wo)
    zp = _pad_zeros(z, p1, p2)
    dzp = np.zeros(zp.shape, dtype=np.float64)
    for n in range(n_batch):
        for c in range(channels):
            for oh in range(ho):
                for ow in range(wo):
                    _, h, w = _first_argmax(zp, n, c, oh * s1, ow * s2, k1, k2)
                    dzp[n, c, h, w] += next_dz[n, c, oh, ow]
    # gradient routed to a padding zero is dropped with the padding
    return _crop(dzp, p1, p2, height, width)


# ------------------------------------------------------------------ flatten
def flatten_forward(X):
    """``(N, d1, d2, ...)`` -> ``(N, d1*d2*...)``, row-major (C order)."""
    X = _f64(X)
    n_batch = X.shape[0]
    features = int(np.prod(X.shape[1:], dtype=np.int64))
    out = np.zeros((n_batch, features), dtype=np.float64)
    for n in range(n_batch):
        k = 0
        for idx in np.ndindex(*X.shape[1:]):
            out[n, k] = X[(n,) + idx]
            k += 1
    return out


def flatten_backward(next_dX, X):
    """``(N, d1*d2*...)`` -> shape of ``X``, inverse of :func:`flatten_forward`."""
    next_dX = _f64(next_dX)
    shape = np.shape(X)
    dX = np.zeros(shape, dtype=np.float64)
    for n in range(shape[0]):
        k = 0
        for idx in np.ndindex(*shape[1:]):
            dX[(n,) + idx] = next_dX[n, k]
            k += 1
    return dX


# ---------------------------------------------------------- fully connected
def fullyconnected_forward(X, W, b):
    """``out[n, o] = b[o] + sum_i X[n, i] * W[i, o]``."""
    X, W, b = _f64(X), _f64(W), _f64(b)
    n_batch, n_in = X.shape
    _, n_out = W.shape
    out = np.zeros((n_batch, n_out), dtype=np.float64)
    for n in range(n_batch):
        for o in range(n_out):
            acc = b[o]
            for i in range(n_in):
                acc += X[n, i] * W[i, o]
            out[n, o] = acc
    return out


def fullyconnected_backward(next_dX, W, X):
    """:return: ``(dW / N, db / N, delta)``."""
    next_dX, W, X = _f64(next_dX), _f64(W), _f64(X)
    n_batch, n_in = X.shape
    _, n_out = W.shape
    dW = np.zeros((n_in, n_out), dtype=np.float64)
    db = np.zeros(n_out, dtype=np.float64)
    delta = np.zeros((n_batch, n_in), dtype=np.float64)
    for n in range(n_batch):
        for o in range(n_out):
            g = next_dX[n, o]
            db[o] += g
            for i in range(n_in):
                dW[i, o] += X[n, i] * g
                delta[n, i] += g * W[i, o]
    return dW / n_batch, db / n_batch, delta


# --------------------------------------------------------------------- relu
def relu_forward(X):
    X = _f64(X)
    out = np.zeros(X.shape, dtype=np.float64)
    for idx in np.ndindex(*X.shape):
        out[idx] = X[idx] if X[idx] > 0 else 0.0
    return out


def relu_backward(next_dX, X):
    """Gradient passes where ``X > 0`` (strictly), else 0."""
    next_dX, X = _f64(next_dX), _f64(X)
    dX = np.zeros(X.shape, dtype=np.float64)
    for idx in np.ndindex(*X.shape):
        dX[idx] = next_dX[idx] if X[idx] > 0 else 0.0
    return dX


# --------------------------------------------------------------------- loss
def log_softmax_row(row) -> list[float]:
    """Safe ``log(softmax(row))`` of one row of logits."""
    values = [float(v) for v in row]
    top = max(values)
    log_norm = top + math.log(math.fsum(math.exp(v - top) for v in values))
    return [v - log_norm for v in values]


def cross_entropy_loss(y_predict, y_true):
    """:return: ``(loss, dy)``: mean over the batch of ``-sum(y_true * log_softmax)``
    and ``dy = softmax(y_predict) - y_true`` of shape ``(N, d)``."""
    y_predict, y_true = _f64(y_predict), _f64(y_true)
    n_batch, n_classes = y_predict.shape
    losses = []
    dy = np.zeros((n_batch, n_classes), dtype=np.float64)
    for n in range(n_batch):
        logp = log_softmax_row(y_predict[n])
        losses.append(-math.fsum(y_true[n, k] * logp[k] for k in range(n_classes)))
        for k in range(n_classes):
            dy[n, k] = math.exp(logp[k]) - y_true[n, k]
    return math.fsum(losses) / n_batch, dy


# ------------------------------------------------- im2col (documented layout)
def im2col_matrix(z, k1, k2, padding=(0, 0), strides=(1, 1)):
    """The documented im2col matrix of ``engine.nn.im2col``: shape
    ``(C*k1*k2, Ho*Wo*N)`` (batch innermost) with
    ``cols[(c*k1 + i)*k2 + j, (oh*Wo + ow)*N + n] = zp[n, c, oh*s1 + i, ow*s2 + j]``."""
    z = _f64(z)
    (p1, p2), (s1, s2) = padding, strides
    n_batch, channels, height, width = z.shape
    ho, wo = output_size(height, k1, p1, s1), output_size(width, k2, p2, s2)
    zp = _pad_zeros(z, p1, p2)
    cols = np.zeros((channels * k1 * k2, ho * wo * n_batch), dtype=np.float64)
    for c in range(channels):
        for i in range(k1):
            for j in range(k2):
                for n in range(n_batch):
                    for oh in range(ho):
                        for ow in range(wo):
                            cols[(c * k1 + i) * k2 + j, (oh * wo + ow) * n_batch + n] = \
                                zp[n, c, oh * s1 + i, ow * s2 + j]
    return cols

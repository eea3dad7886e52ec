"""The engine's fast paths give exactly (or, for re-ordered sums, up to float
rounding) what the plain layer-by-layer computation gives:

* a ReLU right before a max pool with non-overlapping windows runs fused
  into the pool (``Model.forward`` without ``keep_activations``): same
  logits and the same parameter gradients, bit for bit, including windows
  whose values tie, are all negative or hold exact zeros, and with padding;
* overlapping pools are not fused, and still agree;
* the convolution products cut into cache-sized column blocks
  (:mod:`engine.nn.gemm`) equal the whole products;
* ``relu_forward`` keeps the value, dtype and memory layout of ``np.maximum(x, 0)``.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import functional as F
from engine.nn import gemm
from engine.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from engine.nn.model import Model


def _net(pool: MaxPool2D, rng, dtype=np.float32) -> Model:
    layers = [Conv2D(1, 4, 3, padding=1, rng=rng, dtype=dtype), ReLU(), pool, Flatten()]
    c, h, w = 4, 8, 8
    shape = pool.output_shape((c, h, w))
    layers.append(Dense(int(np.prod(shape)), 5, rng=rng, dtype=dtype))
    return Model(layers, input_shape=(1, 8, 8))


def _tricky_input(rng, n=6, dtype=np.float32) -> np.ndarray:
    """Images with exact zeros, repeated values (ties) and all-negative patches."""
    x = rng.standard_normal((n, 1, 8, 8)).astype(dtype)
    x[0] = 0.0                                   # every pre-activation equals the bias (0)
    x[1, :, :4] = 0.5                            # flat regions: ties inside windows
    x[2] = np.round(x[2])                        # few distinct values: many ties
    return x


def _layer_by_layer(model: Model, x, labels):
    """Loss and parameter gradients without any fusion (keep_activations=True
    runs every layer on its own; the backward pass is then run layer by layer)."""
    model.train()
    logits, _ = model.forward(x, keep_activations=True)
    onehot = np.zeros_like(logits)
    onehot[np.arange(len(labels)), labels] = 1
    loss, g = F.cross_entropy_loss(logits, onehot)
    for layer in reversed(model.layers):
        g = layer.backward(g)
    return logits, {k: v.copy() for k, v in model.named_grads().items()}


@pytest.mark.parametrize("pool_args", [dict(pool_size=2), dict(pool_size=2, padding=1),
                                       dict(pool_size=(2, 4)), dict(pool_size=3, padding=1)])
def test_relu_fused_into_a_tiled_pool_changes_no_bit(pool_args):
    rng = np.random.default_rng(3)
    model = _net(MaxPool2D(**pool_args), rng)
    with model.evaluating():
        fused_eval = model.forward(_tricky_input(np.random.default_rng(1)))
    x, labels = _tricky_input(np.random.default_rng(1)), np.arange(6) % 5
    ref_logits, ref_grads = _layer_by_layer(model, x, labels)
    model.train()
    logits = model.forward(x)
    assert model.layers[2].took_relu
    np.testing.assert_array_equal(logits, ref_logits)
    np.testing.assert_array_equal(fused_eval, ref_logits)
    model.loss_and_grads(x, labels)
    for name, g in model.named_grads().items():
        np.testing.assert_array_equal(g, ref_grads[name], err_msg=name)
    assert any(np.any(g != 0) for g in ref_grads.values())


def test_keep_activations_runs_every_layer_and_backward_follows_the_last_forward():
    rng = np.random.default_rng(4)
    model = _net(MaxPool2D(2), rng).train()
    x, labels = _tricky_input(rng), np.arange(6) % 5
    model.forward(x)
    assert model.layers[2].took_relu
    _, acts = model.forward(x, keep_activations=True)
    assert not model.layers[2].took_relu
    assert acts["relu1"].shape == (6, 4, 8, 8) and acts["relu1"].min() >= 0
    ref_logits, ref_grads = _layer_by_layer(model, x, labels)
    model.forward(x, keep_activations=True)
    onehot = np.zeros_like(ref_logits)
    onehot[np.arange(6), labels] = 1
    model.backward(F.cross_entropy_loss(ref_logits, onehot)[1])   # unfused forward: unfused backward
    for name, g in model.named_grads().items():
        np.testing.assert_array_equal(g, ref_grads[name], err_msg=name)


def test_an_overlapping_pool_is_not_fused_and_still_agrees():
    rng = np.random.default_rng(5)
    model = _net(MaxPool2D(3, stride=2), rng)
    x, labels = _tricky_input(rng), np.arange(6) % 5
    ref_logits, ref_grads = _layer_by_layer(model, x, labels)
    model.loss_and_grads(x, labels)
    assert not model.layers[2].took_relu
    for name, g in model.named_grads().items():
        np.testing.assert_array_equal(g, ref_grads[name], err_msg=name)


@pytest.mark.parametrize("rows, cols", [(25, 16), (9, 8), (25, 32)])
def test_blocked_products_equal_whole_products(rows, cols):
    rng = np.random.default_rng(6)
    p = 784 * 20 + 77                                   # blocks plus a remainder
    assert gemm.block_width(rows + cols, p, 4) is not None
    a = rng.standard_normal((cols, rows)).astype(np.float32)
    b = rng.standard_normal((rows, p)).astype(np.float32)
    bias = rng.standard_normal(cols).astype(np.float32)
    np.testing.assert_allclose(gemm.wide_product(a, b, bias), a @ b + bias[:, None],
                               rtol=1e-5, atol=1e-4)
    d = rng.standard_normal((cols, p)).astype(np.float32)
    np.testing.assert_allclose(gemm.wide_product_t(b, d), b @ d.T, rtol=1e-4, atol=1e-3)


def test_products_with_many_rows_run_whole():
    assert gemm.block_width(400 + 32, 3200, 4) is None     # a 16-channel 5x5 layer
    assert gemm.block_width(41, 1000, 4) is None           # narrower than one block


def test_relu_forward_keeps_value_dtype_and_layout():
    rng = np.random.default_rng(7)
    chwn = rng.standard_normal((3, 5, 5, 4)).astype(np.float32).transpose(3, 0, 1, 2)
    out = F.relu_forward(chwn)
    np.testing.assert_array_equal(out, np.maximum(chwn, 0))
    assert out.dtype == np.float32 and out.strides == chwn.strides
    assert F.relu_forward(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]


@pytest.mark.parametrize("n, padding, k", [(1, (0, 0), 5), (1, (2, 2), 5), (3, (1, 0), 3),
                                           (2, (0, 1), (3, 2))])
def test_full_width_input_gradient_equals_col2im(n, padding, k):
    from engine.nn.im2col import col2im, col2im_full_width
    from engine.nn.shapes import as_pair
    rng = np.random.default_rng(8)
    k1, k2 = as_pair(k)
    c, d, h, w = 3, 4, 9, 8
    ho, wo = h + 2 * padding[0] - k1 + 1, w + 2 * padding[1] - k2 + 1
    kernel_t = rng.standard_normal((c * k1 * k2, d))
    dout = rng.standard_normal((d, ho * wo * n))
    want = col2im(kernel_t @ dout, (n, c, h, w), k1, k2, padding, (1, 1))
    got = col2im_full_width(dout, kernel_t, (n, c, h, w), k1, k2, padding)
    assert got.shape == (n, c, h, w)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_one_image_input_gradient_takes_the_full_width_path_and_agrees():
    rng = np.random.default_rng(9)
    z = rng.standard_normal((1, 2, 7, 7))
    K = rng.standard_normal((2, 3, 3, 3))
    dz_one = F.conv_backward(rng.standard_normal((1, 3, 7, 7)), K, z, padding=1)[2]
    assert 7 * 1 < F.SHORT_RUN
    # the same gradient computed in a batch wide enough for the other path
    big = np.concatenate([z] * 40)
    g = rng.standard_normal((1, 3, 7, 7))
    dz_batch = F.conv_backward(np.concatenate([g] * 40), K, big, padding=1)[2]
    assert 7 * 40 >= F.SHORT_RUN
    dz_single = F.conv_backward(g, K, z, padding=1)[2]
    np.testing.assert_allclose(dz_single[0], dz_batch[17], rtol=1e-12, atol=1e-12)
    assert dz_one.shape == z.shape


def test_dense_input_gradient_follows_the_memory_order_of_its_input():
    rng = np.random.default_rng(10)
    W = rng.standard_normal((12, 5)).astype(np.float32)
    dout = rng.standard_normal((4, 5)).astype(np.float32)
    x_c = rng.standard_normal((4, 12)).astype(np.float32)
    x_f = np.asfortranarray(x_c)          # a flattened batch-innermost map is column-major
    layer = Dense(12, 5, rng=rng)
    layer.load_params({"W": W, "b": np.zeros(5, np.float32)})
    for x in (x_c, x_f):
        _, memo = layer.pure_forward(x)
        g = layer.pure_backward(dout, memo)
        np.testing.assert_allclose(g, dout @ W.T, rtol=1e-5, atol=1e-6)
        assert g.flags.f_contiguous == (x is x_f) and g.flags.c_contiguous == (x is x_c)
        _, _, delta = F.fullyconnected_backward(dout, W, x)
        np.testing.assert_allclose(delta, dout @ W.T, rtol=1e-5, atol=1e-6)
        assert delta.flags.f_contiguous == (x is x_f)

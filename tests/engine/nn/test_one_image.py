"""The one-image path (:mod:`engine.nn.one_image`) gives what the batched path
and the loop oracle give:

* a convolution's output and input gradient for one image equal the batched
  functions' (rtol 1e-5) and the oracle's, with and without padding, square
  and oblong kernels, float32 and float64;
* a tiled max pool's output equals the batched one bit for bit, and its
  gradient goes to the same (first) maximum, with ties and all-zero windows;
* through a whole model, one image's activations and input gradient equal
  those of the same image inside a batch, and the arrays handed out are
  new: a later call does not change them;
* work arrays are per thread: two threads running the same layer at once
  get each their own right answer.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.explain.input_gradients import ForwardTrace, input_gradient
from engine.nn import functional as F
from engine.nn import one_image, presets
from engine.nn.layers import Conv2D, MaxPool2D
from tests.support import oracle

CONV_CASES = [(1, 16, 5, 28, 28, (2, 2)), (16, 32, 5, 14, 14, (0, 0)),
              (3, 4, (3, 2), 9, 8, (1, 0)), (2, 3, 1, 5, 6, (0, 0))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c, d, k, h, w, padding", CONV_CASES)
def test_one_image_convolution_equals_the_batched_one(c, d, k, h, w, padding, dtype):
    rng = np.random.default_rng(1)
    k1, k2 = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((1, c, h, w)).astype(dtype)
    K = rng.standard_normal((c, d, k1, k2)).astype(dtype)
    b = rng.standard_normal(d).astype(dtype)
    plan = one_image.conv_plan(x.shape, K.shape, padding, (1, 1))
    out = one_image.conv_forward_one(x, K, b, plan)
    ref = F.conv_forward(x, K, b, padding, (1, 1))
    assert out.dtype == dtype and out.shape == ref.shape and out.flags.c_contiguous
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(ref.shape).astype(dtype)
    dx = one_image.conv_input_gradient_one(g, K, plan)
    assert dx.dtype == dtype and dx.shape == x.shape
    np.testing.assert_allclose(dx, F.conv_backward(g, K, x, padding, (1, 1))[2],
                               rtol=1e-5, atol=1e-5)
    dx2 = one_image.conv_input_gradient_one(g, K, plan)        # the work arrays reused
    np.testing.assert_array_equal(dx2, dx)


def test_one_image_convolution_matches_the_oracle():
    rng = np.random.default_rng(2)
    x, K, b = rng.random((1, 2, 7, 6)), rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(3)
    plan = one_image.conv_plan(x.shape, K.shape, (1, 1), (1, 1))
    np.testing.assert_allclose(one_image.conv_forward_one(x, K, b, plan),
                               oracle.conv_forward(x, K, b, (1, 1), (1, 1)), rtol=1e-10)
    g = rng.standard_normal((1, 3, 7, 6))
    np.testing.assert_allclose(one_image.conv_input_gradient_one(g, K, plan),
                               oracle.conv_backward(g, K, x, (1, 1), (1, 1))[2], rtol=1e-10)


def test_the_one_image_path_is_not_taken_where_it_does_not_apply():
    assert one_image.conv_plan((2, 1, 8, 8), (1, 4, 3, 3), (0, 0), (1, 1)) is None   # a batch
    assert one_image.conv_plan((1, 1, 8, 8), (1, 4, 3, 3), (0, 0), (2, 2)) is None   # stride
    assert one_image.pool_plan((1, 2, 8, 8), (3, 3), (2, 2), (0, 0)) is None         # overlap
    assert one_image.pool_plan((1, 2, 8, 8), (2, 2), (2, 2), (1, 1)) is None         # padding


def _tricky(rng, c, h, w):
    x = np.maximum(rng.standard_normal((1, c, h, w)), 0).astype(np.float32)   # ReLU'd: zeros
    x[0, 0, :4] = 0.5                                   # flat regions: ties in windows
    x[0, -1] = np.round(x[0, -1])                       # few distinct values
    return x


@pytest.mark.parametrize("c, h, w, k", [(16, 28, 28, (2, 2)), (3, 9, 7, (2, 2)),
                                        (2, 9, 9, (3, 3)), (2, 8, 8, (2, 4)), (1, 5, 5, (1, 1))])
def test_one_image_pool_equals_the_batched_one_bit_for_bit(c, h, w, k):
    rng = np.random.default_rng(3)
    x = _tricky(rng, c, h, w)
    plan = one_image.pool_plan(x.shape, k, k, (0, 0))
    ref = F.max_pooling_forward(x, k, k)
    np.testing.assert_array_equal(one_image.pool_forward_one(x, plan), ref)
    out, memo = one_image.pool_forward_one_tracked(x, plan)
    np.testing.assert_array_equal(out, ref)
    g = rng.standard_normal(ref.shape).astype(np.float32)
    np.testing.assert_array_equal(one_image.pool_backward_one(g, memo),
                                  F.max_pooling_backward(g, x, k, k))


@pytest.mark.parametrize("preset", ["bench", "playground", "tiny"])
def test_one_image_through_a_model_equals_the_same_image_in_a_batch(preset):
    rng = np.random.default_rng(4)
    model = presets.build(preset, rng).eval()
    batch = rng.random((3, 1, 28, 28), dtype=np.float32)
    logits_b, acts_b = model.forward(batch, keep_activations=True)
    logits_1, acts_1 = model.forward(batch[1:2], keep_activations=True)

    def close(a, b, what):   # float32 rounding: sums of ~1,600 terms that cancel near 0
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max(), err_msg=what)
    close(logits_1, logits_b[1:2], "logits")
    for name, a in acts_1.items():
        close(a, acts_b[name][1:2], name)
    close(model.forward(batch[1:2]), logits_b[1:2], "fused forward")
    grad_b = input_gradient(model, batch, target=3).grad
    grad_1 = input_gradient(model, batch[1], target=3).grad
    assert grad_1.shape == (1, 1, 28, 28) and np.abs(grad_1).max() > 0
    close(grad_1, grad_b[1:2], "input gradient")


def test_activations_handed_out_are_not_overwritten_by_later_calls():
    rng = np.random.default_rng(5)
    model = presets.build("bench", rng).eval()
    x1, x2 = rng.random((2, 1, 1, 28, 28), dtype=np.float32)
    _, acts = model.forward(x1, keep_activations=True)
    kept = {k: v.copy() for k, v in acts.items()}
    trace = ForwardTrace(model, x1)
    g1 = trace.backward(len(model.layers) - 1, np.eye(10, dtype=np.float32)[[3]])
    g1_kept = g1.copy()
    model.forward(x2, keep_activations=True)
    ForwardTrace(model, x2).backward(len(model.layers) - 1, np.eye(10, dtype=np.float32)[[5]])
    for name, a in acts.items():
        np.testing.assert_array_equal(a, kept[name], err_msg=name)
    np.testing.assert_array_equal(g1, g1_kept)


def test_two_threads_share_a_layer_without_sharing_work_arrays():
    rng = np.random.default_rng(6)
    conv, pool = Conv2D(8, 16, 5, rng=rng), MaxPool2D(2)
    inputs = [rng.standard_normal((1, 8, 14, 14)).astype(np.float32) for _ in range(2)]
    grads = [rng.standard_normal((1, 16, 10, 10)).astype(np.float32) for _ in range(2)]
    want = [(F.conv_forward(x, conv.params["K"], conv.params["b"]),
             F.conv_backward(g, conv.params["K"], x)[2]) for x, g in zip(inputs, grads)]
    wrong = []

    def work(k):
        for _ in range(200):
            out, memo = conv.pure_forward(inputs[k])
            dx = conv.pure_backward(grads[k], memo)
            pool.pure_backward(*pool.pure_forward(out))
            if not (np.allclose(out, want[k][0], rtol=1e-5, atol=1e-5)
                    and np.allclose(dx, want[k][1], rtol=1e-5, atol=1e-5)):
                wrong.append(k)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []

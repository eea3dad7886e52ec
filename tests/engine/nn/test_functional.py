"""engine.nn.functional against the loop-based oracle and finite differences.

Three independent checks, on many small random cases:

1. every function equals the naive oracle (tests/support/oracle.py), in float64
   (relative error <= 1e-10) and float32 (<= 1e-5, output dtype preserved);
2. every backward function equals central finite differences of the engine's
   own forward (float64, relative error <= 1e-7), with the conventions
   ``param grad = d(mean loss)``, ``input grad = d(sum loss)``; i.e. for the
   scalar objective ``L = sum(next_dz * forward(...))``: ``dz = dL/dz`` and
   ``N * dK = dL/dK``;
3. regression tests for each bug of the seed (shared/seed) that the engine fixes.

Convolution lives in ``test_functional_conv.py``, max pooling in
``test_functional_pooling.py``; this file has flatten, fully connected,
ReLU, the loss and the checks that span every function (dtypes, purity,
memory layouts, coverage).
"""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import functional as F
from tests.support import oracle as O
from tests.support.functional_checks import DTYPE_IDS, DTYPES, TOL, assert_grad, assert_matches
from tests.support.gradcheck import numerical_gradient, relative_error


# ================================================================== flatten
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7), (2, 1, 5, 3)], ids=str)
def test_flatten_matches_oracle(shape, dtype):
    rng = np.random.default_rng(300 + len(shape) + shape[-1])
    X = rng.standard_normal(shape).astype(dtype)
    out = F.flatten_forward(X)
    assert_matches(out, O.flatten_forward(X), dtype, "flatten_forward")
    g = rng.standard_normal(out.shape).astype(dtype)
    assert_matches(F.flatten_backward(g, X), O.flatten_backward(g, X), dtype, "flatten_backward")


def test_flatten_of_non_contiguous_conv_output():
    """conv_forward returns a transposed view; flatten must still be NCHW order."""
    rng = np.random.default_rng(310)
    z = rng.standard_normal((2, 2, 5, 5))
    out = F.conv_forward(z, rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(3))
    assert_matches(F.flatten_forward(out), O.flatten_forward(np.array(out)), np.float64)


# ========================================================== fully connected
FC_CASES = [(1, 1, 1, 401), (3, 5, 4, 402), (7, 13, 10, 403), (2, 1, 6, 404), (4, 9, 1, 405)]


def _fc_arrays(n, n_in, n_out, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    W = rng.standard_normal((n_in, n_out))
    b = rng.standard_normal(n_out)
    g = rng.standard_normal((n, n_out))
    return tuple(a.astype(dtype) for a in (X, W, b, g))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("n,n_in,n_out,seed", FC_CASES)
def test_fullyconnected_matches_oracle(n, n_in, n_out, seed, dtype):
    X, W, b, g = _fc_arrays(n, n_in, n_out, seed, dtype)
    assert_matches(F.fullyconnected_forward(X, W, b), O.fullyconnected_forward(X, W, b),
                   dtype, "fullyconnected_forward")
    dW, db, delta = F.fullyconnected_backward(g, W, X)
    eW, eb, edelta = O.fullyconnected_backward(g, W, X)
    assert_matches(dW, eW, dtype, "dW")
    assert_matches(db, eb, dtype, "db")
    assert_matches(delta, edelta, dtype, "delta")


@pytest.mark.parametrize("n,n_in,n_out,seed", FC_CASES)
def test_fullyconnected_backward_finite_differences(n, n_in, n_out, seed):
    X, W, b, g = _fc_arrays(n, n_in, n_out, seed)

    def L(X_, W_, b_):
        return float(np.sum(g * F.fullyconnected_forward(X_, W_, b_)))

    dW, db, delta = F.fullyconnected_backward(g, W, X)
    assert_grad(delta, numerical_gradient(lambda x: L(x, W, b), X), "delta")
    assert_grad(n * dW, numerical_gradient(lambda w: L(X, w, b), W), "N*dW")
    assert_grad(n * db, numerical_gradient(lambda v: L(X, W, v), b), "N*db")


# ===================================================================== relu
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (5, 7), (1, 1)], ids=str)
def test_relu_matches_oracle(shape, dtype):
    rng = np.random.default_rng(500 + shape[-1])
    X = rng.standard_normal(shape)
    X.flat[::3] = 0.0                     # exact zeros: the gradient there is 0 (X > 0 strictly)
    X = X.astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    assert_matches(F.relu_forward(X), O.relu_forward(X), dtype, "relu_forward")
    assert_matches(F.relu_backward(g, X), O.relu_backward(g, X), dtype, "relu_backward")


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (5, 7)], ids=str)
def test_relu_backward_finite_differences(shape):
    rng = np.random.default_rng(510 + shape[-1])
    X = rng.standard_normal(shape)
    X = np.where(X >= 0, X + 0.1, X - 0.1)  # away from the kink at 0
    g = rng.standard_normal(shape)
    num = numerical_gradient(lambda x: float(np.sum(g * F.relu_forward(x))), X)
    assert_grad(F.relu_backward(g, X), num, "relu dX")


# ===================================================================== loss
def _ce_arrays(n, d, scale, soft, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    logits = (scale * rng.standard_normal((n, d))).astype(dtype)
    if soft:   # probability rows (sum to 1)
        y = rng.random((n, d))
        y /= y.sum(axis=1, keepdims=True)
    else:      # one-hot
        y = np.eye(d)[rng.integers(0, d, n)]
    return logits, y


CE_CASES = [
    # n,  d, scale,  soft,  seed
    (1,   2,   1.0, False, 601),
    (4,  10,   1.0, False, 602),
    (5,   3,  10.0, False, 603),
    (3,   7, 100.0, False, 604),
    (6,   4, 1000.0, False, 605),
    (4,   5,   2.0, True,  606),
    (2,   6, 300.0, True,  607),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("n,d,scale,soft,seed", CE_CASES)
def test_cross_entropy_matches_oracle(n, d, scale, soft, seed, dtype):
    logits, y = _ce_arrays(n, d, scale, soft, seed, dtype)
    loss, dy = F.cross_entropy_loss(logits, y)
    e_loss, e_dy = O.cross_entropy_loss(logits, y)
    assert isinstance(loss, float) and np.isfinite(loss)
    assert relative_error(loss, e_loss) <= TOL[np.dtype(dtype)], (loss, e_loss)
    assert_matches(dy, e_dy, dtype, "dy")


@pytest.mark.parametrize("n,d,scale,soft,seed", CE_CASES)
def test_cross_entropy_dy_finite_differences(n, d, scale, soft, seed):
    """``loss`` is the batch MEAN and ``dy`` is per sample: ``dy = N * dloss/dlogits``.

    The step grows with the logit scale: the loss is ~scale in magnitude, so a
    fixed 1e-6 step would leave a float64 round-off of ~1e-16 * scale / 1e-6 in
    the difference quotient (for scale 1000 logits ~100s apart the loss is
    locally almost linear, so the larger step costs no truncation accuracy).
    """
    logits, y = _ce_arrays(n, d, scale, soft, seed)
    _, dy = F.cross_entropy_loss(logits, y)
    num = numerical_gradient(lambda x: F.cross_entropy_loss(x, y)[0], logits,
                             eps=1e-6 * max(1.0, scale))
    assert_grad(dy, n * num, "dy")


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("logits,label,loss,dy", [
    ([1000.0, -1000.0, 0.0], 1, 2000.0, [1.0, -1.0, 0.0]),
    ([1000.0, -1000.0, 0.0], 2, 1000.0, [1.0, 0.0, -1.0]),
    ([1000.0, -1000.0, 0.0], 0, 0.0, [0.0, 0.0, 0.0]),
    ([-1000.0, 1000.0], 0, 2000.0, [-1.0, 1.0]),
    ([-1000.0, 1000.0], 1, 0.0, [0.0, 0.0]),
    ([500.0, 500.0, -500.0], 2, 1000.0 + np.log(2.0), [0.5, 0.5, -1.0]),
], ids=["1000_-1000_0_true1", "1000_-1000_0_true2", "1000_-1000_0_true0",
        "-1000_1000_true0", "-1000_1000_true1", "500_500_-500_true2"])
def test_seed_bug_cross_entropy_finite_for_extreme_logits(logits, label, loss, dy, dtype):
    """Seed bug (b): cross_entropy_loss computed ``log(softmax)``.

    For logits ~1000 apart the seed's softmax underflows to exactly 0, so
    ``-log(p_true)`` is ``inf`` when the true class is the small logit, and
    ``0 * log(0)`` gives NaN for the other classes. The log-softmax form is
    exact here: for logits [1000, -1000, 0] with true class 1 the loss is
    ``1000 - (-1000) = 2000`` and ``dy = softmax - y = [1, -1, 0]``.
    """
    x = np.array([logits], dtype=dtype)
    y = np.eye(x.shape[1])[[label]]
    got_loss, got_dy = F.cross_entropy_loss(x, y)
    assert np.isfinite(got_loss) and np.all(np.isfinite(got_dy))
    assert got_dy.dtype == np.dtype(dtype)
    # float32 cannot even represent 1000 + log(2) to better than ~6e-8 relative
    tol = 1e-12 if np.dtype(dtype) == np.float64 else TOL[np.dtype(dtype)]
    assert abs(got_loss - loss) <= tol * max(1.0, loss), (got_loss, loss)
    np.testing.assert_allclose(got_dy, [dy], rtol=0, atol=tol)
    o_loss, o_dy = O.cross_entropy_loss(x, y)           # the oracle agrees
    assert abs(o_loss - loss) <= 1e-12 * max(1.0, loss)
    np.testing.assert_allclose(o_dy, [dy], rtol=0, atol=1e-12)


def test_seed_bug_cross_entropy_extreme_logits_batch():
    """Batch mean over the two extreme rows: (2000 + 0) / 2 = 1000."""
    x = np.array([[-1000.0, 1000.0], [1000.0, -1000.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    loss, dy = F.cross_entropy_loss(x, y)
    assert loss == pytest.approx(1000.0, rel=1e-12)
    np.testing.assert_allclose(dy, [[-1.0, 1.0], [0.0, 0.0]], rtol=0, atol=1e-12)


# ================================================ dtype and purity (all fns)
def _all_calls(dtype):
    """One representative call of every public seed function, inputs in ``dtype``."""
    rng = np.random.default_rng(900)
    a = lambda *shape: rng.standard_normal(shape).astype(dtype)
    z, K, b = a(2, 3, 7, 6), a(3, 2, 3, 3), a(2)
    conv_g = a(2, 2, 4, 3)        # 1 + (7 + 2 - 3) // 2 = 4, 1 + (6 + 2 - 3) // 2 = 3
    pool_g = a(2, 3, 3, 3)        # 2x2/s2 on 7x6 -> 3x3;  3x3/s2 p1 on 7x6 -> 4x3
    pool_g2 = a(2, 3, 4, 3)
    X, W, fb, fc_g = a(4, 5), a(5, 3), a(3), a(4, 3)
    y = np.eye(3)[[0, 2, 1, 1]].astype(dtype)
    return {
        "conv_forward": (F.conv_forward, (z, K, b, (1, 1), (2, 2))),
        "conv_backward": (F.conv_backward, (conv_g, K, z, (1, 1), (2, 2))),
        "max_pooling_forward_tiled": (F.max_pooling_forward, (z, (2, 2), (2, 2), (0, 0))),
        "max_pooling_backward_tiled": (F.max_pooling_backward, (pool_g, z, (2, 2), (2, 2), (0, 0))),
        "max_pooling_forward_overlap": (F.max_pooling_forward, (z, (3, 3), (2, 2), (1, 1))),
        "max_pooling_backward_overlap": (F.max_pooling_backward, (pool_g2, z, (3, 3), (2, 2), (1, 1))),
        "flatten_forward": (F.flatten_forward, (z,)),
        "flatten_backward": (F.flatten_backward, (a(2, 3 * 7 * 6), z)),
        "fullyconnected_forward": (F.fullyconnected_forward, (X, W, fb)),
        "fullyconnected_backward": (F.fullyconnected_backward, (fc_g, W, X)),
        "relu_forward": (F.relu_forward, (z,)),
        "relu_backward": (F.relu_backward, (a(2, 3, 7, 6), z)),
        "cross_entropy_loss": (F.cross_entropy_loss, (X[:, :3], y)),
    }


CALL_NAMES = list(_all_calls(np.float64))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", CALL_NAMES)
def test_seed_bug_output_dtype_follows_input(name, dtype):
    """Seed bug (c): the seed's functions built their outputs with ``np.zeros``
    (float64) or cast to float64, so float32 inputs came back float64 (twice
    the memory, slow mixed-precision math downstream). float32 in -> float32
    out and float64 in -> float64 out for every forward and backward output."""
    fn, args = _all_calls(dtype)[name]
    result = fn(*args)
    outputs = result if isinstance(result, tuple) else (result,)
    if name == "cross_entropy_loss":
        loss, dy = outputs
        assert isinstance(loss, float) and np.isfinite(loss)
        outputs = (dy,)
    for i, out in enumerate(outputs):
        assert isinstance(out, np.ndarray), f"{name}[{i}] is {type(out)}"
        assert out.dtype == np.dtype(dtype), f"{name}[{i}]: {out.dtype} for {np.dtype(dtype)} input"
        assert np.all(np.isfinite(out))


@pytest.mark.parametrize("name", CALL_NAMES)
def test_functions_do_not_modify_their_inputs(name):
    fn, args = _all_calls(np.float64)[name]
    before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    fn(*args)
    for original, now in zip(before, args):
        if isinstance(now, np.ndarray):
            np.testing.assert_array_equal(now, original)


# ====================================== memory layouts (views, channel-major)
def _layout(x, layout):
    """Same values as ``x: (N, C, H, W)`` in another memory layout."""
    if layout == "c_contiguous":
        return np.ascontiguousarray(x)
    if layout == "channel_major":     # CNHW memory seen as NCHW, like conv_forward's output
        return np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    if layout == "batch_innermost":   # CHWN memory, the engine's activation layout
        return np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    if layout == "fortran":
        return np.asfortranarray(x)
    if layout == "negative_strides":
        return x[:, :, ::-1, ::-1].copy()[:, :, ::-1, ::-1]
    raise ValueError(layout)


LAYOUTS = ["c_contiguous", "channel_major", "batch_innermost", "fortran", "negative_strides"]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_any_memory_layout_matches_oracle(layout, dtype):
    """The engine may pick code paths by memory order (e.g. channel-major conv
    outputs feeding a pool); every layout must give the oracle's values.
    N != C so that a swapped N/C axis cannot go unnoticed."""
    rng = np.random.default_rng(950)
    z = _layout(rng.integers(-2, 3, (3, 2, 8, 7)).astype(dtype), layout)   # ties for the pools
    K = rng.standard_normal((2, 4, 3, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)

    out = F.conv_forward(z, K, b, padding=(1, 1), strides=(1, 2))
    assert_matches(out, O.conv_forward(z, K, b, (1, 1), (1, 2)), dtype, "conv_forward")
    g = _layout(rng.standard_normal(out.shape).astype(dtype), layout)
    for got, want, what in zip(F.conv_backward(g, K, z, padding=(1, 1), strides=(1, 2)),
                               O.conv_backward(g, K, z, (1, 1), (1, 2)), ("dK", "db", "dz")):
        assert_matches(got, want, dtype, what)

    for pooling, strides, padding in (((2, 2), (2, 2), (0, 0)), ((2, 2), (2, 2), (1, 0)),
                                      ((3, 3), (2, 2), (1, 1)), ((2, 3), (1, 2), (0, 0))):
        for x in (z, out):            # a layout-converted input and a real conv output
            ho = O.output_size(x.shape[2], pooling[0], padding[0], strides[0])
            wo = O.output_size(x.shape[3], pooling[1], padding[1], strides[1])
            pg = _layout(rng.standard_normal(x.shape[:2] + (ho, wo)).astype(dtype), layout)
            what = f"pool {pooling}/{strides}/{padding}"
            assert_matches(F.max_pooling_forward(x, pooling, strides, padding),
                           O.max_pooling_forward(x, pooling, strides, padding), dtype, what)
            assert_matches(F.max_pooling_backward(pg, x, pooling, strides, padding),
                           O.max_pooling_backward(pg, x, pooling, strides, padding), dtype, what + " dz")

    flat = F.flatten_forward(out)
    assert_matches(flat, O.flatten_forward(out), dtype, "flatten_forward")
    W = np.asfortranarray(rng.standard_normal((flat.shape[1], 3)).astype(dtype))
    fb = rng.standard_normal(3).astype(dtype)
    assert_matches(F.fullyconnected_forward(flat, W, fb), O.fullyconnected_forward(flat, W, fb),
                   dtype, "fullyconnected_forward")
    fg = rng.standard_normal((3, 3)).astype(dtype)[::-1]
    for got, want, what in zip(F.fullyconnected_backward(fg, W, flat),
                               O.fullyconnected_backward(fg, W, flat), ("dW", "db", "delta")):
        assert_matches(got, want, dtype, what)
    assert_matches(F.relu_backward(g, out), O.relu_backward(g, out), dtype, "relu_backward")



@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_log_softmax_and_softmax_match_oracle(dtype):
    rng = np.random.default_rng(960)
    logits = np.concatenate([rng.standard_normal((3, 5)), 1000 * rng.standard_normal((3, 5)),
                             [[1000.0, -1000.0, 0.0, 5.0, 5.0]]]).astype(dtype)
    expected = np.array([O.log_softmax_row(row) for row in logits])
    logp = F.log_softmax(logits)
    assert np.all(np.isfinite(logp))
    # row-wise normalisation: compare each row against its own scale
    for got, want in zip(logp, expected):
        assert got.dtype == np.dtype(dtype)
        assert relative_error(got, want) <= TOL[np.dtype(dtype)], (got, want)
    assert_matches(F.softmax(logits), np.exp(expected), dtype, "softmax")


def test_every_public_function_is_covered():
    """Guard: a function added to ``engine.nn.functional.__all__`` needs a test
    (here or in ``test_functional_conv.py`` / ``test_functional_pooling.py``)."""
    covered = {
        "conv_forward", "conv_backward", "max_pooling_forward", "max_pooling_backward",
        "flatten_forward", "flatten_backward", "fullyconnected_forward",
        "fullyconnected_backward", "relu_forward", "relu_backward", "cross_entropy_loss",
        "kernel_matrix", "conv_forward_cols", "conv_backward_cols", "log_softmax", "softmax",
    }
    missing = set(F.__all__) - covered
    assert not missing, f"untested public functions in engine.nn.functional: {sorted(missing)}"

"""Conv2D's frequency-space path (engine.nn.spectral_conv) behind the layer:
forced with ``set_algorithm("spectral")`` on every stride-1 case of the
oracle table, chosen by itself where it pays (the bench and playground nets'
second layer), never for strided layers, first layers or one image."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.layers import Conv2D
from tests.engine.nn.layers.test_conv import CONV_CASES, check_training_step
from tests.support.layer_checks import LAYOUTS, gradcheck_layer, train_step

STRIDE_1 = [c for c in CONV_CASES if c.stride == (1, 1)]


def _spectral(case, dtype):
    conv = case.layer(dtype)
    conv.set_algorithm("spectral")
    return conv


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", STRIDE_1, ids=str)
def test_spectral_layer_matches_the_oracle(case, layout):
    conv = _spectral(case, np.float64)
    check_training_step(conv, case, layout)
    assert conv.last_algorithm == "spectral"                           # the path under test ran


@pytest.mark.parametrize("case", STRIDE_1, ids=str)
def test_spectral_layer_float32(case):
    conv = _spectral(case, np.float32)
    check_training_step(conv, case)         # (float32 results, within F32_TOL)
    assert conv.last_algorithm == "spectral"


@pytest.mark.parametrize("case", [c for c in STRIDE_1 if c.name != "1x1_p0_s1"], ids=str)
def test_spectral_layer_finite_differences(case):
    x, _ = case.arrays()
    gradcheck_layer(_spectral(case, np.float64), x, np.random.default_rng(case.seed + 2000))


def test_spectral_layer_without_input_gradient():
    case = STRIDE_1[1]
    x, g = case.arrays()
    with_dx, without_dx = _spectral(case, np.float64), _spectral(case, np.float64)
    without_dx.set_input_gradient(False)
    _, dx, grads = train_step(with_dx, x, g)
    _, none, grads_no_dx = train_step(without_dx, x, g)
    assert dx is not None and none is None
    for k in grads:
        np.testing.assert_array_equal(grads_no_dx[k], grads[k])


def _uses_spectral(conv: Conv2D, x: np.ndarray) -> bool:
    conv.set_training(True)
    conv.forward(x)
    return conv.last_algorithm == "spectral"


def test_the_bench_and_playground_second_layers_choose_it_by_themselves():
    rng = np.random.default_rng(0)
    for preset, c in (("bench", 16), ("playground", 32)):
        first, second = [layer for layer in presets.build(preset, rng).layers
                         if isinstance(layer, Conv2D)]
        assert _uses_spectral(second, rng.random((32, c, 14, 14), dtype=np.float32)), preset
        assert not _uses_spectral(first, rng.random((32, 1, 28, 28), dtype=np.float32)), preset
    strided = Conv2D(16, 32, 5, stride=2, rng=rng)
    strided.set_algorithm("spectral")       # no stride-2 spectral path: im2col
    assert not _uses_spectral(strided, rng.random((8, 16, 14, 14), dtype=np.float32))
    im2col = Conv2D(16, 32, 5, rng=rng)
    im2col.set_algorithm("im2col")
    assert not _uses_spectral(im2col, rng.random((32, 16, 14, 14), dtype=np.float32))
    with pytest.raises(ValueError, match="unknown convolution algorithm"):
        im2col.set_algorithm("fft")


def test_a_bench_training_step_agrees_with_the_im2col_path():
    """The whole net's loss and gradients at the bench shapes, float32, with
    the second layer in frequency space (auto) and in im2col."""
    rng = np.random.default_rng(3)
    x = rng.random((32, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 32)
    auto = presets.build("bench", np.random.default_rng(1))
    plain = presets.build("bench", np.random.default_rng(1))
    for layer in plain.layers:
        if isinstance(layer, Conv2D):
            layer.set_algorithm("im2col")
    loss_a, correct_a = auto.loss_and_grads(x, y)
    loss_p, correct_p = plain.loss_and_grads(x, y)
    assert auto.layers[3].last_algorithm == "spectral" and plain.layers[3].last_algorithm == "im2col"
    assert abs(loss_a - loss_p) < 1e-5 * abs(loss_p) and correct_a == correct_p
    for name, g in auto.named_grads().items():
        ref = plain.named_grads()[name]
        assert np.abs(g - ref).max() <= 1e-4 * np.abs(ref).max(), name


def test_training_threads_keep_the_algorithm_setting():
    from engine.training.parallel import DataParallel
    model = presets.build("bench", np.random.default_rng(0))
    for layer in model.layers:
        if isinstance(layer, Conv2D):
            layer.set_algorithm("im2col")
    rng = np.random.default_rng(1)
    x, y = rng.random((64, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 64)
    with DataParallel(model, workers=2) as parallel:
        parallel.loss_and_grads(x, y)
        used = [layer.last_algorithm for replica in parallel.replicas for layer in replica.layers
                if isinstance(layer, Conv2D)]
    assert used == ["im2col"] * 4


def test_the_output_dtype_does_not_depend_on_the_path():
    """float32 input and kernel with a float64 bias: float32 out on both paths
    (the bias follows, as in im2col)."""
    rng = np.random.default_rng(2)
    x = rng.random((32, 16, 14, 14), dtype=np.float32)
    outs = {}
    for algorithm in ("im2col", "spectral"):
        conv = Conv2D(16, 32, 5, rng=np.random.default_rng(0))
        conv.params["b"] = conv.params["b"].astype(np.float64) + 0.5
        conv.set_algorithm(algorithm)
        conv.set_training(True)
        outs[algorithm] = conv.forward(x)
        assert conv.last_algorithm == algorithm
    assert outs["im2col"].dtype == outs["spectral"].dtype == np.float32
    assert np.abs(outs["im2col"] - outs["spectral"]).max() < 1e-5 * np.abs(outs["im2col"]).max()

"""engine.nn.zero_operand: the ReLU's zeros operand, shared per thread for
small C-contiguous arrays and never writable."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.nn import functional as F
from engine.nn.zero_operand import MAX_VALUES, zeros_operand


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_small_contiguous_arrays_get_read_only_shared_zeros(dtype):
    x = np.ones((1, 16, 28, 28), dtype)
    z = zeros_operand(x)
    assert z.shape == x.shape and z.dtype == x.dtype and not z.any()
    assert not z.flags.writeable
    with pytest.raises(ValueError):
        z[0, 0, 0, 0] = 1.0
    assert np.shares_memory(z, zeros_operand(np.ones((3, 5), dtype)))   # one buffer


def test_large_or_strided_arrays_get_fresh_zeros_in_their_own_layout():
    big = np.ones(MAX_VALUES + 1, np.float32)
    z = zeros_operand(big)
    assert z.flags.writeable and not z.any() and z.shape == big.shape
    batch_innermost = np.ones((4, 3, 5, 6), np.float32, order="F")
    z = zeros_operand(batch_innermost)
    assert z.flags.writeable and z.flags.f_contiguous and not z.any()


def test_relu_of_one_image_leaves_the_shared_zeros_zero():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 8, 14, 14)).astype(np.float32)
    out = F.relu_forward(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    out[...] = 7.0                                      # the caller owns its result
    assert not zeros_operand(x).any()
    assert out.flags.c_contiguous and out.dtype == np.float32


def test_each_thread_has_its_own_buffer():
    x = np.ones(10, np.float32)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(zeros_operand(x)))
    worker.start()
    worker.join()
    assert not seen[0].any() and not np.shares_memory(seen[0], zeros_operand(x))

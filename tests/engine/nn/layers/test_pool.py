"""engine.nn.layers.pool.MaxPool2D against the loop oracle and finite differences.

``(N, C, H, W) -> (N, C, Ho, Wo)``, ``Ho = 1 + (H + 2p - k) // s``; the
tiled path (window == stride) and the overlapping/gapped path; ties go to
the first maximum. Conventions: :mod:`tests.support.layer_checks`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine.nn.layers import MaxPool2D
from tests.support import oracle as O
from tests.support.layer_checks import (F32_TOL, LAYOUTS, ORACLE_TOL, assert_close, gradcheck_layer,
                                        in_layout, train_step)


@dataclass(frozen=True)
class PoolCase:
    name: str
    n: int
    c: int
    h: int
    w: int
    pool: tuple
    stride: tuple | None
    padding: tuple
    seed: int

    def __str__(self):
        return self.name

    def layer(self) -> MaxPool2D:
        return MaxPool2D(self.pool, stride=self.stride, padding=self.padding)

    @property
    def strides(self):
        return self.stride if self.stride is not None else self.pool

    def arrays(self):
        rng = np.random.default_rng(self.seed)
        x = rng.standard_normal((self.n, self.c, self.h, self.w))
        ho = O.output_size(self.h, self.pool[0], self.padding[0], self.strides[0])
        wo = O.output_size(self.w, self.pool[1], self.padding[1], self.strides[1])
        return x, rng.standard_normal((self.n, self.c, ho, wo))


POOL_CASES = [
    #        name                    N  C  H  W  pool    stride  padding seed
    PoolCase("tiled_2x2",            2, 3, 6, 6, (2, 2), None,   (0, 0), 11),
    PoolCase("tiled_2x2_floor_7x5",  2, 2, 7, 5, (2, 2), None,   (0, 0), 12),
    PoolCase("tiled_2x2_pad1",       2, 2, 5, 5, (2, 2), None,   (1, 1), 13),
    PoolCase("tiled_2x3",            2, 2, 6, 6, (2, 3), None,   (0, 0), 14),
    PoolCase("tiled_3x3_pad1",       1, 2, 7, 7, (3, 3), (3, 3), (1, 1), 15),
    PoolCase("overlap_3x3_s2",       2, 2, 7, 7, (3, 3), (2, 2), (0, 0), 16),
    PoolCase("overlap_3x3_s2_pad1",  2, 2, 6, 6, (3, 3), (2, 2), (1, 1), 17),
    PoolCase("overlap_3x3_s1_pad1",  1, 2, 5, 5, (3, 3), (1, 1), (1, 1), 18),
    PoolCase("gapped_2x2_s3",        2, 2, 8, 8, (2, 2), (3, 3), (0, 0), 19),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_forward_backward_match_oracle(case, layout):
    pool = case.layer()
    x, g = case.arrays()
    pool.set_training(False)
    out_eval = pool.forward(in_layout(x, layout))
    expected = O.max_pooling_forward(x, case.pool, case.strides, case.padding)
    assert_close(out_eval, expected, ORACLE_TOL, "forward (eval)")
    assert out_eval.shape[1:] == pool.output_shape(x.shape[1:])
    out, dx, grads = train_step(pool, in_layout(x, layout), in_layout(g, layout))
    assert grads == {}
    np.testing.assert_array_equal(out, out_eval)
    assert_close(dx, O.max_pooling_backward(g, x, case.pool, case.strides, case.padding),
                 ORACLE_TOL, "dx")


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_ties_route_gradient_to_first_maximum(case):
    """Integer-valued inputs have many ties (also with the zero padding): each
    window's gradient must go to its first maximum, as in the oracle."""
    rng = np.random.default_rng(case.seed + 100)
    x = rng.integers(-1, 2, size=(case.n, case.c, case.h, case.w)).astype(np.float64)
    _, g = case.arrays()
    out, dx, _ = train_step(case.layer(), x, g)
    np.testing.assert_array_equal(out, O.max_pooling_forward(x, case.pool, case.strides, case.padding))
    np.testing.assert_array_equal(dx, O.max_pooling_backward(g, x, case.pool, case.strides, case.padding))


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_maxpool_finite_differences(case):
    x, _ = case.arrays()
    gradcheck_layer(case.layer(), x, np.random.default_rng(case.seed + 200))


def test_maxpool_float32_keeps_dtype():
    case = POOL_CASES[0]
    x, g = case.arrays()
    out, dx, _ = train_step(case.layer(), x.astype(np.float32), g.astype(np.float32))
    assert out.dtype == np.float32 and dx.dtype == np.float32
    assert_close(out, O.max_pooling_forward(x.astype(np.float32), case.pool), F32_TOL, "out", np.float32)


def test_maxpool_default_stride_is_pool_size():
    assert MaxPool2D(3).stride == (3, 3)
    assert MaxPool2D(2).output_shape((4, 9, 8)) == (4, 4, 4)
    assert MaxPool2D(3, stride=2, padding=1).output_shape((1, 28, 28)) == (1, 14, 14)

"""engine.training.parallel.DataParallel: a batch split into slices over
threads gives the single-threaded loss and gradients (up to float rounding),
slices weighted by their size; replicas share the weights, not the gradients.
Also :func:`default_workers` and the seeded per-slice transform."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from engine.training.parallel import DataParallel, default_workers
from tests.support.gradcheck import relative_error
from tests.support.small_nets import batch, grads_copy, mnist_like, small_net


def _compare_parallel(model, x, labels, tol, workers=2, **kw):
    single_loss, single_correct = model.loss_and_grads(x, labels)
    single = grads_copy(model)
    for g in model.named_grads().values():
        g[...] = np.nan           # the parallel pass must overwrite every gradient
    with DataParallel(model, workers=workers, **kw) as dp:
        loss, correct = dp.loss_and_grads(x, labels)
        again = dp.loss_and_grads(x, labels)   # repeatable
    assert correct == single_correct
    assert abs(loss - single_loss) <= tol * abs(single_loss)
    assert again == (loss, correct)
    for k, g in model.named_grads().items():
        assert g.dtype == single[k].dtype
        err = relative_error(g, single[k])
        assert err <= tol, f"{k}: parallel vs single relative error {err:.3g}"
    return loss


@pytest.mark.parametrize("n", [37, 16, 10, 3])
def test_data_parallel_float64_matches_single_thread(n):
    model = small_net()
    x, labels = batch(n, seed=n)
    _compare_parallel(model, x, labels, 1e-10)


@pytest.mark.parametrize("n", [37, 5])
def test_data_parallel_float32_matches_single_thread(n):
    model = presets.build("tiny", np.random.default_rng(1))
    x, labels = mnist_like(n, seed=n)
    _compare_parallel(model, x, labels, 1e-5)


def test_data_parallel_small_batches_are_not_split():
    """Below ``workers * min_slice`` samples the call is the plain single pass:
    bit-identical loss and gradients."""
    model = small_net()
    x, labels = batch(15, seed=4)
    ref = model.loss_and_grads(x, labels)
    single = grads_copy(model)
    with DataParallel(model, workers=2, min_slice=8) as dp:
        assert dp.loss_and_grads(x, labels) == ref
    for k, g in model.named_grads().items():
        np.testing.assert_array_equal(g, single[k])


def test_data_parallel_uneven_slices_weighted_by_size():
    """A batch split 18/19 (odd size) must weight each slice's mean by its size:
    the result equals the single pass, not the plain average of the two means."""
    model = small_net()
    x, labels = batch(37, seed=8)
    loss = _compare_parallel(model, x, labels, 1e-10)
    a = model.loss_and_grads(x[:18], labels[:18])[0]
    b = model.loss_and_grads(x[18:], labels[18:])[0]
    assert abs(loss - (18 * a + 19 * b) / 37) <= 1e-12
    assert abs(loss - (a + b) / 2) > 1e-9   # the check above is meaningful


def test_data_parallel_replicas_share_weights():
    model = small_net()
    with DataParallel(model, workers=3) as dp:
        assert len(dp.replicas) == 3 and dp.replicas[0] is model
        for rep in dp.replicas[1:]:
            for k, v in rep.named_params().items():
                assert v is model.named_params()[k]
            for k, v in rep.named_grads().items():
                assert v is not model.named_grads()[k]
        # an in-place weight update (as the optimisers do) is seen by every replica
        for p in model.named_params().values():
            p *= 0.5
        x, labels = batch(37, seed=6)
        loss, _ = dp.loss_and_grads(x, labels)
    assert abs(loss - model.loss_and_grads(x, labels)[0]) <= 1e-10 * loss


def test_default_workers_is_between_one_and_four():
    workers = default_workers()
    assert isinstance(workers, int) and 1 <= workers <= 4
    with DataParallel(small_net()) as dp:
        assert dp.workers == workers and len(dp.replicas) == workers


def test_transform_runs_per_slice_with_seeded_generators():
    """``transform(x_slice, generator)`` sees every sample once, in slices, and
    the same ``rng`` seed gives the same loss and gradients again."""
    model = small_net()
    x, labels = batch(32, seed=12)
    seen = []

    def transform(xs, generator):
        seen.append(len(xs))
        return xs + 0.01 * generator.standard_normal(xs.shape)

    with DataParallel(model, workers=2) as dp:
        first = dp.loss_and_grads(x, labels, transform, np.random.default_rng(3))
        grads = grads_copy(model)
        again = dp.loss_and_grads(x, labels, transform, np.random.default_rng(3))
        other = dp.loss_and_grads(x, labels, transform, np.random.default_rng(4))
    assert sorted(seen[:2]) == [16, 16] and len(seen) == 6
    assert again == first and other != first
    plain = model.loss_and_grads(x, labels)[0]
    assert first[0] != plain and abs(first[0] - plain) < 0.05 * plain   # transformed, but mildly
    with DataParallel(model, workers=2) as dp:
        dp.loss_and_grads(x, labels, transform, np.random.default_rng(3))
    for k, g in model.named_grads().items():
        np.testing.assert_array_equal(g, grads[k])

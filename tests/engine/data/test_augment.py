"""engine.data.augment: batch-vectorised random affine + stroke-thickness augmentation."""
from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from engine.data.augment import (
    AugmentConfig,
    augment_batch,
    change_thickness,
    random_affine_matrices,
    warp_affine,
)

IDENTITY = AugmentConfig(max_shift=0.0, max_rotation=0.0, scale_range=(1.0, 1.0), max_shear=0.0,
                         p_thicker=0.0, p_thinner=0.0, elastic_strength=0.0)


def digits(n: int, seed: int = 0) -> np.ndarray:
    """MNIST-like synthetic batch (n, 1, 28, 28) float32 in [0, 1]: random
    anti-aliased rings and bars inside the central 20x20 box, peak 1."""
    rng = np.random.default_rng(seed)
    r = np.arange(28)[:, None] + 0.0
    c = np.arange(28)[None, :] + 0.0
    out = np.zeros((n, 1, 28, 28), np.float32)
    for k in range(n):
        cy, cx = rng.uniform(12, 15, 2)
        ry, rx = rng.uniform(4, 8, 2)
        ring = np.abs(np.hypot((r - cy) / ry, (c - cx) / rx) - 1) * min(ry, rx)
        bar = np.where(np.abs(r - cy) < 8, np.abs(c - cx - rng.uniform(-3, 3)), 99)
        d = np.minimum(ring, bar)
        out[k, 0] = np.clip(rng.uniform(1.0, 2.0) - d, 0, 1)
    return out


@pytest.fixture(scope="module")
def batch() -> np.ndarray:
    return digits(64)


# --------------------------------------------------------------------------- augment_batch


def test_shape_dtype_range_and_input_untouched(batch):
    before = batch.copy()
    out = augment_batch(batch, np.random.default_rng(0), AugmentConfig(elastic_strength=1.0))
    assert out.shape == batch.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out is not batch
    np.testing.assert_array_equal(batch, before)
    assert not np.allclose(out, batch)


def test_default_config_is_sane(batch):
    cfg = AugmentConfig()
    assert cfg.enabled
    assert 2 <= cfg.max_shift <= 3 and 10 <= cfg.max_rotation <= 15
    assert cfg.scale_range[0] < 1 < cfg.scale_range[1] and 0 < cfg.max_shear <= 0.3
    out = augment_batch(batch, np.random.default_rng(1))
    ratio = out.sum(axis=(1, 2, 3)) / batch.sum(axis=(1, 2, 3))
    assert 0.8 < np.median(ratio) < 1.25  # ink roughly preserved overall
    assert ratio.min() > 0.3
    assert np.median(out.max(axis=(1, 2, 3))) > 0.85  # still peaks near 1


def test_deterministic_for_a_seed(batch):
    cfg = AugmentConfig(elastic_strength=1.0)
    a = augment_batch(batch, np.random.default_rng(42), cfg)
    b = augment_batch(batch, np.random.default_rng(42), cfg)
    np.testing.assert_array_equal(a, b)
    c = augment_batch(batch, np.random.default_rng(43), cfg)
    assert np.abs(a - c).mean() > 1e-3


def test_successive_calls_differ(batch):
    rng = np.random.default_rng(0)
    assert not np.allclose(augment_batch(batch, rng), augment_batch(batch, rng))


def test_disabled_returns_unchanged_copy(batch):
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    out = augment_batch(batch, rng, AugmentConfig(enabled=False))
    np.testing.assert_array_equal(out, batch)
    assert out is not batch and out.dtype == np.float32
    assert rng.bit_generator.state == state  # draws nothing


def test_zero_strength_is_identity(batch):
    out = augment_batch(batch, np.random.default_rng(0), IDENTITY)
    np.testing.assert_allclose(out, batch, atol=1e-6)


def test_pure_shift_preserves_mass(batch):
    cfg = dataclasses.replace(IDENTITY, max_shift=2.5)
    out = augment_batch(batch, np.random.default_rng(3), cfg)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), batch.sum(axis=(1, 2, 3)), rtol=1e-4)
    assert not np.allclose(out, batch)


def test_thickness_only_changes_mass_in_the_right_direction(batch):
    thick = dataclasses.replace(IDENTITY, p_thicker=1.0)
    thin = dataclasses.replace(IDENTITY, p_thinner=1.0)
    m0 = batch.sum(axis=(1, 2, 3))
    assert np.all(augment_batch(batch, np.random.default_rng(0), thick).sum(axis=(1, 2, 3)) > m0)
    out_thin = augment_batch(batch, np.random.default_rng(0), thin)
    assert np.all(out_thin.sum(axis=(1, 2, 3)) < m0)
    np.testing.assert_allclose(out_thin.max(axis=(1, 2, 3)), batch.max(axis=(1, 2, 3)), atol=1e-5)


def test_other_batch_sizes_and_channels():
    rng = np.random.default_rng(0)
    for n in (1, 3, 128, 3):
        x = digits(n, seed=n)
        out = augment_batch(x, rng)
        assert out.shape == x.shape
    x2 = np.concatenate([digits(4), digits(4)], axis=1)  # (4, 2, 28, 28), equal channels
    out2 = augment_batch(x2, rng)
    np.testing.assert_allclose(out2[:, 0], out2[:, 1], atol=1e-6)  # one transform per image
    assert augment_batch(np.zeros((0, 1, 28, 28), np.float32), rng).shape == (0, 1, 28, 28)
    with pytest.raises(ValueError):
        augment_batch(np.zeros((28, 28), np.float32), rng)


def test_workspace_reuse_does_not_leak_between_shapes():
    x = digits(5, seed=7)
    ref = augment_batch(x, np.random.default_rng(9), AugmentConfig(elastic_strength=1.0))
    augment_batch(digits(128), np.random.default_rng(1), AugmentConfig(elastic_strength=1.0))
    again = augment_batch(x, np.random.default_rng(9), AugmentConfig(elastic_strength=1.0))
    np.testing.assert_array_equal(ref, again)


def test_threads_get_their_own_workspace():
    xs = [digits(32, seed=s) for s in range(2)]
    expected = [augment_batch(x, np.random.default_rng(s)) for s, x in enumerate(xs)]
    results: dict[int, list[np.ndarray]] = {0: [], 1: []}

    def work(s: int) -> None:
        for _ in range(30):
            results[s].append(augment_batch(xs[s], np.random.default_rng(s)))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in range(2):
        for r in results[s]:
            np.testing.assert_array_equal(r, expected[s])


def test_config_validation():
    with pytest.raises(ValueError):
        AugmentConfig(scale_range=(1.2, 0.9))
    with pytest.raises(ValueError):
        AugmentConfig(p_thicker=0.7, p_thinner=0.5)
    with pytest.raises(ValueError):
        AugmentConfig(max_rotation=-1.0)
    with pytest.raises(ValueError):
        AugmentConfig(thin_strength=(0.5, 1.5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        AugmentConfig().max_shift = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------- warp_affine


def test_integer_translation_is_exact():
    x = np.zeros((2, 28, 28), np.float32)
    x[0, 10, 12] = 1.0
    x[1, 20, 5] = 0.7
    M = np.array([[1.0, 0.0, 3.0], [0.0, 1.0, -2.0]])  # row += 3, col -= 2
    out = warp_affine(x, M)
    expected = np.zeros_like(x)
    expected[0, 13, 10] = 1.0
    expected[1, 23, 3] = 0.7
    np.testing.assert_array_equal(out, expected)


def test_translation_off_the_frame_gives_zeros():
    x = np.ones((1, 28, 28), np.float32)
    out = warp_affine(x, np.array([[1.0, 0.0, 5.0], [0.0, 1.0, 0.0]]))
    assert out[0, :5].max() == 0.0 and out[0, 5:].min() == 1.0
    assert warp_affine(x, np.array([[1.0, 0.0, 40.0], [0.0, 1.0, 0.0]])).max() == 0.0


def test_half_pixel_translation_splits_a_dot():
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 10, 10] = 1.0
    out = warp_affine(x, np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0]]))[0]
    assert out[10, 10] == pytest.approx(0.5) and out[11, 10] == pytest.approx(0.5)
    assert out.sum() == pytest.approx(1.0)


def test_rotation_by_90_matches_rot90():
    x = np.random.default_rng(0).random((3, 1, 28, 28)).astype(np.float32)
    M = np.array([[0.0, -1.0, 27.0], [1.0, 0.0, 0.0]])  # (r, c) -> (27 - c, r)
    np.testing.assert_array_equal(warp_affine(x, M), np.rot90(x, axes=(2, 3)))
    # the same through random_affine_matrices' parametrisation (about the centre)
    cfg = dataclasses.replace(IDENTITY, max_rotation=90.0)

    class Fixed:  # a stand-in generator returning the bounds
        def uniform(self, lo, hi, size):
            return np.broadcast_to(np.asarray(hi, dtype=float), size).copy()

    M90 = random_affine_matrices(3, Fixed(), dataclasses.replace(cfg, max_shift=0.0))
    np.testing.assert_allclose(M90, np.broadcast_to(M, (3, 2, 3)), atol=1e-12)
    np.testing.assert_allclose(warp_affine(x, M90), np.rot90(x, axes=(2, 3)), atol=1e-5)


def test_random_matrices_keep_the_centre_without_shift():
    cfg = dataclasses.replace(AugmentConfig(), max_shift=0.0)
    M = random_affine_matrices(100, np.random.default_rng(0), cfg)
    c = np.array([13.5, 13.5, 1.0])
    np.testing.assert_allclose(M @ c, np.broadcast_to([13.5, 13.5], (100, 2)), atol=1e-9)
    det = np.linalg.det(M[:, :, :2])
    assert np.all(det > cfg.scale_range[0] ** 2 - 1e-9) and np.all(det < cfg.scale_range[1] ** 2 + 1e-9)


def test_rotation_matrices_are_orthonormal():
    cfg = dataclasses.replace(IDENTITY, max_rotation=15.0)
    A = random_affine_matrices(50, np.random.default_rng(0), cfg)[:, :, :2]
    np.testing.assert_allclose(A @ A.transpose(0, 2, 1), np.broadcast_to(np.eye(2), (50, 2, 2)),
                               atol=1e-12)


def test_singular_matrix_rejected():
    with pytest.raises(ValueError):
        warp_affine(np.zeros((1, 28, 28), np.float32), np.zeros((2, 3)))


# --------------------------------------------------------------------------- change_thickness


def test_change_thickness_semantics():
    x = np.zeros((3, 28, 28), np.float32)
    x[:, 8:20, 12:15] = 1.0  # a 3 px wide bar
    out = change_thickness(x, np.array([0.0, 1.0, -1.0]))
    np.testing.assert_array_equal(out[0], x[0])
    grown = out[1] > 0  # full plus dilation: +1 px on every side, corners excluded
    assert grown[7:21, 11:16].sum() == 14 * 5 - 4 and grown.sum() == 14 * 5 - 4
    assert out[1].sum() > x[1].sum()
    thin = out[2]
    assert thin.max() == pytest.approx(1.0)
    assert (thin > 0).sum() == 10  # full plus erosion of a 12x3 bar leaves its 10x1 core
    np.testing.assert_array_equal(thin[9:19, 13], 1.0)
    # the plus window is symmetric: the centre of mass does not move
    for img in out:
        i = np.arange(28)
        cy = img.sum(axis=1) @ i / img.sum()
        cx = img.sum(axis=0) @ i / img.sum()
        assert cy == pytest.approx(13.5) and cx == pytest.approx(13.0)

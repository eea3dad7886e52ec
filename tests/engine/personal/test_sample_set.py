"""PersonalSet: an immutable set of a person's samples (add, remove, relabel,
counts, merge de-duplicating by content) and its checks."""
from __future__ import annotations

import numpy as np
import pytest

from engine.personal import (MAX_STROKES_PER_SAMPLE, PersonalSet, PersonalSetError,
                             content_id)


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((1, 28, 28), dtype=np.float32)


def stroke(seed: int, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 1, n)
    return np.stack([0.2 + 0.6 * t, 0.5 + 0.3 * np.sin(t * 3 + seed)], 1)


def small_set(n: int = 6) -> PersonalSet:
    s = PersonalSet()
    for i in range(n):
        s = s.add(image(i), i % 10, [stroke(i), stroke(i + 1, 2)], added=1_700_000_000 + i)
    return s


def test_add_returns_a_new_set_and_leaves_the_old_one():
    empty = PersonalSet()
    one = empty.add(image(0), 3, [stroke(0)])
    assert len(empty) == 0 and len(one) == 1
    sample = one.sample(one.ids[0])
    assert sample.label == 3 and sample.id == content_id(image(0))
    assert sample.image.shape == (1, 28, 28) and sample.image.dtype == np.float32
    np.testing.assert_array_equal(sample.image, image(0))
    assert not sample.image.flags.writeable and not sample.strokes[0].flags.writeable
    assert sample.strokes[0].dtype == np.float32 and sample.strokes[0].shape[1] == 2
    assert one.images.shape == (1, 1, 28, 28) and one.labels.tolist() == [3]


def test_the_same_drawing_is_added_once_whatever_its_label():
    s = PersonalSet().add(image(0), 3)
    assert s.add(image(0).copy(), 5) is s
    assert s.add(image(1), 3) is not s


def test_strokes_are_simplified_but_keep_their_ends():
    line = np.stack([np.linspace(0.1, 0.9, 500), np.full(500, 0.5)], 1)
    kept = PersonalSet().add(image(0), 1, [line]).sample(content_id(image(0))).strokes[0]
    assert len(kept) == 2
    np.testing.assert_allclose(kept, line[[0, -1]], atol=1e-6)


def test_remove_relabel_counts_and_ids_of():
    s = small_set(12)
    assert s.counts().tolist() == [2, 2, 1, 1, 1, 1, 1, 1, 1, 1]
    first = s.ids[0]
    relabelled = s.relabel(first, 9)
    assert relabelled.sample(first).label == 9 and s.sample(first).label == 0
    assert relabelled.sample(first).added == s.sample(first).added
    assert relabelled.ids == s.ids
    assert relabelled.counts()[9] == 2 and relabelled.counts()[0] == 1
    smaller = s.remove(first)
    assert first not in smaller and first in s and len(smaller) == 11
    assert s.ids_of(0) == (s.ids[0], s.ids[10])
    with pytest.raises(KeyError):
        smaller.remove(first)
    with pytest.raises(KeyError):
        s.relabel("0123456789abcdef", 1)


def test_merge_de_duplicates_by_content_and_keeps_its_own_labels():
    a = small_set(6)
    b = PersonalSet().add(image(2), 7).add(image(100), 4).add(image(101), 4)
    merged = a.merge(b)
    assert len(merged) == 8
    assert merged.sample(content_id(image(2))).label == 2        # a's label wins
    assert merged.ids[:6] == a.ids
    assert merged.merge(b).ids == merged.ids and len(a.merge(a)) == 6


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 28, 28)), r"\(1, 28, 28\)"), (np.full((1, 28, 28), 1.5), r"\[0, 1\]"),
    (np.full((1, 28, 28), np.nan), "finite"), (np.zeros((1, 14, 14)), r"\(1, 28, 28\)"),
])
def test_bad_images_are_refused(bad, match):
    with pytest.raises(PersonalSetError, match=match):
        PersonalSet().add(bad, 1)


@pytest.mark.parametrize("label", [-1, 10, 2.0, True, "3", None])
def test_bad_labels_are_refused(label):
    with pytest.raises(PersonalSetError, match="digit 0-9"):
        PersonalSet().add(image(0), label)


def test_bad_strokes_and_times_are_refused():
    for bad in ([np.zeros((0, 2))], [np.zeros((3, 3))], [[(0.5, 1.5)]], [[(np.nan, 0.5)]]):
        with pytest.raises(PersonalSetError, match="stroke"):
            PersonalSet().add(image(0), 1, bad)
    with pytest.raises(PersonalSetError, match=f"more than {MAX_STROKES_PER_SAMPLE} strokes"):
        PersonalSet().add(image(0), 1, [[(0.5, 0.5)]] * (MAX_STROKES_PER_SAMPLE + 1))
    for when in (-1.0, float("nan"), 1e12, "now"):
        with pytest.raises(PersonalSetError, match="seconds since 1970"):
            PersonalSet().add(image(0), 1, added=when)


def test_from_samples_and_subset():
    images = np.stack([image(i) for i in range(5)] + [image(0)])
    s = PersonalSet.from_samples(images, [0, 1, 2, 3, 4, 9])
    assert len(s) == 5 and s.labels.tolist() == [0, 1, 2, 3, 4]
    assert s.subset([4, 0]).labels.tolist() == [4, 0]
    with pytest.raises(PersonalSetError, match="one label each"):
        PersonalSet.from_samples(images, [1, 2])

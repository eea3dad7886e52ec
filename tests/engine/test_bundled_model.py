"""The pretrained model shipped in assets/: accuracy, size, speed of its files,
its novelty statistics, that drawings preprocessed like MNIST are classified
as well as MNIST, and that it reads the styles MNIST lacks."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.data.preprocess import to_model_input
from engine.explain.novelty import has_novelty
from engine.tools import style_check
from engine.training.evaluate import evaluate


@pytest.fixture(scope="module")
def bundled():
    return engine.load_model()


def test_bundled_model_exists_is_small_and_documents_its_training(bundled):
    path = engine.bundled_model_path()
    assert path.is_file() and path.stat().st_size < 2 * 2**20
    assert bundled.metadata["command"].startswith("python -m engine train")
    assert bundled.metadata["training"]["augment"] is True
    assert "--pen-mix" in bundled.metadata["command"]
    assert bundled.metadata["training"]["pen_mix"] > 0


def test_bundled_model_has_novelty_statistics_that_fit_its_weights(bundled):
    assert has_novelty(bundled) and bundled.novelty_stats is not None


@pytest.mark.slow
def test_bundled_model_reaches_99_5_percent_on_the_mnist_test_set(bundled, mnist_data):
    result = evaluate(bundled, mnist_data.test_images, mnist_data.test_labels)
    assert result.accuracy >= 0.995
    assert abs(result.accuracy - bundled.metadata["test_accuracy"]) < 1e-9


@pytest.mark.slow
def test_mnist_digits_drawn_large_and_preprocessed_still_classify(bundled, mnist_data):
    """Each test digit blown up 10x onto a 280x280 'canvas' (as a drawing would be),
    then turned back into a 28x28 input by to_model_input: >= 98 % correct."""
    n = 2000
    images = mnist_data.test_images[:n]
    inputs = []
    for image in images:
        canvas = np.kron(image, np.ones((10, 10), dtype=np.uint8))          # (280, 280)
        x = to_model_input(canvas)
        assert x is not None
        inputs.append(x)
    probs = bundled.predict_proba(np.stack(inputs))
    accuracy = (probs.argmax(axis=1) == mnist_data.test_labels[:n]).mean()
    assert accuracy >= 0.98


def test_blank_canvas_never_gets_a_prediction():
    assert to_model_input(np.zeros((280, 280), np.uint8)) is None


@pytest.mark.slow
def test_bundled_model_reads_the_styles_mnist_lacks(bundled, mnist_data):
    """The styled test digits (MNIST test strokes re-written as a flagged 1, a
    crossed 7, ...): >= 95 % pooled and >= 85 % in every style (the model
    trained without them: 88.7 % pooled, 40.7 % on the flagged 1)."""
    sets = style_check.build_style_test(mnist_data.test_images, mnist_data.test_labels,
                                        n_plain=0, n_style=100, writers=0)
    table = style_check.accuracy_table({"bundled": bundled}, sets)
    assert table[style_check.ALL_STYLES]["bundled"] >= 0.95
    assert min(row["bundled"] for name, row in table.items()
               if name not in (style_check.PLAIN, style_check.WRITERS,
                               style_check.ALL_STYLES)) >= 0.85

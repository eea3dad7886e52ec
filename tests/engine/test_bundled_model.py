"""The pretrained model shipped in assets/: accuracy, size, speed of its files,
and that drawings preprocessed like MNIST are classified as well as MNIST."""
from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.data.preprocess import to_model_input
from engine.training.evaluate import evaluate


@pytest.fixture(scope="module")
def bundled():
    return engine.load_model()


def test_bundled_model_exists_is_small_and_documents_its_training(bundled):
    path = engine.bundled_model_path()
    assert path.is_file() and path.stat().st_size < 2 * 2**20
    assert bundled.metadata["command"].startswith("python -m engine train")
    assert bundled.metadata["training"]["augment"] is True


@pytest.mark.slow
def test_bundled_model_reaches_99_3_percent_on_the_mnist_test_set(bundled, mnist_data):
    result = evaluate(bundled, mnist_data.test_images, mnist_data.test_labels)
    assert result.accuracy >= 0.993
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

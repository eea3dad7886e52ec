"""engine.training.evaluate: the chunked, multi-threaded, interruptible
evaluation and the :class:`EvalResult` behind the evaluation view.

* :class:`Evaluator` on 1 or 2 threads, with or without a checkpoint (which
  changes the chunk sizes), gives the probabilities of one plain
  ``model.predict_proba`` over the images; accuracy, loss, per-class accuracy
  and the confusion matrix agree with them;
* a checkpoint raising :class:`EvaluationStopped` abandons the run before the
  next chunk; a blocking checkpoint holds it; ``close`` ends its threads;
* ``EvalResult.indices`` / ``worst_mistakes`` equal an independent loop.
"""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from engine.data.dataset import images_to_input
from engine.nn import presets
from engine.nn.model import Model
from engine.training.evaluate import (EvalResult, EvaluationStopped, Evaluator, evaluate,
                                      result_from_probabilities)

N = 700   # more than one 500-image chunk


@pytest.fixture(scope="module")
def model():
    return presets.build("tiny", np.random.default_rng(11))


@pytest.fixture(scope="module")
def data():
    """``(images (N, 28, 28) uint8, labels (N,))`` drawn from ``default_rng(12)``."""
    rng = np.random.default_rng(12)
    return rng.integers(0, 256, (N, 28, 28), dtype=np.uint8), rng.integers(0, 10, N)


@pytest.fixture(scope="module")
def reference(model, data):
    """One plain ``predict_proba`` over all images."""
    return model.predict_proba(images_to_input(data[0]))


def eval_threads() -> set[threading.Thread]:
    """The evaluator helper threads alive now (any evaluator's)."""
    return {t for t in threading.enumerate() if t.name.startswith("engine-eval")}


def check_consistent(result: EvalResult, probs: np.ndarray, labels: np.ndarray) -> None:
    """Every figure of ``result`` follows from ``probs`` and ``labels`` (loops)."""
    pred = probs.argmax(axis=1)
    confusion = np.zeros((10, 10), np.int64)
    for t, p in zip(labels, pred):
        confusion[t, p] += 1
    np.testing.assert_array_equal(result.confusion, confusion)
    assert result.accuracy == pytest.approx(np.trace(confusion) / len(labels), abs=1e-12)
    for k in range(10):
        assert result.per_class_accuracy[k] == pytest.approx(confusion[k, k] / max(1, confusion[k].sum()))
    loss = np.mean([-np.log(max(probs[i, t], 1e-12)) for i, t in enumerate(labels)])
    assert result.loss == pytest.approx(loss, rel=1e-5)
    np.testing.assert_array_equal(result.predictions, pred)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("with_checkpoint", [False, True], ids=["plain", "checkpoint"])
def test_evaluator_equals_one_plain_prediction(model, data, reference, threads, with_checkpoint):
    images, labels = data
    calls = []
    with Evaluator(model, threads) as evaluator:
        checkpoint = (lambda: calls.append(1)) if with_checkpoint else None
        result = evaluator.run(images, labels, checkpoint)
        again = evaluator.run(images_to_input(images), labels)   # float input, reused threads
    assert result.probabilities.shape == (N, 10) and result.probabilities.dtype == np.float32
    np.testing.assert_allclose(result.probabilities, reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(again.probabilities, reference, rtol=1e-5, atol=1e-6)
    check_consistent(result, reference, labels)
    assert (len(calls) > 2) == with_checkpoint     # small first chunks: several checkpoints


def test_evaluate_function_and_summary(model, data, reference):
    images, labels = data
    before = eval_threads()
    result = evaluate(model, images, labels, threads=2)
    np.testing.assert_allclose(result.probabilities, reference, rtol=1e-5, atol=1e-6)
    summary = json.loads(json.dumps(result.summary()))
    assert summary["count"] == N and summary["accuracy"] == result.accuracy
    assert np.array_equal(summary["confusion"], result.confusion)
    assert eval_threads() <= before                    # evaluate() closes its evaluator


def test_evaluate_of_no_images(model):
    result = evaluate(model, np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64))
    assert result.probabilities.shape == (0, 10) and result.confusion.shape == (10, 10)
    assert result.confusion.sum() == 0 and np.isnan(result.per_class_accuracy).all()  # no image
    assert np.isnan(result.accuracy) and np.isnan(result.loss)
    assert len(result.indices(3, 3)) == 0 and len(result.worst_mistakes()) == 0
    assert result.summary()["count"] == 0
    with Evaluator(model, 2) as evaluator:    # the evaluator itself copes too
        assert evaluator.run(np.zeros((0, 28, 28), np.uint8), [], lambda: None).confusion.sum() == 0


def test_stop_abandons_before_the_next_chunk(model, data, monkeypatch):
    """Once a chunk has been computed the checkpoint raises: exactly one chunk
    ran, the exception reaches the caller, and the evaluator still works."""
    images, labels = data
    chunks = []
    predict = model.predict_proba
    monkeypatch.setattr(model, "predict_proba", lambda x: (chunks.append(len(x)), predict(x))[1])
    calls = []

    def checkpoint():
        calls.append(len(chunks))
        if chunks:
            raise EvaluationStopped

    with Evaluator(model, 1) as evaluator:
        with pytest.raises(EvaluationStopped):
            evaluator.run(images, labels, checkpoint)
        assert len(chunks) == 1 and calls == [0, 1]
        monkeypatch.undo()
        assert evaluator.run(images[:50], labels[:50]).confusion.sum() == 50


def test_stop_with_two_threads_waits_for_the_running_chunks(model, data, reference, monkeypatch):
    """Stopped at the third checkpoint on two threads: the run raises there,
    every chunk a helper thread started has finished, and a new run gives the
    full result."""
    images, labels = data
    started, finished = [], []
    predict = Model.predict_proba

    def counted(self, x):
        if threading.current_thread().name.startswith("engine-eval"):
            started.append(len(x))
        out = predict(self, x)
        if threading.current_thread().name.startswith("engine-eval"):
            finished.append(len(x))
        return out

    monkeypatch.setattr(Model, "predict_proba", counted)
    calls = []

    def checkpoint():
        calls.append(1)
        if len(calls) == 3:
            raise EvaluationStopped

    with Evaluator(model, 2) as evaluator:
        with pytest.raises(EvaluationStopped):
            evaluator.run(images, labels, checkpoint)
        assert len(calls) == 3
        assert len(started) == 2 and finished == started     # one helper chunk a round, all done
        monkeypatch.undo()
        result = evaluator.run(images, labels)
    np.testing.assert_allclose(result.probabilities, reference, rtol=1e-5, atol=1e-6)


def test_blocking_checkpoint_holds_the_evaluation(model, data, reference):
    """A checkpoint that blocks (a paused run) holds the evaluation at that
    checkpoint: no further checkpoint, no result, until it returns."""
    images, labels = data
    calls, blocked, release = [], threading.Event(), threading.Event()

    def checkpoint():
        calls.append(1)
        if len(calls) == 2:
            blocked.set()
            assert release.wait(10)

    results = []
    with Evaluator(model, 2) as evaluator:
        worker = threading.Thread(target=lambda: results.append(evaluator.run(images, labels, checkpoint)))
        worker.start()
        try:
            assert blocked.wait(30)
            worker.join(0.3)
            assert worker.is_alive() and len(calls) == 2 and not results
        finally:
            release.set()
            worker.join(30)
    assert not worker.is_alive() and len(calls) > 2
    np.testing.assert_allclose(results[0].probabilities, reference, rtol=1e-5, atol=1e-6)


def test_close_ends_the_helper_threads(model, data):
    images, labels = data
    before = eval_threads()
    evaluator = Evaluator(model, 3)
    evaluator.run(images, labels)
    mine = eval_threads() - before
    assert mine, "the helper threads should exist while the evaluator is open"
    evaluator.close()
    assert not any(t.is_alive() for t in mine) and eval_threads() <= before
    evaluator.close()                                  # twice is harmless
    with Evaluator(model, 1) as single:
        single.run(images[:10], labels[:10])
        assert eval_threads() <= before                # one thread: no pool at all


def test_indices_and_worst_mistakes_match_a_loop():
    rng = np.random.default_rng(13)
    n = 400
    probs = rng.dirichlet(np.full(10, 0.3), n).astype(np.float32)
    probs[:20] = probs[20:40]                          # equal confidences: order by index
    labels = rng.integers(0, 10, n)
    result = result_from_probabilities(probs, labels)
    pred = probs.argmax(axis=1)
    check_consistent(result, probs, labels)
    for true_label in range(10):
        for predicted in range(10):
            want = sorted((i for i in range(n) if labels[i] == true_label and pred[i] == predicted),
                          key=lambda i: (-probs[i, predicted], i))
            assert result.indices(true_label, predicted).tolist() == want
    wrong = sorted((i for i in range(n) if pred[i] != labels[i]), key=lambda i: (-probs[i].max(), i))
    assert len(wrong) > 32
    assert result.worst_mistakes().tolist() == wrong[:32]
    assert result.worst_mistakes(5).tolist() == wrong[:5]
    assert result.worst_mistakes(10**6).tolist() == wrong

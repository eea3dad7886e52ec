"""Views that assumed ten classes: every class count the app accepts (2 to
100) works in every view, or is refused with a message.

* the prediction's top class fits its box, the bar labels never overlap;
* the Activations tab's logits and probabilities panels label their slots
  without overlap;
* evaluation: a model with fewer than 10 classes is refused with a message (so
  is training it); with more, the confusion matrix is k x k, shows its counts
  only while they are legible (at most 20 classes: never thousands of text
  items), and classes without test images have no accuracy (not 0 %);
* training a model with more than 10 classes from its own weights runs;
* 1 and 101 classes are refused when the file is opened.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QFontMetricsF

from engine import Model, ModelFileError, load_model
from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from gui.training.evaluation_view import MAX_COUNTED_CLASSES
from gui.widgets.bars import SlotAxis

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]

COUNTS = [2, 3, 11, 26, 47, 100]


def model_with(k: int) -> Model:
    cfg = presets.build("tiny", np.random.default_rng(0)).config()
    cfg["layers"][-1]["out_features"] = k
    return Model.from_config(cfg, np.random.default_rng(1))


@pytest.fixture
def small_data(mnist_data):
    return Dataset(mnist_data.train_images[:2000], mnist_data.train_labels[:2000],
                   mnist_data.test_images[:500], mnist_data.test_labels[:500])


def assert_slot_labels_fit(axis: SlotAxis, k: int) -> None:
    """The labels the axis draws at its current length are at least their width
    (side by side) or their ink and a gap (stacked) apart."""
    assert isinstance(axis, SlotAxis) and axis.k == k
    lo, hi = sorted(axis.range)          # an inverted view gives it reversed
    length = axis.width() if axis.orientation in ("top", "bottom") else axis.height()
    levels = axis.tickValues(lo, hi, length)
    assert levels, "no labels at all"
    step, values = levels[0]
    assert values[0] == axis.offset and len(values) == len(range(0, k, int(step)))
    metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
    strings = axis.tickStrings(values, 1, step)
    needed = max(metrics.tightBoundingRect(s).height() for s in strings) + 2 \
        if axis.orientation in ("left", "right") else \
        max(metrics.horizontalAdvance(s) for s in strings)      # (stacked: their ink apart)
    assert step * length / (hi - lo) >= needed


@pytest.mark.parametrize("k", COUNTS)
def test_every_view_works_for_k_classes(k, make_window, qtbot, small_data):
    window = make_window(model_with(k), size=(1100, 700))
    window.training_panel.set_data(small_data)
    window.draw_example(8)
    qtbot.waitUntil(lambda: window.prediction_view.probabilities() is not None, timeout=5000)
    qtbot.waitUntil(lambda: not window.refresh_pending, timeout=5000)
    probs = window.prediction_view.probabilities()
    assert probs is not None and probs.shape == (k,)
    big = window.prediction_view.digit_label
    assert big.text() == str(int(np.argmax(probs)))
    assert QFontMetricsF(big.font()).horizontalAdvance(big.text()) <= big.width()
    assert_slot_labels_fit(window.prediction_view.plot.getPlotItem().getAxis("bottom"), k)
    window.tabs.setCurrentWidget(window.activations_view)
    qtbot.wait(50)
    for name in ("fc1", "softmax"):
        panel = window.activations_view.panels.get(name)
        if panel is not None and hasattr(panel, "plot"):
            assert_slot_labels_fit(panel.plot.getPlotItem().getAxis("bottom"), k)

    panel = window.training_panel
    view = panel.evaluation_view
    window.tabs.setCurrentWidget(panel)
    panel.evaluate_current_model()
    if k < 10:
        qtbot.waitUntil(lambda: "failed" in view.summary_label.text(), timeout=30_000)
        assert f"has {k} classes" in view.summary_label.text() and view.result is None
        panel.settings.set_config(TrainConfig(epochs=1, subset=200, eval_subset=100), fresh=False)
        assert not panel.start_training()
        assert "cannot be trained" in panel.run_box.status.text()
        return
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    qtbot.wait(50)
    assert view.result.confusion.shape == (k, k)
    assert view.confusion_image.image.shape == (k, k, 4)       # RGBA cells
    texts = [item for item in view.count_items if item.toPlainText()]
    assert len(view.count_items) <= MAX_COUNTED_CLASSES ** 2
    assert (len(texts) > 0) == (k <= MAX_COUNTED_CLASSES)
    item = view.confusion_plot.getPlotItem()
    for side in ("left", "bottom"):
        assert_slot_labels_fit(item.getAxis(side), k)
    per_class = view.result.per_class_accuracy
    assert np.isfinite(per_class[:10]).all() and np.isnan(per_class[10:]).all()
    assert "nan" not in view.summary_label.text().lower()


def test_a_model_with_more_classes_trains_from_its_own_weights(make_window, qtbot, small_data):
    window = make_window(model_with(26))
    panel = window.training_panel
    panel.set_data(small_data)
    panel.settings.set_config(TrainConfig(epochs=1, batch_size=32, subset=200, eval_subset=100,
                                          augment=False), fresh=False)
    assert panel.start_training()
    qtbot.waitUntil(lambda: panel.trained_model is not None and not panel.is_training(),
                    timeout=60_000)
    assert panel.trained_model.num_classes == 26


@pytest.mark.parametrize("k", [1, 101, 784])
def test_class_counts_the_views_cannot_serve_are_refused_at_load(tmp_path, k):
    path = tmp_path / f"{k}.npz"
    model_with(k).save(path)
    with pytest.raises(ModelFileError, match="class"):
        load_model(path)

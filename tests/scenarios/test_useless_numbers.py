"""Numbers that are finite but useless: weights that overflow, NaN that
appears while the app runs, accuracies that are not fractions.

* at load, a probe forward pass refuses weights whose outputs are not finite
  (1e37 passes a finiteness check of the weights themselves);
* at prediction time, a model whose output is not a number (weights changed
  in memory, e.g. a diverging run) gives a message instead of a prediction,
  and every view keeps working (no "Cannot set range [nan, nan]");
* an evaluation refuses to turn NaN outputs into an accuracy; the command
  line exits non-zero and prints strict JSON;
* a recorded accuracy that is not a fraction in [0, 1] reads as unknown.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from engine import ModelFileError, load_model
from engine.nn import presets
from engine.nn.metadata import ModelCard
from engine.system.command_line import strict_json
from engine.training.evaluate import NonFiniteOutputError, evaluate, result_from_probabilities
from gui.state.model_info import ModelInfo
from tests.support.code_rules import REPO_ROOT

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]

#: (parameter, value): finite weights whose outputs are not (refused at load).
OVERFLOWING = [("fc1.W", 1e37), ("conv1.b", 3e38), ("fc1.W", -3e38), ("conv2.K", 3e38),
               ("conv1.K", 3e38)]


def tiny_with(key: str, value: float):
    model = presets.build("tiny", np.random.default_rng(0))
    model.named_params()[key][...] = np.float32(value)
    return model


@pytest.mark.parametrize("key, value", OVERFLOWING)
def test_finite_weights_that_overflow_are_refused_at_load(tmp_path, key, value):
    path = tmp_path / "overflow.npz"
    tiny_with(key, value).save(path)
    with pytest.raises(ModelFileError, match="not finite"):
        load_model(path)


def test_the_command_line_refuses_an_overflowing_model_in_one_line(tmp_path):
    path = tmp_path / "overflow.npz"
    tiny_with("fc1.W", 1e37).save(path)
    proc = subprocess.run([sys.executable, "-m", "engine", "evaluate", "--model", str(path),
                           "--json", "--no-download", "--data-dir", str(tmp_path)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "not finite" in proc.stderr


#: weights set in memory, as a diverging run leaves them
IN_MEMORY = [("conv2.K", np.nan), ("fc1.b", np.inf), ("conv1.b", np.inf), ("fc1.W", np.nan),
             ("conv1.K", 3e38)]


@pytest.mark.parametrize("key, value", IN_MEMORY)
def test_an_output_that_is_not_a_number_is_a_message_and_the_views_keep_working(
        make_window, qtbot, key, value):
    model = presets.build("tiny", np.random.default_rng(0))
    window = make_window(model)
    model.named_params()[key][...] = np.float32(value)
    window.draw_example(4)
    placeholder = window.prediction_view.placeholder
    qtbot.waitUntil(lambda: "not a number" in placeholder.text(), timeout=5000)
    assert placeholder.isVisible() and window.current_probabilities() is None
    for i in range(window.tabs.count()):          # every view draws (an exception fails the test)
        window.tabs.setCurrentIndex(i)
        qtbot.wait(30)
    arrays = window.activations_view.panel_arrays()
    assert all(a is None or np.isfinite(a).all() for a in arrays.values())
    assert arrays["conv1"] is not None or key.startswith("conv1")   # what is finite is shown
    window.draw_example(7)                          # and keeps answering
    qtbot.wait(50)
    assert "not a number" in placeholder.text()
    model.named_params()[key][...] = 0.0            # weights repaired: predictions come back
    window.draw_example(1)
    qtbot.waitUntil(lambda: window.current_probabilities() is not None, timeout=5000)
    assert not placeholder.isVisible()


def test_an_evaluation_never_turns_nan_into_an_accuracy(make_window, qtbot, mnist_data):
    model = tiny_with("fc1.b", np.nan)
    images, labels = mnist_data.test_images[:500], mnist_data.test_labels[:500]
    with pytest.raises(NonFiniteOutputError, match="500 of 500"):
        evaluate(model, images, labels)
    probs = np.full((3, 10), 0.1, np.float32)
    probs[1, 2] = np.inf
    with pytest.raises(NonFiniteOutputError, match="1 of 3"):
        result_from_probabilities(probs, np.array([0, 1, 2]))
    window = make_window(presets.build("tiny", np.random.default_rng(0)))
    view = window.training_panel.evaluation_view
    view.evaluate(model, images, labels, title="diverged")
    qtbot.waitUntil(lambda: "failed" in view.summary_label.text(), timeout=20_000)
    assert "not finite" in view.summary_label.text() and view.result is None


@pytest.mark.parametrize("value", [1e308, float("nan"), float("inf"), -0.1, 1.5, "99 %", True,
                                   [0.9], 10**400, -10**400])
def test_a_recorded_accuracy_that_is_not_a_fraction_reads_as_unknown(make_window, tmp_path, value):
    model = presets.build("tiny", np.random.default_rng(0))
    model.metadata["test_accuracy"] = value
    info = ModelInfo.of(model)
    assert info.test_accuracy is None
    assert "unknown" in info.status_text() and "inf" not in info.status_text().lower()
    window = make_window(model)
    texts = [window.model_status.text(), window.model_status.shown_text()]
    assert all("test accuracy unknown" in t for t in texts) and not any("inf%" in t for t in texts)
    if isinstance(value, float) and value != value:
        return          # NaN cannot be written as JSON: saving is refused, tested elsewhere
    path = tmp_path / "m.npz"
    try:
        model.save(path)
    except ValueError:
        return
    assert ModelInfo.of(load_model(path)).test_accuracy is None


def test_counts_too_large_to_mean_anything_read_as_unknown():
    model = presets.build("tiny", np.random.default_rng(0))
    model.metadata.update(epochs=10**400, steps=-1)
    card = ModelCard.read(model.metadata)
    assert card.epochs is None and card.steps is None


def test_strict_json_has_no_nan_or_infinity():
    text = strict_json({"accuracy": float("nan"), "loss": float("inf"), "per": [1.0, -float("inf")]})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard {c}")) == \
        {"accuracy": None, "loss": None, "per": [1.0, None]}

"""The run box's closing line: a run stopped mid-epoch says which epoch its
test accuracy is from (the trained model's own, measured on the whole test
set, is the line under it)."""
from __future__ import annotations

from engine.training.reports import FinishedReport
from gui.training.run_messages import finished_text


def _report(reason: str, steps: int, epochs: int, accuracy: float | None) -> FinishedReport:
    return FinishedReport(reason, "", steps, epochs, accuracy, 3.0)


def test_a_run_stopped_mid_epoch_names_the_epoch_of_its_accuracy():
    text = finished_text(_report("stopped", 74, 1, 0.8567), steps_per_epoch=50)
    assert text.startswith("Stopped after 74 steps (1.5 epochs")
    assert text.endswith("· test accuracy 85.67% after epoch 1.")


def test_a_run_that_ends_with_an_epoch_needs_no_such_words():
    assert finished_text(_report("completed", 100, 2, 0.9512), 50).endswith(
        "· test accuracy 95.12%.")
    assert finished_text(_report("stopped", 50, 1, 0.9), 50).endswith("· test accuracy 90.00%.")
    assert "test accuracy" not in finished_text(_report("stopped", 20, 0, None), 50)

"""The step runner alone: a step computed on a copy is applied only if the
shown model's weights did not change meanwhile, and the undo stack is bounded."""
from __future__ import annotations

import numpy as np

from gui.backprop import step_runner
from gui.backprop.step_runner import StepRequest, StepRunner


def _request(label=1, lr=0.05, momentum=0.0) -> StepRequest:
    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = 1.0
    return StepRequest(image, label, lr, momentum)


def test_a_step_is_dropped_when_the_weights_change_while_it_is_computed(qtbot, tiny_model):
    runner = StepRunner()
    problems = []
    runner.sigProblem.connect(problems.append)
    assert runner.step(tiny_model, _request())
    assert runner.busy and not runner.step(tiny_model, _request())   # one at a time
    for array in tiny_model.named_params().values():
        array += 0.5                        # before the result reaches the GUI thread
    changed = {k: v.copy() for k, v in tiny_model.named_params().items()}
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert not runner.steps and problems and "not applied" in problems[0]
    assert all(np.array_equal(v, changed[k]) for k, v in tiny_model.named_params().items())


def test_the_undo_stack_keeps_the_newest_steps(qtbot, tiny_model, monkeypatch):
    monkeypatch.setattr(step_runner, "MAX_UNDO", 2)
    runner = StepRunner()
    original = {k: v.copy() for k, v in tiny_model.named_params().items()}
    for _ in range(3):
        with qtbot.waitSignal(runner.sigStepped, timeout=10_000):
            runner.step(tiny_model, _request(lr=0.01))
    assert len(runner.steps) == 2
    assert runner.undo(tiny_model) and runner.undo(tiny_model) and not runner.steps
    after_first = tiny_model.named_params()
    assert any(not np.array_equal(after_first[k], original[k]) for k in original)
    assert not runner.undo(tiny_model)

"""AppState's visited model: a moment of a run the time machine went back to
is shown instead of the present until the user leaves it; the status bar
names it and claims no test accuracy; opening, adopting or starting a run
ends the visit."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.metadata import record_test_accuracy
from gui.state.app_state import AppState


@pytest.fixture
def models():
    a = presets.build("tiny", np.random.default_rng(1))
    record_test_accuracy(a.metadata, 0.91)
    b = presets.build("tiny", np.random.default_rng(2))
    return a, b


def _events(state):
    seen = []
    state.sigModelChanged.connect(lambda m: seen.append(("model", m)))
    state.sigWeightsChanged.connect(lambda: seen.append(("weights", None)))
    state.sigInfoChanged.connect(lambda i: seen.append(("info", i)))
    return seen


def test_a_visit_is_shown_named_and_claims_no_accuracy_then_leaving_returns(qtbot, models):
    current, moment = models
    state = AppState(current)
    seen = _events(state)
    state.visit(moment, "checkpoint: step 20 of a tiny run")
    assert state.shown_model is moment and state.visited_model is moment
    assert seen[0] == ("model", moment)
    assert "checkpoint: step 20" in state.info.status_text()
    assert state.info.test_accuracy is None
    seen.clear()
    state.leave_visit()
    assert state.shown_model is current and state.visited_model is None
    assert seen[0] == ("model", current)
    assert state.info.test_accuracy == pytest.approx(0.91)


def test_revisiting_the_same_model_after_its_weights_changed_only_says_weights(qtbot, models):
    current, moment = models
    state = AppState(current)
    state.visit(moment, "step 10")
    seen = _events(state)
    moment.set_weights({k: v * 0.5 for k, v in moment.get_weights().items()})
    state.visit(moment, "step 20")
    assert [k for k, _ in seen] == ["weights", "info"]
    assert "step 20" in state.info.status_text()


def test_opening_adopting_or_training_ends_a_visit(qtbot, models):
    current, moment = models
    state = AppState(current)
    other = presets.build("tiny", np.random.default_rng(3))
    state.visit(moment, "x")
    state.open_model(other)
    assert state.visited_model is None and state.shown_model is other
    state.visit(moment, "x")
    state.adopt(current, "personalised")
    assert state.visited_model is None and state.shown_model is current
    state.visit(moment, "x")
    live = current.clone()
    state.begin_training(live)
    assert state.visited_model is None and state.shown_model is live


def test_during_a_run_a_visit_hides_live_snapshots_until_left(qtbot, models):
    current, moment = models
    state = AppState(current)
    live = current.clone()
    state.begin_training(live)
    state.visit(moment, "step 0")
    seen = _events(state)
    state.update_live_weights({k: v + 1 for k, v in current.get_weights().items()})
    assert seen == []                      # the live weights change unseen
    state.leave_visit()
    assert state.shown_model is live


def test_leaving_without_a_visit_does_nothing(qtbot, models):
    current, _ = models
    state = AppState(current)
    seen = _events(state)
    state.leave_visit()
    assert seen == [] and state.shown_model is current

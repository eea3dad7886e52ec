"""The application state: which model is current, which is live, which one the
views show, and the signals that tell them (napari's ViewerModel pattern)."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nn import presets
from engine.nn.layers import Dense, Flatten
from engine.nn.metadata import record_test_accuracy
from engine.nn.model import Model
from gui.state.app_state import LIVE_NOTE, AppState
from gui.state.prediction import IncompatibleModelError


class Spy:
    """Records every signal of an AppState, in order."""

    def __init__(self, state: AppState):
        self.events = []
        state.sigModelChanged.connect(lambda m: self.events.append(("model", m)))
        state.sigWeightsChanged.connect(lambda: self.events.append(("weights", None)))
        state.sigInfoChanged.connect(lambda i: self.events.append(("info", i)))

    def kinds(self):
        return [kind for kind, _ in self.events]


@pytest.fixture
def models():
    a = presets.build("tiny", np.random.default_rng(1))
    b = presets.build("bench", np.random.default_rng(2))
    record_test_accuracy(b.metadata, 0.987)
    return a, b


def test_open_model_shows_it_and_announces_model_and_info(qtbot, models):
    a, b = models
    state = AppState(a)
    spy = Spy(state)
    assert state.current_model is a and state.shown_model is a and not state.training
    state.open_model(b)
    assert state.current_model is b and state.shown_model is b
    assert spy.kinds() == ["model", "info"] and spy.events[0][1] is b
    assert state.info.test_accuracy == pytest.approx(0.987) and state.info.preset == "bench"
    spy.events.clear()
    state.open_model(b)                      # the same model again: nothing changed
    assert spy.kinds() == []


def test_a_model_that_cannot_read_drawings_is_refused_and_nothing_changes(models):
    a, _ = models
    state = AppState(a)
    wrong = Model([Flatten(), Dense(32 * 32, 10)], input_shape=(1, 32, 32))
    with pytest.raises(IncompatibleModelError):
        state.open_model(wrong)
    assert state.current_model is a
    with pytest.raises(IncompatibleModelError):
        AppState(wrong)


def test_training_shows_the_live_model_and_its_weights(qtbot, models):
    a, _ = models
    state = AppState(a)
    live = a.clone()
    spy = Spy(state)
    state.begin_training(live)
    assert state.training and state.shown_model is live and state.current_model is a
    assert spy.kinds() == ["model", "info"] and state.info.note == LIVE_NOTE
    spy.events.clear()
    weights = {k: v + 1 for k, v in live.get_weights().items()}
    state.update_live_weights(weights)
    assert spy.kinds() == ["weights"]
    assert all(np.array_equal(live.named_params()[k], v) for k, v in weights.items())
    assert not np.array_equal(a.named_params()["conv1.K"], live.named_params()["conv1.K"])
    state.set_live_accuracy(0.91)
    assert spy.kinds()[-1] == "info" and state.info.test_accuracy == pytest.approx(0.91)
    spy.events.clear()
    state.end_training()
    assert not state.training and state.shown_model is a
    assert spy.kinds() == ["model", "info"] and state.info.note == ""
    assert state.info.test_accuracy is None       # a's own accuracy, not the live one's
    state.end_training()                          # idempotent
    assert spy.kinds() == ["model", "info"]


def test_opening_a_model_while_training_stops_following_the_live_weights(qtbot, models):
    a, b = models
    state = AppState(a)
    live = a.clone()
    state.begin_training(live)
    state.open_model(b)
    assert state.shown_model is b and state.live_model is live and state.training
    spy = Spy(state)
    state.update_live_weights(live.get_weights())     # the run goes on unseen
    assert spy.kinds() == []
    state.end_training()
    assert state.shown_model is b and spy.kinds() == []  # nothing to show anew


def test_metadata_and_in_place_weight_changes_of_the_shown_model_are_announced(qtbot, models):
    a, b = models
    state = AppState(a)
    spy = Spy(state)
    state.weights_changed(b)                  # not shown: ignored
    state.metadata_changed(b)
    assert spy.kinds() == []
    state.weights_changed(a)
    record_test_accuracy(a.metadata, 0.5)
    state.metadata_changed(a)
    assert spy.kinds() == ["weights", "info"] and state.info.test_accuracy == 0.5


def test_a_finished_run_keeps_its_trained_model_in_use_with_a_way_back(qtbot, models):
    a, b = models
    state = AppState(a)
    state.begin_training(a.clone())
    spy = Spy(state)
    assert state.end_training(trained=b) is True
    assert state.current_model is b and state.shown_model is b and state.previous_model is a
    assert spy.kinds() == ["model", "info"] and state.info.test_accuracy == pytest.approx(0.987)
    assert state.go_back() is True
    assert state.current_model is a and state.previous_model is None
    assert state.go_back() is False                  # only one step back


def test_a_run_the_user_stopped_following_does_not_replace_their_model(qtbot, models):
    a, b = models
    c = a.clone()
    state = AppState(a)
    state.begin_training(a.clone())
    state.open_model(c)                              # the user opened another model meanwhile
    assert state.end_training(trained=b) is False
    assert state.current_model is c and state.previous_model is None
    state.begin_training(c.clone())
    state.end_training(trained=b)
    state.open_model(a)                              # opening a model forgets the way back
    assert state.previous_model is None and state.go_back() is False

"""Adopting a model derived from the current one (fine-tuned on the user's
handwriting): it becomes current with a note, Go back restores the old one."""
from __future__ import annotations

import numpy as np

from engine.nn import presets
from gui.state.app_state import AppState


def test_adopt_keeps_the_previous_model_and_notes_what_was_done(qtbot):
    a = presets.build("tiny", np.random.default_rng(1))
    b = presets.build("tiny", np.random.default_rng(2))
    state = AppState(a)
    changed = []
    state.sigModelChanged.connect(changed.append)
    state.adopt(b, "personalised with 53 samples of my handwriting")
    assert state.current_model is b and state.previous_model is a and changed == [b]
    assert "personalised with 53 samples" in state.info.status_text()
    assert state.go_back() and state.current_model is a and state.note == ""
    assert "personalised" not in state.info.status_text()
    state.adopt(b, "personalised")
    state.open_model(a)                       # opening another model forgets the note
    assert state.note == "" and state.previous_model is None

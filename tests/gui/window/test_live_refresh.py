"""What keeps the window cheap while training: live-weight refreshes spread
over event-loop turns, a drawing wins over a stale refresh, hidden tabs are
re-read only when shown."""
from __future__ import annotations

import numpy as np

from engine.nn.layers import Conv2D
from gui.inspect.activations_view import OUTPUT_PANEL
from gui.tools.mouse import draw_digit


def _shown_confidence(window) -> str:
    return window.prediction_view.confidence_label.text()


def _perturb(model, rng):
    for layer in model.layers:
        for value in layer.params.values():
            value += rng.normal(0, 0.5, value.shape).astype(value.dtype)


def test_live_weights_refresh_every_view_over_several_turns(window, qtbot):
    window.tabs.setCurrentWidget(window.activations_view)
    draw_digit(window.canvas, 3)
    before = window.current_result()
    _perturb(window.model, np.random.default_rng(0))
    updated = []
    window.sigPanelsUpdated.connect(updated.append)
    window.state.weights_changed(window.model)
    result = window.controller.last_result     # the model ran at once...
    assert not np.allclose(result.probabilities, before.probabilities)
    assert updated == []                       # ...the views follow, turn by turn
    qtbot.waitUntil(lambda: updated == [result], timeout=5000)
    qtbot.waitUntil(lambda: not window.refresh_pending, timeout=5000)
    arrays = window.activations_view.panel_arrays()
    for name, act in result.activations.items():
        assert np.array_equal(arrays[name], act)
    assert np.allclose(arrays[OUTPUT_PANEL], result.probabilities)
    assert _shown_confidence(window) == f"{result.probabilities.max():.1%}"
    inspector = window.activations_view.inspector       # its kernel was re-read too
    assert inspector.layer is not None
    _, kernel, _ = window.model.kernel_behind(inspector.layer, inspector.channel)
    assert np.array_equal(inspector.kernel, kernel)


def test_a_drawing_during_a_spread_refresh_wins(window, qtbot):
    draw_digit(window.canvas, 3)
    _perturb(window.model, np.random.default_rng(1))
    window.state.weights_changed(window.model)
    assert window.refresh_pending
    draw_digit(window.canvas, 7)                       # a synchronous update
    newest = window.current_result()
    assert not window.refresh_pending                     # the stale refresh was dropped
    qtbot.wait(50)
    assert _shown_confidence(window) == f"{newest.probabilities.max():.1%}"
    assert window.prediction_view.digit_label.text() == str(newest.top_class)


def test_hidden_kernel_tab_is_reread_when_shown(window, qtbot):
    conv = next(layer for layer in window.model.layers if isinstance(layer, Conv2D))
    panel = window.kernel_view.panels[conv.name]
    old = panel.weights.copy()
    _perturb(window.model, np.random.default_rng(2))
    window.state.weights_changed(window.model)
    qtbot.waitUntil(lambda: not window.refresh_pending, timeout=5000)
    assert np.array_equal(panel.weights, old)          # hidden: not re-tiled
    window.tabs.setCurrentWidget(window.kernel_view)
    assert np.array_equal(panel.weights, conv.params["K"])



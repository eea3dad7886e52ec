"""What a unit wants, in the inspector: clicking a map (with the mouse) shows
its picture once computed off the GUI thread, with progress on the way; a
second click is served from the cache; the latest request wins and never
queues up; pictures of a model that is no longer shown, or of weights that
changed, are never shown."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from engine.explain import visualize_unit
from engine.nn import presets
from gui.explain.unit_wants import UnitWants, no_wants_reason
from gui.tools.mouse import draw_digit, image_point


def click_map(qtbot, window, layer: str, index: int) -> None:
    panel = window.activations_view.panels[layer]
    y, x = panel.tiles.origin(index)
    pos = image_point(panel.view, y + panel.shape[1] / 2, x + panel.shape[2] / 2)
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pos)


def wants_of(window):
    return window.why.inspect.wants


def test_click_a_map_shows_what_it_wants_then_serves_it_from_the_cache(window, qtbot):
    draw_digit(window.canvas, 3)
    window.current_probabilities()
    inspector = window.activations_view.inspector
    wants = wants_of(window)
    click_map(qtbot, window, "relu2", 5)
    qtbot.waitUntil(lambda: inspector.selection == ("relu2", 5))
    qtbot.waitUntil(lambda: inspector.wants.image is not None, timeout=10000)
    first = inspector.wants.image.copy()
    assert first.shape == (28, 28) and 0 <= first.min() and first.max() <= 1
    assert np.allclose(first, visualize_unit(window.model, "relu2", 5, steps=wants.steps))
    click_map(qtbot, window, "conv1", 2)                  # another map: a new job
    qtbot.waitUntil(lambda: inspector.selection == ("conv1", 2))
    qtbot.waitUntil(lambda: inspector.wants.image is not None, timeout=10000)
    jobs = wants.jobs_started
    click_map(qtbot, window, "relu2", 5)                  # the first again: the cache
    qtbot.waitUntil(lambda: inspector.selection == ("relu2", 5))
    assert inspector.wants.image is not None and np.array_equal(inspector.wants.image, first)
    qtbot.waitUntil(lambda: not wants.busy)    # (the conv1 job's thread may still be ending)
    assert wants.jobs_started == jobs


def test_progress_reaches_the_inspector_while_it_runs(window, qtbot):
    inspector = window.activations_view.inspector
    wants = wants_of(window)
    qtbot.waitUntil(lambda: not wants.busy, timeout=10000)
    seen = []
    wants.sigProgress.connect(lambda layer, index, step, steps: seen.append((step, steps)))
    shown = []
    inspector.wants.bar.valueChanged.connect(shown.append)
    window.activations_view.select_map("pool2", 7)
    qtbot.waitUntil(lambda: inspector.wants.image is not None, timeout=10000)
    assert seen and seen[-1] == (wants.steps, wants.steps)
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)
    assert shown and max(shown) > 0                      # the bar moved
    assert not inspector.wants.bar.isVisible()            # and went when it was done


def test_latest_wins_and_never_queues(playground_model, qtbot):
    wants = UnitWants(steps=64)
    ready = []
    wants.sigReady.connect(lambda layer, index, image: ready.append((layer, index)))
    for channel in range(5):                              # five quick clicks
        wants.request(playground_model, "relu1", channel)
    assert wants.jobs_started == 1                        # one runs; one waits in the slot
    qtbot.waitUntil(lambda: bool(ready), timeout=10000)
    qtbot.waitUntil(lambda: not wants.busy, timeout=10000)
    assert ready == [("relu1", 4)]                        # only the latest is announced
    assert wants.jobs_started == 2
    assert wants.cached(playground_model, "relu1", 4) is not None


def test_a_result_for_a_model_no_longer_shown_is_dropped(window, qtbot):
    wants = wants_of(window)
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: not wants.busy, timeout=10000)
    old = window.model
    ready = []
    wants.sigReady.connect(lambda layer, index, image: ready.append((layer, index)))
    window.activations_view.select_map("relu2", 11)       # starts a job for the old model
    assert wants.busy
    other = presets.build("tiny", np.random.default_rng(4))
    window.set_model(other)                               # ... and the model changes
    qtbot.waitUntil(lambda: window.model is other)
    qtbot.waitUntil(lambda: inspector.wants.image is not None, timeout=10000)
    qtbot.waitUntil(lambda: not wants.busy, timeout=10000)
    assert ("relu2", 11) not in ready
    assert wants.cached(old, "relu2", 11) is None         # cancelled, never finished
    layer, index = inspector.selection
    assert np.array_equal(inspector.wants.image, wants.cached(other, layer, index))


def test_changed_weights_are_not_served_stale(playground_model, qtbot):
    wants = UnitWants(steps=32)
    wants.request(playground_model, "conv1", 0)
    qtbot.waitUntil(lambda: wants.cached(playground_model, "conv1", 0) is not None,
                    timeout=10000)
    before = wants.cached(playground_model, "conv1", 0)
    wants.request(playground_model, "conv1", 1)           # a job on the old weights ...
    playground_model.layers[0].params["K"] *= -1.0
    wants.invalidate(playground_model)                    # ... whose weights then change
    assert wants.cached(playground_model, "conv1", 0) is None
    qtbot.waitUntil(lambda: not wants.busy, timeout=10000)
    assert wants.cached(playground_model, "conv1", 1) is None    # computed on old weights
    assert not wants.request(playground_model, "conv1", 0)      # recomputed, not the cache
    qtbot.waitUntil(lambda: wants.cached(playground_model, "conv1", 0) is not None,
                    timeout=10000)
    assert not np.array_equal(wants.cached(playground_model, "conv1", 0), before)


@pytest.mark.parametrize("layer", ["flatten", "dropout1"])
def test_layers_without_a_picture_say_so(window, qtbot, layer):
    wants = wants_of(window)
    qtbot.waitUntil(lambda: not wants.busy, timeout=10000)
    draw_digit(window.canvas, 2)
    window.current_probabilities()
    qtbot.waitUntil(lambda: window.activations_view.panels[layer].array is not None)
    jobs = wants.jobs_started
    panel = window.activations_view.panels[layer]
    window.activations_view.scroll.ensureWidgetVisible(panel)
    pos = image_point(panel.view, 0.5, 3.5)
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pos)
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: inspector.selection == (layer, 3))
    assert inspector.wants.reason == no_wants_reason(window.model, layer)
    assert inspector.wants.reason.startswith(layer) and inspector.wants.image is None
    assert wants.jobs_started == jobs


def test_a_class_shows_what_it_looks_like_to_the_network(window, qtbot):
    panel = window.activations_view.panels["fc2"]
    vb = panel.plot.getPlotItem().vb
    pos = panel.plot.mapFromScene(vb.mapViewToScene(QPointF(7, vb.viewRect().center().y())))
    QTest.mouseClick(panel.plot.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pos)
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: inspector.selection == ("fc2", 7))
    assert inspector.title_label.text() == "fc2 · class 7"
    qtbot.waitUntil(lambda: inspector.wants.image is not None, timeout=10000)
    assert np.allclose(inspector.wants.image,
                       visualize_unit(window.model, "fc2", 7, steps=wants_of(window).steps))


def test_clicking_a_kernel_shows_what_its_map_wants(window, qtbot):
    window.tabs.setCurrentWidget(window.kernel_view)
    qtbot.waitExposed(window.kernel_view)
    qtbot.wait(20)
    panel = window.kernel_view.panels["conv1"]
    y, x = panel.tiles.origin(6)
    pos = image_point(panel.view, y + panel.label_rows + 2.5, x + 2.5)
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pos)
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: inspector.selection == ("conv1", 6))
    qtbot.waitUntil(lambda: inspector.wants.image is not None, timeout=10000)
    assert np.allclose(inspector.wants.image,
                       visualize_unit(window.model, "conv1", 6, steps=wants_of(window).steps))
    # a first-layer kernel sees 5x5 pixels: they are outlined on the picture,
    # shown zoomed in (the field and a margin, not a speck in a 28x28 square)
    assert inspector.wants.field == (12, 12, 17, 17)
    assert inspector.wants.caption.text() == "wants (zoom)"
    assert inspector.wants.view.item.image.shape == (9, 9)       # 5x5 and 2 px around


def test_trained_weights_refresh_the_picture(window, qtbot):
    inspector = window.activations_view.inspector
    wants = wants_of(window)
    window.activations_view.select_map("conv1", 1)
    qtbot.waitUntil(lambda: inspector.wants.image is not None, timeout=10000)
    before = inspector.wants.image.copy()
    window.model.layers[0].params["K"][:, 1] = np.rot90(window.model.layers[0].params["K"][:, 1],
                                                         axes=(1, 2))
    window.state.weights_changed(window.model)            # as a training step announces it
    assert wants.cached(window.model, "conv1", 1) is None
    qtbot.waitUntil(lambda: wants.cached(window.model, "conv1", 1) is not None, timeout=10000)
    qtbot.waitUntil(lambda: inspector.wants.image is not None and
                    not np.array_equal(inspector.wants.image, before), timeout=10000)
    assert np.array_equal(inspector.wants.image, wants.cached(window.model, "conv1", 1))

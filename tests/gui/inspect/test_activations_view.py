"""The activation panels: one per layer of whatever model is shown, each
holding that layer's output for the drawing; hover read-outs; the bars."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtTest import QTest

from engine.data.preprocess import to_model_input
from engine.nn import presets
from gui.inspect.activations_view import OUTPUT_PANEL
from gui.inspect.layer_panels import BarsPanel, FeatureMapPanel
from gui.tools.mouse import draw_digit, image_point


def _check_panels_follow(window, model):
    arrays = window.activations_view.panel_arrays()
    shapes = dict(model.layer_shapes())
    assert list(arrays) == [name for name, _ in model.layer_shapes()] + [OUTPUT_PANEL]
    x = to_model_input(window.canvas.to_array())
    _, acts = model.forward(x[None], keep_activations=True)
    for name, shape in shapes.items():
        assert arrays[name].shape == shape, name
        assert np.allclose(arrays[name], acts[name][0], atol=1e-6), name
    assert np.allclose(arrays[OUTPUT_PANEL], window.current_probabilities(), atol=1e-6)
    for name, panel in window.activations_view.panels.items():
        assert panel.toolTip(), f"{name} panel explains itself"
        if isinstance(panel, FeatureMapPanel):
            c, h, w = panel.shape
            assert panel.view.array.shape == panel.tiles.shape   # one tiled image
            assert panel.tiles.n == c and (panel.tiles.tile_h, panel.tiles.tile_w) == (h, w)


@pytest.mark.parametrize("preset", ["playground", "tiny"])
def test_activation_panels_hold_each_layers_output(make_window, preset):
    model = presets.build(preset, np.random.default_rng(3))
    window = make_window(model)
    draw_digit(window.canvas, 4)
    window.current_probabilities()
    _check_panels_follow(window, model)


def test_panels_follow_a_model_swap(window, tiny_model, qtbot):
    draw_digit(window.canvas, 2)
    window.current_probabilities()
    with qtbot.waitSignal(window.state.sigModelChanged):
        window.set_model(tiny_model)
    assert window.model is tiny_model
    window.current_probabilities()
    _check_panels_follow(window, tiny_model)
    assert set(window.kernel_view.panels) == {"conv1", "conv2"}
    assert window.kernel_view.panels["conv2"].weights.shape == (8, 16, 3, 3)



def test_hover_reads_out_the_value(window, qtbot):
    draw_digit(window.canvas, 3)
    window.current_probabilities()
    panel = window.activations_view.panels["conv1"]
    y, x = panel.tiles.origin(2)
    pos = image_point(panel.view, y + 10.5, x + 12.5)
    QTest.mouseMove(panel.view.viewport(), pos)
    qtbot.waitUntil(lambda: panel.readout.text().startswith("map 2"))
    text = panel.readout.text()                       # "map 2  [r, c] = value"
    r, c = (int(v) for v in text[text.index("[") + 1:text.index("]")].split(","))
    assert abs(r - 10) <= 1 and abs(c - 12) <= 1      # sub-pixel display scale
    value = window.current_result().activations["conv1"][2, r, c]
    assert text == f"map 2  [{r}, {c}] = {value:.3g}"


def test_bars_panels_show_logits_and_probabilities(window):
    draw_digit(window.canvas, 0)
    probs = window.current_probabilities()
    out = window.activations_view.panels[OUTPUT_PANEL]
    assert isinstance(out, BarsPanel) and np.allclose(out.bars.heights, probs)

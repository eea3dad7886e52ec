"""The activation panels: one per layer of whatever model is shown, each
holding that layer's output for the drawing; hover read-outs; the bars."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtTest import QTest

from engine.data.preprocess import to_model_input
from engine.nn import presets
from gui.inspect.activations_view import OUTPUT_PANEL
from gui.inspect.layer_panels import BarsPanel, FeatureMapPanel, VectorPanel
from gui.tools.mouse import draw_digit, image_point
from gui.widgets.colour_bar import scale_texts
from gui.widgets.tiles import positive_levels, symmetric_levels


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


def test_map_and_strip_panels_show_the_levels_they_are_coloured_with(window, qtbot):
    draw_digit(window.canvas, 5)
    window.current_probabilities()
    checked = 0
    for name, panel in window.activations_view.panels.items():
        if not isinstance(panel, (FeatureMapPanel, VectorPanel)):
            continue
        levels = symmetric_levels(panel.array) if panel.signed else positive_levels(panel.array)
        assert panel.colour_bar.texts() == scale_texts(levels), name
        checked += 1
    assert checked >= 9
    window.activations_view.set_normalise_each(True)
    conv1, relu1 = (window.activations_view.panels[n] for n in ("conv1", "relu1"))
    assert conv1.colour_bar.texts() == ("each map:", "\u2212max", "0", "+max")
    assert relu1.colour_bar.texts() == ("each map:", "0", "", "max")


def test_the_read_out_takes_the_colour_bars_place_while_hovering(window, qtbot):
    draw_digit(window.canvas, 3)
    window.current_probabilities()
    panel = window.activations_view.panels["relu1"]
    assert panel.colour_bar.isVisible() and not panel.readout.isVisible()
    y, x = panel.tiles.origin(1)
    QTest.mouseMove(panel.view.viewport(), image_point(panel.view, y + 14.5, x + 14.5))
    qtbot.waitUntil(lambda: panel.readout.isVisible() and panel.readout.text().startswith("map 1"))
    assert not panel.colour_bar.isVisible()
    QTest.mouseMove(window.canvas, window.canvas.rect().center())
    qtbot.waitUntil(lambda: panel.colour_bar.isVisible())


def test_shape_subtitles_fit_whole_at_the_smallest_window(make_window, playground_model, qtbot):
    window = make_window(playground_model, size=(980, 640))
    qtbot.wait(50)
    panels = window.activations_view.panels
    assert panels["conv1"].subtitle_label.text() == "32 maps · 28×28"
    assert panels["pool2"].subtitle_label.text() == "64 maps · 5×5"
    assert panels["fc1"].subtitle_label.text() == "128 units"
    for name, panel in panels.items():
        label = panel.subtitle_label
        shown = label.shown_text()
        assert shown and not shown.endswith("\u2026"), name           # a whole variant
        assert label.fontMetrics().horizontalAdvance(shown) <= label.width(), name
        if isinstance(panel, FeatureMapPanel):
            assert shown.startswith(f"{panel.shape[0]} maps"), name

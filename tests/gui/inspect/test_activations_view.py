"""The activation panels: one per layer of whatever model is shown, each
holding that layer's output for the drawing; hover read-outs; the bars; the
strip explaining the hovered (or inspected) layer."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import Model
from engine.data.preprocess import to_model_input
from engine.nn import presets
from gui.inspect.activations_view import INSPECTOR_ROOM, OUTPUT_NOTE, OUTPUT_PANEL
from gui.inspect.layer_notes import describe_layer
from gui.inspect.layer_panels import BarsPanel, FeatureMapPanel, VectorPanel
from gui.inspect.layer_strip import LayerNoteStrip
from gui.tools.mouse import draw_digit, image_point
from gui.widgets.colour_bar import scale_texts
from gui.widgets.plain_text import plain_tooltip
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


# ------------------------------------------------------------------ the explanation strip
def _hover(window, qtbot, key):
    """Move the mouse onto panel ``key``'s picture (scrolled into view first)."""
    view = window.activations_view
    panel = view.panels[key]
    view.scroll.ensureWidgetVisible(panel)
    qtbot.wait(10)
    target = panel.plot.viewport() if isinstance(panel, BarsPanel) else panel.view.viewport()
    QTest.mouseMove(target, target.rect().center())


def test_the_strip_explains_the_hovered_layer_then_the_inspected_one(window, qtbot):
    view, model = window.activations_view, window.model
    strip = view.note_strip
    names = [n for n, _ in model.layer_shapes()]
    draw_digit(window.canvas, 3)
    window.current_probabilities()
    relu1 = view.panels["relu1"]
    y, x = relu1.tiles.origin(5)
    QTest.mouseClick(relu1.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, image_point(relu1.view, y + 6.5, x + 6.5))
    qtbot.waitUntil(lambda: view.inspector.layer == "relu1" and strip.name() == "relu1")
    assert strip.text() == describe_layer(model, names.index("relu1"))
    assert strip.isVisible() and strip.shown_lines()[0].startswith("relu1 \u00b7 ReLU")
    height, panels_at = strip.height(), view.scroll.geometry()
    for key in ("pool2", "flatten", "fc1", OUTPUT_PANEL):
        _hover(window, qtbot, key)
        qtbot.waitUntil(lambda: strip.name() == view.note_name(key))
        expected = OUTPUT_NOTE if key == OUTPUT_PANEL else describe_layer(model, names.index(key))
        assert strip.text() == expected, key
        assert strip.height() == height and view.scroll.geometry() == panels_at   # no jump
    QTest.mouseMove(window.canvas, window.canvas.rect().center())
    qtbot.waitUntil(lambda: strip.name() == "relu1")
    assert strip.text() == describe_layer(model, names.index("relu1"))


@pytest.mark.parametrize("size", [(1240, 760), (1920, 1080)])
def test_every_explanation_fits_whole_in_the_strip(make_window, playground_model, qtbot, size):
    window = make_window(playground_model, size=size)
    qtbot.wait(20)
    view = window.activations_view
    strip = view.note_strip
    assert 2 <= strip.line_count() <= 8 and strip.width() == view.inspector.width()
    assert view.inspector.height() >= INSPECTOR_ROOM
    assert not view.scroll.verticalScrollBar().isVisible()     # the panels lose no room
    for key, text in view.notes.items():
        strip.set_note(view.note_name(key), text)
        lines = strip.shown_lines()
        assert not lines[-1].endswith("\u2026"), key
        assert "".join(lines).replace(" ", "") == strip.full_text().replace(" ", ""), key
        for line in lines:
            assert strip.fontMetrics().horizontalAdvance(line) <= strip.width(), key


def test_at_the_smallest_window_the_strip_keeps_two_lines_and_the_inspector_its_room(
        make_window, playground_model, qtbot):
    window = make_window(playground_model, size=(980, 640))
    qtbot.wait(20)
    view = window.activations_view
    strip = view.note_strip
    assert strip.line_count() == 2 and view.inspector.height() >= INSPECTOR_ROOM
    strip.set_note("conv1", view.notes["conv1"])
    assert len(strip.shown_lines()) == 2
    assert plain_tooltip(strip.full_text()) == strip.toolTip()     # the whole text


def test_a_long_explanation_is_cut_with_an_ellipsis_at_a_fixed_height(qtbot):
    strip = LayerNoteStrip(min_lines=2, max_lines=3)
    qtbot.addWidget(strip)
    strip.resize(220, strip.height())
    strip.show()
    strip.fit_notes([("conv1", "word " * 200)])
    height = strip.height()
    assert strip.line_count() == 3
    strip.set_note("conv1", "word " * 200)
    lines = strip.shown_lines()
    assert len(lines) == 3 and lines[-1].endswith("\u2026")
    assert strip.toolTip() and strip.height() == height
    strip.set_note("conv2", "short")
    assert strip.shown_lines() == ["conv2 \u00b7 short"] and strip.height() == height


@pytest.mark.parametrize("name", ["<img src=/dev/zero>", "<b>bold</b>", "x" * 3000])
def test_layer_names_from_model_files_are_shown_as_text(make_window, qtbot, name):
    model = presets.build("tiny", np.random.default_rng(2))
    model = Model([type(layer)(**layer.settings(), name=name) if i == 0 else layer
                   for i, layer in enumerate(model.layers)], input_shape=model.input_shape)
    window = make_window(model)
    view = window.activations_view
    view.select_map(model.layers[0].name, 0)
    strip = view.note_strip
    shown = strip.shown_lines()[0].split(" \u00b7 ")[0]     # the name, literally (or cut)
    assert shown == name or shown.endswith("\u2026") and name.startswith(shown[:-1])
    assert len(shown) > 5 and strip.name() == name[:len(strip.name())]
    assert strip.width() == view.inspector.width() and strip.height() < 160

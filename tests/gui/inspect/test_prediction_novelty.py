"""The prediction panel says "doesn't look like a digit I know" for a drawn
letter or symbol (bundled model, which carries novelty statistics), not for
a digit, and never for a model without statistics."""
from __future__ import annotations

import pytest

from gui.inspect.prediction_view import UNFAMILIAR_TEXT
from gui.tools.mouse import drag, to_widget

# strokes in the unit square, y down (drawn with the real mouse); letters and
# symbols that the bundled model scores well above 1.0 (about 70 % of the
# 67 glyphs of engine.explain.non_digits are above it when drawn here)
LETTER_H = [[(.3, .15), (.3, .85)], [(.7, .15), (.7, .85)], [(.3, .5), (.7, .5)]]
LETTER_W = [[(.1, .15), (.3, .85), (.5, .4), (.7, .85), (.9, .15)]]
HASH = [[(.42, .15), (.35, .85)], [(.68, .15), (.61, .85)], [(.2, .38), (.82, .38)],
        [(.18, .62), (.8, .62)]]


def _draw(window, qtbot, strokes):
    window.canvas.clear()
    for stroke in strokes:
        drag(window.canvas, to_widget(window.canvas, _dense(stroke)), qtbot=qtbot)
    return window.current_result()


def _dense(stroke, n=12):
    pts = []
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        pts += [(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n) for t in range(n)]
    return pts + [stroke[-1]]


@pytest.fixture
def bundled_window(make_window):
    return make_window()          # the bundled model, with its novelty statistics


@pytest.mark.parametrize("strokes", [LETTER_W, HASH], ids=["W", "hash"])
def test_a_drawn_letter_or_symbol_is_called_unfamiliar(bundled_window, qtbot, strokes):
    result = _draw(bundled_window, qtbot, strokes)
    assert result.novelty is not None and result.novelty > 1.0
    view = bundled_window.prediction_view
    qtbot.waitUntil(view.unfamiliar)
    assert view.digit_label.text() == "?"
    assert view.unfamiliar_label.isVisible() and view.unfamiliar_label.text() == UNFAMILIAR_TEXT
    assert not view.confidence_label.isVisible()
    assert "less typical than 99 %" in view.unfamiliar_label.toolTip()


def test_a_drawn_digit_is_not_unfamiliar(bundled_window, qtbot):
    bundled_window.draw_example(7)
    result = bundled_window.current_result()
    assert result.novelty is not None and result.novelty < 1.0
    view = bundled_window.prediction_view
    qtbot.waitUntil(lambda: view.digit_label.text() == "7")
    assert not view.unfamiliar() and not view.unfamiliar_label.isVisible()
    assert view.confidence_label.isVisible()


def test_a_model_without_statistics_never_says_unfamiliar(window, qtbot):
    result = _draw(window, qtbot, LETTER_H)          # the fixture's model has no statistics
    assert result.novelty is None
    assert not window.prediction_view.unfamiliar()
    assert window.prediction_view.digit_label.text() != "?"


def test_an_odd_preview_keeps_its_answer_and_says_it_is_unlike_a_real_digit(bundled_window, qtbot):
    from gui.inspect.prediction_view import UNFAMILIAR_PREVIEW
    result = _draw(bundled_window, qtbot, HASH)
    assert result.novelty > 1.0
    shown = bundled_window.controller.show_preview(result.image[None])   # the same input
    assert shown.preview and shown.novelty > 1.0
    view = bundled_window.prediction_view
    assert not view.unfamiliar() and view.digit_label.text() == str(shown.top_class)
    assert view.detail_label.text() == UNFAMILIAR_PREVIEW[0]

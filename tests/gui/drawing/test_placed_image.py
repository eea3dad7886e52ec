"""A 28x28 image placed on the canvas: shown as crisp whole-pixel blocks,
read by the network exactly as it is while nothing is drawn over it, one
undo step, and a drawing like any other once a stroke goes over it."""
from __future__ import annotations

import numpy as np
import pytest

from gui.drawing.placed import MnistDigit, PlacedImage
from gui.tools.mouse import drag, to_widget

SIDE = 300       # 10 whole blocks of 28 fit: a 280 px square, 10 px margins


@pytest.fixture
def canvas(make_canvas):
    widget = make_canvas(SIDE)
    return widget


@pytest.fixture
def digit():
    """A digit-like 28x28 image with every grey level a test image has: a
    faint rim, a peak of 254 (not 255)."""
    rng = np.random.default_rng(0)
    image = np.zeros((28, 28), np.uint8)
    image[5:23, 9:19] = rng.integers(1, 255, (18, 10))
    image[10, 12] = 254
    return image


def test_the_image_is_shown_in_whole_pixel_blocks_and_read_exactly(canvas, digit, qtbot):
    with qtbot.waitSignal(canvas.sigDrawingChanged):
        canvas.place_image(digit, "test digit #5, labelled 3")
    shown = canvas.to_array()
    k, offset = SIDE // 28, (SIDE - 28 * (SIDE // 28)) // 2
    blocks = shown[offset:offset + 28 * k, offset:offset + 28 * k]
    np.testing.assert_array_equal(blocks, np.kron(digit, np.ones((k, k), np.uint8)))
    assert shown[:offset].max() == 0 and shown[offset + 28 * k:].max() == 0   # black margins
    exact = canvas.placed_input()
    assert exact.shape == (1, 28, 28) and exact.dtype == np.float32
    np.testing.assert_allclose(exact[0], digit / 255.0, atol=1e-6)
    assert not canvas.is_blank() and canvas.strokes() == []


def test_placing_is_one_undo_step_and_undo_brings_the_drawing_back(canvas, digit):
    drag(canvas, to_widget(canvas, [(0.2, 0.5), (0.8, 0.5)]))
    drawn = canvas.to_array()
    canvas.place_image(digit)
    assert not np.array_equal(canvas.to_array(), drawn)
    canvas.undo()
    np.testing.assert_array_equal(canvas.to_array(), drawn)
    assert canvas.placed_input() is None
    canvas.redo()
    np.testing.assert_allclose(canvas.placed_input()[0], digit / 255.0, atol=1e-6)


def test_a_stroke_over_the_image_makes_it_a_drawing_and_undo_makes_it_exact(canvas, digit):
    canvas.place_image(digit)
    placed = canvas.to_array()
    drag(canvas, to_widget(canvas, [(0.1, 0.1), (0.9, 0.1)]))
    assert canvas.placed_input() is None                       # framed like any drawing now
    drawn = canvas.to_array()
    assert drawn[int(0.1 * SIDE), SIDE // 2] == 255            # the stroke is on top ...
    assert np.array_equal(drawn[SIDE // 2], placed[SIDE // 2])  # ... the digit still there
    canvas.undo()
    np.testing.assert_array_equal(canvas.to_array(), placed)
    assert canvas.placed_input() is not None
    canvas.clear()
    assert canvas.is_blank() and canvas.placed_input() is None


def test_the_image_follows_the_canvas_size(canvas, digit, qtbot):
    canvas.place_image(digit)
    canvas.resize(2 * SIDE, 2 * SIDE)
    qtbot.waitUntil(lambda: canvas.image_side() == 2 * SIDE)
    k = 2 * SIDE // 28
    offset = (2 * SIDE - 28 * k) // 2
    shown = canvas.to_array()[offset:offset + 28 * k, offset:offset + 28 * k]
    np.testing.assert_array_equal(shown, np.kron(digit, np.ones((k, k), np.uint8)))


def test_a_placed_image_must_be_28_by_28():
    with pytest.raises(ValueError, match="28x28"):
        PlacedImage.of(np.zeros((20, 20), np.uint8))
    placed = PlacedImage.of(np.full((28, 28), 7, np.uint8), "x")
    assert not placed.pixels.flags.writeable


def test_a_test_digit_names_itself():
    digit = MnistDigit(np.zeros((28, 28), np.uint8), 1234, 7)
    assert digit.caption == "test digit #1234, labelled 7"
    noted = MnistDigit(digit.pixels, 12, 9, "evaluation: predicted 4")
    assert noted.caption == "test digit #12, labelled 9 (evaluation: predicted 4)"

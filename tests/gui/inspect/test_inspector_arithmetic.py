"""The arithmetic under the cursor: hovering a position of the inspector's map
(or of a map panel) shows the patch, the kernel and their sum; the printed
sum is the activation shown there; a pooling position marks its winner; a
dense unit lists its top contributions; the receptive field is outlined on
the network input and the canvas."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtTest import QTest

from engine.explain import ConvArithmetic, DenseArithmetic, PoolArithmetic, receptive_field
from gui.inspect.arithmetic_text import parse_num
from gui.tools.mouse import draw_digit, image_point


def hover(view, y: float, x: float) -> None:
    QTest.mouseMove(view.viewport(), image_point(view, y, x))


def inspect(window, qtbot, layer: str, channel: int, digit: int = 3):
    draw_digit(window.canvas, digit)
    window.current_probabilities()
    window.activations_view.select_map(layer, channel)
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: inspector.selection == (layer, channel) and
                    inspector.array is not None)
    return inspector


def brightest(inspector) -> tuple[int, int]:
    return tuple(int(v) for v in np.unravel_index(np.argmax(inspector.array),
                                                  inspector.array.shape))


def numbers(line: str) -> list[float]:
    """The numbers in a line of the arithmetic (after each '=' and 'ReLU')."""
    out = []
    for part in line.replace("ReLU", "=").split("=")[1:]:
        out.append(parse_num(part.split()[0]))
    return out


def test_hovering_the_map_shows_a_sum_equal_to_the_activation(window, qtbot):
    inspector = inspect(window, qtbot, "relu1", 4)
    r, c = brightest(inspector)
    hover(inspector.map_view, r + 0.5, c + 0.5)
    view = inspector.arithmetic_view
    qtbot.waitUntil(lambda: inspector.lower.currentWidget() is view)
    a = view.arithmetic
    assert isinstance(a, ConvArithmetic) and a.unit == (4, r, c)
    shown = float(inspector.array[r, c])
    total, = numbers(view.lines()[0])                     # Σ patch × kernel = total
    bias, pre = (parse_num(line) for line in (view.lines()[1].split()[2],
                                               view.lines()[1].split()[-1]))
    relu, = numbers(view.lines()[2])                      # → ReLU value
    assert relu == float(f"{shown:.3g}") and shown > 0
    assert abs(total + bias - pre) <= 0.01 * max(abs(pre), 1e-3) + 1e-3
    assert view.lines()[0].startswith("Σ patch × kernel")
    assert view.caption.text().startswith("5×5 of input")
    # the three pictures: patch, kernel, products
    assert [v.array is not None for v in view.views] == [True, True, True]
    assert inspector.map_view.array is inspector.array
    QTest.mouseMove(window.canvas, QPoint(3, 3))          # leave: the kernel again
    qtbot.waitUntil(lambda: inspector.lower.currentWidget() is inspector.kernel_box)


def test_a_deeper_map_adds_up_all_its_input_channels(window, qtbot):
    inspector = inspect(window, qtbot, "conv2", 9)
    hover(inspector.map_view, 4.5, 6.5)
    view = inspector.arithmetic_view
    qtbot.waitUntil(lambda: view.arithmetic is not None and view.arithmetic.unit == (9, 4, 6))
    assert view.lines()[0].startswith("Σ 800 products")
    pre = numbers(view.lines()[1])[-1]
    assert pre == float(f"{float(inspector.array[4, 6]):.3g}")
    assert len(view.lines()) == 2                         # no ReLU in conv2 itself


def test_a_pool_position_marks_its_winner(window, qtbot):
    inspector = inspect(window, qtbot, "pool1", 6)
    r, c = brightest(inspector)
    hover(inspector.map_view, r + 0.5, c + 0.5)
    view = inspector.arithmetic_view
    qtbot.waitUntil(lambda: isinstance(view.arithmetic, PoolArithmetic))
    a = view.arithmetic
    relu1 = window.current_result().activations["relu1"][6]
    assert relu1[a.winner] == a.window.max() == inspector.array[r, c]
    assert a.origin == (2 * r, 2 * c)
    window_view = view.views[0]
    assert window_view.array.shape == (2, 2)
    tr, tc = a.winner_tap                                 # the winner outlined in the window
    assert window_view.highlight() == QRectF(tc, tr, 1, 1)
    assert parse_num(view.lines()[-1].split()[1]) == float(f"{float(inspector.array[r, c]):.3g}")
    assert view.lines()[-1].startswith("max ") and f"relu1[{a.winner[0]}, {a.winner[1]}]" \
        in view.lines()[-1]


def test_clicking_a_dense_unit_lists_its_top_contributions(window, qtbot):
    draw_digit(window.canvas, 5)
    window.current_probabilities()
    panel = window.activations_view.panels["fc1"]
    qtbot.waitUntil(lambda: panel.array is not None)
    window.activations_view.scroll.ensureWidgetVisible(panel)
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, image_point(panel.view, 0.5, 17.5))
    inspector = window.activations_view.inspector
    qtbot.waitUntil(lambda: inspector.selection == ("fc1", 17))
    assert inspector.vector and panel.selected == 17
    view = inspector.arithmetic_view
    assert inspector.lower.currentWidget() is view
    a = view.arithmetic
    assert isinstance(a, DenseArithmetic) and a.unit == 17
    value = float(window.current_result().activations["fc1"][17])
    assert numbers(view.lines()[-1])[0] == float(f"{value:.3g}")
    assert view.lines()[0].startswith("pool2[")          # inputs named by their map position
    assert len(view.lines()) == 6 + 3
    assert inspector.title_label.text() == "fc1 · unit 17"
    assert inspector.array is not None                    # the contributions, tiled


def test_hovering_outlines_the_receptive_field_on_input_and_canvas(window, qtbot):
    inspector = inspect(window, qtbot, "relu2", 3)
    fields = []
    window.activations_view.sigReceptiveField.connect(fields.append)
    hover(inspector.map_view, 2.5, 7.5)
    qtbot.waitUntil(lambda: bool(fields) and fields[-1] is not None)
    assert fields[-1] == receptive_field(window.model, "relu2", 2, 7) == (2, 12, 16, 26)
    assert window.input_view.view.highlight() == QRectF(12, 2, 14, 14)
    assert window.canvas.marks()[1] is not None
    QTest.mouseMove(window.canvas, QPoint(3, 3))
    qtbot.waitUntil(lambda: fields[-1] is None)
    assert window.canvas.marks()[1] is None


def test_hovering_a_map_panel_shows_its_arithmetic_too(window, qtbot):
    inspect(window, qtbot, "relu2", 3)
    panel = window.activations_view.panels["conv1"]
    y, x = panel.tiles.origin(7)
    hover(panel.view, y + 10.5, x + 12.5)
    inspector = window.activations_view.inspector
    view = inspector.arithmetic_view
    qtbot.waitUntil(lambda: view.arithmetic is not None and view.arithmetic.layer == "conv1")
    assert view.arithmetic.unit == (7, 10, 12)
    assert view.title.text() == "conv1 map 7 [10, 12]"
    pre = numbers(view.lines()[1])[-1]
    assert pre == float(f"{float(panel.array[7, 10, 12]):.3g}")

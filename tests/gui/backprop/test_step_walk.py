"""Step mode of the "One step" tab, with real clicks and keys: "Step through"
starts the walk, ◀ / ▶ and the Left / Right keys go through the phases in
order (forward, the loss, backward), the current row is outlined and
scrolled into view, the formula names the layer and shows the numbers the
engine returned (formatted here from the engine's record and compared),
clicking a map position or a unit writes the formula for it, and a layer
name with markup is shown literally."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtTest import QTest

from engine import one_step
from engine.nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU
from engine.nn.model import Model
from engine.training.backward_arithmetic import StepArithmetic
from gui.backprop.formula_text import ROWS, formula
from gui.backprop.step_tab import OneStepTab
from gui.backprop.step_walk import NO_INPUT, NO_STEP
from gui.inspect.arithmetic_text import num


def _image() -> np.ndarray:
    x = np.zeros((28, 28), np.float32)
    x[4:24, 12:16] = 1.0
    x[4:7, 8:20] = 1.0
    return x


def _click(widget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def _kinds(model) -> dict[str, str]:
    return {layer.name: type(layer).__name__ for layer in model.layers}


@pytest.fixture
def stepped(qtbot, tiny_model):
    """``(tab, model, image, trace)``: a shown tab showing one step of the tiny
    net on a drawn 7, announced with its model and input, "Step through" on."""
    tab = OneStepTab(10)
    qtbot.addWidget(tab)
    tab.resize(1000, 800)
    tab.show()
    qtbot.waitExposed(tab)
    x = _image()
    trace = one_step(tiny_model.clone(), x[None], 1, 0.05)
    tab.expect_step(tiny_model, x)
    tab.show_step(trace, _kinds(tiny_model))
    _click(tab.controls.walk_button)
    return tab, tiny_model, x, trace


def _expected(model, x, trace, phase, position):
    """The formula as the test formats it from the engine's own record."""
    walk = StepArithmetic(model, x[None], trace, top=ROWS)
    record = walk.arithmetic(phase, position)
    return record, formula(record, walk.target(phase)[0])


def _shown_blocks(tab) -> list[str]:
    return [b.text() for b in tab.walk.formula.blocks if b.isVisibleTo(tab)]


def test_arrows_and_keys_walk_the_phases_in_order_with_the_engines_numbers(stepped, qtbot):
    tab, model, x, trace = stepped
    walk = tab.walk
    assert walk.isVisible() and tab.controls.walk_button.isChecked()
    names = [layer.name for layer in model.layers]
    expected = [(n, "forward") for n in names] + [(names[-1], "loss")] + \
        [(n, "backward") for n in reversed(names)]
    seen = []
    for i in range(len(expected)):
        if i:
            _click(walk.next_button)
        phase = walk.phase()
        seen.append((phase.layer, phase.direction))
        assert walk.index == i and walk.counter.text() == f"{i + 1} / {len(expected)}"
        assert walk.title.text() == phase.title and phase.layer in walk.title.text()
        record, written = _expected(model, x, trace, phase, walk.position())
        assert tab.walk.formula.heading.text() == written.heading
        assert _shown_blocks(tab) == ["\n".join(b) for b in written.blocks]
        assert phase.description in walk.formula.text()
        # the numbers the engine returned are in the text
        text = walk.formula.text()
        if phase.direction == "loss":
            assert num(record.loss) in text and num(record.grads[record.unit]) in text
        elif phase.direction == "backward" and phase.kind == "Conv2D":
            assert f"= {num(record.input_grad.total)}" in text
            assert f"= {num(record.weight.terms.total)}" in text
        elif phase.direction == "backward" and phase.kind == "MaxPool2D":
            assert num(record.total) in text and num(record.routes[0].grad) in text
        elif phase.direction == "backward" and phase.kind == "ReLU":
            assert f"= {num(record.grad_in)}" in text and num(record.z) in text
        # the current layer's row is outlined, the target's marked with the position
        rows = tab.rows
        assert rows[phase.layer].role == "current"
        target = walk.target()[0]
        if target in rows:
            assert rows[target].marked == walk.position()
            assert target == phase.layer or rows[target].role == "target"
        assert sum(r.role == "current" for r in rows.values()) == 1
    assert seen == expected
    assert not walk.next_button.isEnabled() and walk.prev_button.isEnabled()
    # the last phase (backward through conv1) scrolled its row into view
    row = tab.rows["conv1"]
    viewport = tab.scroll.viewport()
    qtbot.waitUntil(lambda: 0 <= row.mapTo(viewport, QPoint(0, 0)).y() < viewport.height())
    # keys: Left goes back, Right forward (the window is active, as after a click on it)
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    walk.prev_button.setFocus()
    QTest.keyClick(walk.prev_button, Qt.Key.Key_Left)
    assert walk.index == len(expected) - 2
    QTest.keyClick(walk.prev_button, Qt.Key.Key_Left)
    QTest.keyClick(walk.prev_button, Qt.Key.Key_Right)
    assert walk.index == len(expected) - 2
    assert walk.phase().layer == names[1] and walk.phase().direction == "backward"
    # top scrolls to the output again when walking back to the loss
    walk.go_to(len(names))
    assert tab.rows[names[-1]].role == "current"


def test_clicking_a_map_position_or_a_unit_writes_the_formula_for_it(stepped, qtbot):
    tab, model, x, trace = stepped
    walk = tab.walk
    back_relu1 = next(p for p in walk.phases if p.layer == "relu1" and p.direction == "backward")
    walk.go_to(back_relu1.index)
    assert walk.target()[0] == "conv1"
    row = tab.rows["conv1"]
    default = walk.position()
    want = (3, 9, 14) if default != (3, 9, 14) else (4, 9, 14)
    panel = row.grad_panel
    qtbot.waitUntil(lambda: row.visibleRegion().boundingRect().height() > 100)
    y0, x0 = panel.tiles.origin(want[0])
    scene = panel.view.view.mapViewToScene(QPointF(x0 + want[2] + 0.5, y0 + want[1] + 0.5))
    point = panel.view.mapFromScene(scene)
    QTest.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert walk.position() == want
    assert "conv1[3, 9, 14]" in walk.formula.heading.text() or "conv1[4, 9, 14]" in \
        walk.formula.heading.text()
    record, written = _expected(model, x, trace, back_relu1, want)
    assert walk.formula.heading.text() == written.heading
    assert _shown_blocks(tab) == ["\n".join(b) for b in written.blocks]
    assert row.marked == want
    assert panel.view.highlight() == QRectF(x0 + want[2], y0 + want[1], 1, 1)
    # a click in a row that is not the target changes nothing
    other = tab.rows["relu1"].grad_panel
    scene = other.view.view.mapViewToScene(QPointF(2.5, 2.5))
    QTest.mouseClick(other.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=other.view.mapFromScene(scene))
    assert walk.position() == want
    # a unit of a vector: backward through the dense layer computes flatten's gradient
    back_fc = next(p for p in walk.phases if p.kind == "Dense" and p.direction == "backward")
    walk.go_to(back_fc.index)
    assert walk.target()[0] == "flatten"
    strip = tab.rows["flatten"].grad_panel
    qtbot.waitUntil(lambda: tab.rows["flatten"].visibleRegion().boundingRect().height() > 30)
    r, c = strip.unit_origin(100)
    scene = strip.view.view.mapViewToScene(QPointF(c + 0.5, r + 0.5))
    QTest.mouseClick(strip.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=strip.view.mapFromScene(scene))
    assert walk.position() == (100,)
    record, written = _expected(model, x, trace, back_fc, (100,))
    assert walk.formula.heading.text() == written.heading == \
        "dL/d flatten[100] = Σ_k W[100, k] × dL/d fc1[k]"
    assert f"= {num(record.input_grad.total)}" in walk.formula.text()
    assert strip.view.highlight() == QRectF(c, r, 1, 1)
    # the position picked stays with its phase
    walk.go(-1)
    walk.go(1)
    assert walk.position() == (100,)


def test_a_layer_name_with_markup_is_shown_literally(qtbot):
    rng = np.random.default_rng(0)
    model = Model([Conv2D(1, 2, 3, padding=1, rng=rng, name="<b>conv</b>"),
                   ReLU(name="<img src=x>"), MaxPool2D(2), Flatten(),
                   Dense(2 * 4 * 4, 10, rng=rng)], input_shape=(1, 8, 8))
    x = rng.random((8, 8), dtype=np.float32)
    trace = one_step(model.clone(), x[None], 3, 0.1)
    tab = OneStepTab(10)
    qtbot.addWidget(tab)
    tab.resize(900, 700)
    tab.show()
    tab.show_step(trace, _kinds(model), model=model, image=x)
    _click(tab.controls.walk_button)
    walk = tab.walk
    assert walk.title.text() == "Forward through <b>conv</b> (Conv2D)"
    assert walk.title.textFormat() == Qt.TextFormat.PlainText
    assert walk.formula.heading.text().startswith("<b>conv</b>[")
    assert walk.formula.heading.textFormat() == Qt.TextFormat.PlainText
    _click(walk.next_button)
    assert "<img src=x>" in walk.title.text() and "<b>conv</b>[" in walk.formula.text()
    for label in (walk.title, walk.formula.heading, *walk.formula.blocks):
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.sizeHint().height() < 300


def test_step_through_without_a_step_asks_for_one_and_walks_it_when_it_comes(qtbot, tiny_model):
    tab = OneStepTab(10)
    qtbot.addWidget(tab)
    tab.resize(900, 700)
    tab.show()
    with qtbot.waitSignal(tab.controls.sigTrain, timeout=1000):
        _click(tab.controls.walk_button)
    assert tab.walk.isVisible() and NO_STEP in tab.walk.formula.text()
    assert not tab.walk.next_button.isEnabled() and not tab.walk.go(1)
    x = _image()
    tab.expect_step(tiny_model, x)                   # what the wiring announces
    trace = one_step(tiny_model.clone(), x[None], 2, 0.05)
    tab.show_step(trace, _kinds(tiny_model))
    assert tab.walk.index == 0 and tab.walk.phase().layer == "conv1"
    assert tab.rows["conv1"].role == "current"
    # an unknown step (no model and input announced) is not walked, and says why
    other = one_step(tiny_model.clone(), x[None], 5, 0.05)
    tab.show_step(other, _kinds(tiny_model))
    assert tab.walk.phase() is None and NO_INPUT in tab.walk.formula.text()
    assert all(row.role is None for row in tab.rows.values())
    # the first step is remembered (an undo shows it again) and walks again
    tab.show_step(trace, _kinds(tiny_model))
    assert tab.walk.phase() is not None
    _click(tab.controls.walk_button)                  # off: the walk and the outlines go
    assert not tab.walk.isVisible()
    assert all(row.role is None and row.marked is None for row in tab.rows.values())
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    tab.controls.train_button.setFocus()
    QTest.keyClick(tab.controls.train_button, Qt.Key.Key_Right)   # the keys rest too
    assert tab.walk.index == 0

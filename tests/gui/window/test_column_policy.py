"""The window's width goes where it is needed: at the minimum size the
Training tab gets the whole width (the drawing column steps aside) and
nothing in it is cut off; the other tabs, and wider windows, keep the canvas."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTabBar, QWidget


def click_tab(qtbot, window, widget) -> None:
    bar = window.tabs.findChild(QTabBar)
    rect = bar.tabRect(window.tabs.indexOf(widget))
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is widget


def fully_inside(widget, window) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return top_left.x() >= 0 and top_left.x() + widget.width() <= window.width()


def test_the_training_tab_gets_the_whole_width_of_a_small_window(qtbot, make_window):
    window = make_window(size=(980, 640))
    panel = window.training_panel
    assert window.canvas.isVisible()
    click_tab(qtbot, window, panel)
    qtbot.waitUntil(lambda: not window.canvas.isVisible())
    assert window.columns.drawing_hidden
    qtbot.waitUntil(lambda: panel.width() >= panel.minimumSizeHint().width())
    assert fully_inside(panel, window)
    matrix = panel.evaluation_view.confusion_plot
    assert matrix.minimumWidth() >= 230
    click_tab(qtbot, window, window.activations_view)
    qtbot.waitUntil(window.canvas.isVisible)


def test_a_wide_window_keeps_the_canvas_beside_the_training_tab(qtbot, make_window):
    window = make_window(size=(1240, 760))
    click_tab(qtbot, window, window.training_panel)
    qtbot.wait(50)
    assert window.canvas.isVisible() and not window.columns.drawing_hidden
    assert fully_inside(window.training_panel, window)
    window.resize(980, 640)
    qtbot.waitUntil(lambda: not window.canvas.isVisible())
    window.resize(1400, 800)
    qtbot.waitUntil(window.canvas.isVisible)


def test_a_large_window_enlarges_the_inspector(qtbot, make_window):
    from gui.inspect.inspector_view import WIDTH
    window = make_window(size=(1240, 760))
    inspector = window.activations_view.inspector
    qtbot.wait(20)
    assert inspector.width() == WIDTH
    small_map = inspector.map_view.width()
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: inspector.width() > WIDTH + 100)
    assert inspector.width() <= 440
    # the inspected map (beside "what it wants") grows with it
    assert inspector.map_view.width() > max(170, 1.5 * small_map)


def test_a_large_window_caps_the_canvas_and_grows_the_network_input(qtbot, make_window):
    window = make_window(size=(1920, 1080))
    qtbot.wait(50)
    assert window.canvas.width() <= 520
    assert window.input_view.width() >= 180
    assert window.activations_view.width() > 1300       # the rest went to the panels
    window.resize(980, 640)
    qtbot.waitUntil(lambda: window.input_view.width() <= 150)
    qtbot.wait(20)
    prediction = window.prediction_view
    assert prediction.width() >= 196
    assert prediction.geometry().right() < prediction.parentWidget().width()   # not cut off


def test_the_training_settings_fit_without_scrolling_at_the_default_size(
        qtbot, make_window, mnist_data):
    from PySide6.QtWidgets import QScrollArea

    from engine.data.dataset import Dataset
    window = make_window(size=(1240, 760))
    panel = window.training_panel
    panel.set_data(Dataset(mnist_data.train_images[:200], mnist_data.train_labels[:200],
                           mnist_data.test_images[:100], mnist_data.test_labels[:100]))
    click_tab(qtbot, window, panel)
    qtbot.wait(50)
    scroll = panel.findChild(QWidget, "trainingControls").findChild(QScrollArea)
    assert scroll.verticalScrollBar().maximum() == 0
    assert panel.settings.advanced_button.isVisible()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_training_settings_are_never_cut_under_their_scroll_bar(qtbot, make_window, theme):
    """With the scroll bar showing (a short window), the settings get all the
    width they need, and still do when they come to need more (their boxes
    used to run under the scroll bar, cut at the right, by a few pixels)."""
    from PySide6.QtWidgets import QScrollArea
    window = make_window(size=(1240, 600), theme=theme)
    panel = window.training_panel
    click_tab(qtbot, window, panel)
    scroll = panel.findChild(QWidget, "trainingControls").findChild(QScrollArea)
    qtbot.waitUntil(scroll.verticalScrollBar().isVisible)
    content = scroll.widget()
    qtbot.waitUntil(lambda: scroll.viewport().width() >= content.minimumSizeHint().width())
    wider = QWidget()                      # e.g. a longer text in the settings
    wider.setMinimumWidth(content.minimumSizeHint().width() + 40)
    content.layout().addWidget(wider)
    qtbot.waitUntil(lambda: scroll.viewport().width() >= content.minimumSizeHint().width())
    assert content.width() >= content.minimumSizeHint().width()


@pytest.mark.parametrize("size", [(1240, 600), (1240, 760), (1900, 1150)])
def test_the_run_box_lines_up_with_the_training_settings(qtbot, make_window, size):
    """The run box under the scrolling settings starts and ends where their
    boxes do, with the scroll bar showing (a short window) or not."""
    window = make_window(size=size)
    panel = window.training_panel
    click_tab(qtbot, window, panel)
    settings, run_box = panel.settings, panel.run_box

    def edges(widget) -> tuple[int, int]:
        left = widget.mapTo(window, QPoint(0, 0)).x()
        return left, left + widget.width()
    qtbot.waitUntil(lambda: edges(settings) == edges(run_box))
    assert run_box.width() >= run_box.minimumSizeHint().width()

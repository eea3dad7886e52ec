""""Normalise maps" and the "Why?" overlay's method are remembered like the
theme beside them: clicked in one window, back in the next; the overlay still
starts off; values from a hand-edited file that mean nothing give the defaults."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from engine.explain import METHODS
from gui.window.main_window import MainWindow


def _toolbar_button(window, action) -> QToolButton:
    return window.toolbar.widgetForAction(action)


def test_normalise_maps_and_the_why_method_come_back_in_the_next_window(qtbot, isolated_settings):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    default_method = first.why.saliency.chosen
    assert not first.normalise_action.isChecked()
    QTest.mouseClick(_toolbar_button(first, first.normalise_action), Qt.MouseButton.LeftButton)
    assert first.activations_view.normalise_each
    method = next(m for m in METHODS if m != default_method)
    getattr(first, f"why_{method}_action").trigger()   # the View menu's radio item
    assert first.why.saliency.method == method
    first.why_action.trigger()                        # and off again
    first.close()

    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.normalise_action.isChecked()
    assert second.activations_view.normalise_each     # the maps follow, not only the tick
    assert second.why.saliency.chosen == method
    assert second.why.saliency.method is None          # the overlay starts off
    assert getattr(second, f"why_{method}_action").isChecked()
    second.why_action.trigger()                        # W shows the remembered method
    assert second.why.saliency.method == method


def test_meaningless_view_values_give_the_defaults(qtbot, isolated_settings):
    reference = MainWindow()
    qtbot.addWidget(reference)
    default_method = reference.why.saliency.chosen
    reference.close()
    isolated_settings.write_text("[view]\nnormalise_maps=perhaps\nwhy_method=<img src=x>\n")
    window = MainWindow()
    qtbot.addWidget(window)
    assert not window.normalise_action.isChecked()
    assert window.why.saliency.chosen == default_method

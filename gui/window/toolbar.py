"""The window's toolbar: pen and eraser, the brush width slider, undo / redo /
clear, the examples and the "Why?" overlay's method on the left; open /
save / reset and the theme on the right. Its actions come from
:mod:`gui.window.actions`."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSizePolicy, QSlider, QToolBar, QToolButton, QWidget

from ..drawing.strokes import MAX_BRUSH, MIN_BRUSH
from ..explain.method_box import TIP as WHY_TIP
from ..explain.method_box import MethodBox
from ..widgets.plain_text import plain_label, plain_tooltip
from .actions import TOOLBAR_LEFT, TOOLBAR_RIGHT, WHY_KEYS

SLIDER_WIDTHS = (84, 130)
"""The brush slider's width (px) in a narrow and in a wide window."""
BRUSH_TIP = ("Brush width, in pixels of a 280-pixel canvas; about 25 matches the stroke "
             "width of the MNIST digits the network learned from ([ and ] change it).")


class DrawingToolbar(QToolBar):
    """Toolbar with a brush slider (``sigBrushChanged(width)`` when the user
    moves it), the examples button (``examples_button``; hidden in a narrow
    window) and the "Why?" method box (``why_box``, mirroring the actions of
    :data:`~gui.window.actions.WHY_KEYS`)."""

    sigBrushChanged = Signal(float)

    def __init__(self, actions: dict[str, QAction], examples: QMenu, brush: float,
                 parent: QWidget | None = None):
        super().__init__("Drawing tools", parent)
        self.setObjectName("tools")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._add_groups(actions, TOOLBAR_LEFT[:1])
        self.addSeparator()
        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setRange(int(MIN_BRUSH), int(MAX_BRUSH))
        self.brush_slider.setFixedWidth(SLIDER_WIDTHS[1])
        self.brush_value = plain_label()
        self.brush_value.setMinimumWidth(38)
        for w in (plain_label("Brush"), self.brush_slider, self.brush_value):
            w.setToolTip(BRUSH_TIP)
            self.addWidget(w)
        self.addSeparator()
        self._add_groups(actions, TOOLBAR_LEFT[1:])
        self.examples_button = example_button = QToolButton()
        example_button.setText("Examples")
        example_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        example_button.setMenu(examples)
        example_button.setToolTip("Draw a built-in example digit (Ctrl+0 … Ctrl+9)")
        # the examples are also in the Draw menu and on the empty canvas: dropped when narrow
        self._optional = (self.addSeparator(), self.addWidget(example_button))
        self.addSeparator()
        self.why_box = MethodBox(actions[WHY_KEYS[0]],
                                 {key.removeprefix("why_"): actions[key] for key in WHY_KEYS[1:]})
        why_label = plain_label("Why?")
        why_label.setToolTip(plain_tooltip(WHY_TIP))
        self.addWidget(why_label)
        self.addWidget(self.why_box)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self._add_groups(actions, TOOLBAR_RIGHT)
        self.show_brush(brush)
        self.brush_slider.valueChanged.connect(lambda v: self.sigBrushChanged.emit(float(v)))

    def resizeEvent(self, event) -> None:
        """In a narrow window the brush slider gets shorter, then the examples
        button goes (so that the right-hand buttons stay on the toolbar)."""
        super().resizeEvent(event)
        optional = sum(self.widgetForAction(a).sizeHint().width() + self.layout().spacing()
                       for a in self._optional)
        rest = self.sizeHint().width() - self.brush_slider.width() \
            - (0 if self._optional[1].isVisible() else optional)   # all but slider and examples
        room = self.width() - rest
        fits = room - optional >= SLIDER_WIDTHS[0]
        for action in self._optional:
            if action.isVisible() != fits:
                action.setVisible(fits)
        slider = room - (optional if fits else 0)
        self.brush_slider.setFixedWidth(int(min(max(slider, SLIDER_WIDTHS[0]), SLIDER_WIDTHS[1])))

    def _add_groups(self, actions: dict[str, QAction], groups) -> None:
        for i, group in enumerate(groups):
            if i:
                self.addSeparator()
            for key in group:
                self.addAction(actions[key])

    def show_brush(self, width: float) -> None:
        """Show ``width`` (reference pixels) without announcing it."""
        self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(int(round(width)))
        self.brush_slider.blockSignals(False)
        self.brush_value.setText(f"{width:.0f} px")

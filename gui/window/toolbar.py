"""The window's toolbar: pen and eraser, the brush width slider, undo / redo /
clear and the examples on the left; open / save / reset and the theme on
the right. Its actions come from :mod:`gui.window.actions`."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSizePolicy, QSlider, QToolBar, QToolButton, QWidget

from ..drawing.strokes import MAX_BRUSH, MIN_BRUSH
from ..widgets.plain_text import plain_label
from .actions import TOOLBAR_LEFT, TOOLBAR_RIGHT

BRUSH_TIP = ("Brush width, in pixels of a 280-pixel canvas; about 25 matches the stroke "
             "width of the MNIST digits the network learned from ([ and ] change it).")


class DrawingToolbar(QToolBar):
    """Toolbar with a brush slider; ``sigBrushChanged(width)`` when the user moves it."""

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
        self.brush_slider.setFixedWidth(130)
        self.brush_value = plain_label()
        self.brush_value.setMinimumWidth(44)
        for w in (plain_label(" Brush "), self.brush_slider, self.brush_value):
            w.setToolTip(BRUSH_TIP)
            self.addWidget(w)
        self.addSeparator()
        self._add_groups(actions, TOOLBAR_LEFT[1:])
        self.addSeparator()
        example_button = QToolButton()
        example_button.setText("Examples")
        example_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        example_button.setMenu(examples)
        example_button.setToolTip("Draw a built-in example digit (Ctrl+0 … Ctrl+9)")
        self.addWidget(example_button)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self._add_groups(actions, TOOLBAR_RIGHT)
        self.show_brush(brush)
        self.brush_slider.valueChanged.connect(lambda v: self.sigBrushChanged.emit(float(v)))

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

"""The toolbar's "Why?" choice: a compact combo box (Off, then one item per
saliency method) that mirrors the window's actions: the on/off action
(W) and the radio items of the methods. Choosing an item triggers the
matching action (as the menu would); whenever the actions change, the box
shows their state. It never talks to the overlay itself."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QWidget

from engine.explain import METHOD_INFO

from ..widgets.plain_text import plain_tooltip
from .heat_legend import short_name

OFF = "Off"
TIP = ("Why? overlay: colour the canvas and the network input by how much each pixel matters "
       "to the answer, computed by the chosen method (W switches it on and off)")


class MethodBox(QComboBox):
    """``Off`` + the methods of ``methods`` (``{method: its radio action}``, in
    menu order, by their short names); ``on`` is the checkable on/off action."""

    def __init__(self, on: QAction, methods: dict[str, QAction], parent: QWidget | None = None):
        super().__init__(parent)
        self._on, self._methods = on, dict(methods)
        self.setObjectName("whyMethod")
        self.setAccessibleName("Why? overlay method")
        self.setToolTip(plain_tooltip(TIP))
        self.addItem(OFF)
        self.setItemData(0, plain_tooltip("No overlay"), Qt.ItemDataRole.ToolTipRole)
        for i, method in enumerate(self._methods, 1):
            info = METHOD_INFO[method]
            self.addItem(short_name(method), method)
            self.setItemData(i, plain_tooltip(f"{info.label}: {info.summary}"),
                             Qt.ItemDataRole.ToolTipRole)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)   # W and the canvas keep the keyboard
        self.activated.connect(self._chosen)
        for action in (on, *self._methods.values()):
            action.toggled.connect(self._sync)
        self._sync()

    def method(self) -> str | None:
        """The method shown (None: Off)."""
        return self.currentData()

    def _chosen(self, index: int) -> None:
        method = self.itemData(index)
        if method is None:
            if self._on.isChecked():
                self._on.trigger()            # switches off, as the menu item would
        else:
            self._methods[method].trigger()
        self._sync()

    def _sync(self, _checked: bool = False) -> None:
        """Show the actions' state: Off, or the checked method."""
        index = 0
        if self._on.isChecked():
            index = next((i for i, action in enumerate(self._methods.values(), 1)
                          if action.isChecked()), 0)
        if index != self.currentIndex():
            self.setCurrentIndex(index)

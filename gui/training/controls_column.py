"""The training panel's left column: the settings, scrolling, above the run
box (its buttons and progress stay visible), exactly as wide as the widest
of them needs plus the scroll bar, whatever the fonts and texts become.

The width is measured again whenever the settings or the run box ask for a
new layout (a longer description, a theme's fonts): measured once, when the
panel was built, the settings later outgrew it by a few pixels and their
boxes ran under the scroll bar, cut at the right.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

#: What may change a widget's size hint (its own layout, its style or font).
_REMEASURE = (QEvent.Type.LayoutRequest, QEvent.Type.StyleChange, QEvent.Type.FontChange,
              QEvent.Type.Show)


class _ColumnWidth(QObject):
    """Keeps ``left`` (the column) as wide as ``content`` (inside ``scroll``)
    or ``below`` needs, with room for ``scroll``'s vertical scroll bar."""

    def __init__(self, left: QWidget, scroll: QScrollArea, content: QWidget, below: QWidget):
        super().__init__(left)
        self._left, self._scroll, self._content, self._below = left, scroll, content, below
        content.installEventFilter(self)
        below.installEventFilter(self)
        self.fit()

    def needed(self) -> int:
        """The column's width in pixels."""
        bar = self._scroll.verticalScrollBar().sizeHint().width()
        return (max(self._content.sizeHint().width(), self._below.sizeHint().width())
                + bar + 2 * self._scroll.frameWidth() + 2)

    def fit(self) -> None:
        width = self.needed()
        if self._left.minimumWidth() != width or self._left.maximumWidth() != width:
            self._left.setFixedWidth(width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _REMEASURE:
            self.fit()
        return False


def controls_column(settings: QWidget, run_box: QWidget) -> QWidget:
    """``settings`` in a vertical scroll area above ``run_box``, as one widget
    (``trainingControls``) of the width they need."""
    column = QWidget()
    cl = QVBoxLayout(column)
    cl.setContentsMargins(4, 4, 4, 4)
    cl.addWidget(settings)
    cl.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(column)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    left = QWidget()
    left.setObjectName("trainingControls")
    ll = QVBoxLayout(left)
    ll.setContentsMargins(0, 0, 0, 0)
    ll.addWidget(scroll, 1)
    ll.addWidget(run_box)
    _ColumnWidth(left, scroll, column, run_box)
    return left

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

#: Pixels around the settings inside the scroll area; the run box is inset as
#: much (plus the scroll area's frame and, while it shows, the scroll bar), so
#: its edges line up with the settings'.
MARGIN = 4
#: What may change a widget's size hint (its own layout, its style or font).
_REMEASURE = (QEvent.Type.LayoutRequest, QEvent.Type.StyleChange, QEvent.Type.FontChange,
              QEvent.Type.Show)


class _ColumnWidth(QObject):
    """Keeps ``left`` (the column) as wide as ``content`` (inside ``scroll``)
    or ``below`` needs, with room for ``scroll``'s vertical scroll bar, and
    insets ``below`` (through its layout ``under``) to line up with
    ``content``'s boxes, beside the scroll bar while it shows."""

    def __init__(self, left: QWidget, scroll: QScrollArea, content: QWidget, below: QWidget,
                 under: QVBoxLayout):
        super().__init__(left)
        self._left, self._scroll, self._content, self._below = left, scroll, content, below
        self._under = under
        for widget in (content, below, scroll.verticalScrollBar()):
            widget.installEventFilter(self)
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
        side = MARGIN + self._scroll.frameWidth()
        bar = self._scroll.verticalScrollBar()
        right = side + (bar.sizeHint().width() if bar.isVisibleTo(self._scroll) else 0)
        margins = self._under.contentsMargins()
        if (margins.left(), margins.right()) != (side, right):
            self._under.setContentsMargins(side, 0, right, 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _REMEASURE or event.type() == QEvent.Type.Hide:
            self.fit()
        return False


def controls_column(settings: QWidget, run_box: QWidget) -> QWidget:
    """``settings`` in a vertical scroll area above ``run_box``, as one widget
    (``trainingControls``) of the width they need."""
    column = QWidget()
    cl = QVBoxLayout(column)
    cl.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
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
    under = QVBoxLayout()               # its side margins: set by _ColumnWidth
    under.addWidget(run_box)
    ll.addLayout(under)
    _ColumnWidth(left, scroll, column, run_box, under)
    return left

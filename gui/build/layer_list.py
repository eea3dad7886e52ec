"""The edited network as a vertical list of :class:`~gui.build.layer_row.LayerRow`
s: one is selected (the one holding the focus, or the last clicked), the
layer the engine's problem is about is framed, and a row can be dragged
onto another place.

Signals: ``sigEdited(index, key, value)``, ``sigSelected(index)``,
``sigMoved(from, to)`` (a drag). The list only shows; the editor owns the layers.
"""
from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from .draft import DraftCheck
from .layer_row import LayerRow

MIME = "application/x-cnn-playground-layer-index"


class LayerList(QWidget):
    """Rows of the edited layers (see the module docstring); ``rows`` is public for tests."""

    sigEdited = Signal(int, str, object)
    sigSelected = Signal(int)
    sigMoved = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerList")
        self.rows: list[LayerRow] = []
        self.selected: int | None = None
        self._bad: int | None = None
        self._press: tuple[int, QPoint] | None = None
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(4, 4, 4, 4)
        self._column.setSpacing(4)
        self._column.addStretch(1)
        self.setAcceptDrops(True)
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def show_check(self, check: DraftCheck, focus: int | None) -> None:
        """Show ``check``'s layers and figures; select row ``focus`` (and give
        it the focus if the list had it)."""
        layers = check.layers
        same = [(r.kind, r.name) for r in self.rows] == [(l["type"], l["name"]) for l in layers]
        had_focus = self._has_focus()
        if not same:
            self._rebuild(layers)
        self._bad = check.bad_layer
        for i, (row, layer, shapes) in enumerate(zip(self.rows, layers, check.shapes)):
            row.set_values(layer)
            after_bad = self._bad is not None and i > self._bad
            row.show_figures(shapes, blocked_by=self._bad if after_bad else None)
        if focus is not None and self.rows:
            self.select(min(focus, len(self.rows) - 1), take_focus=had_focus and not same)
        elif self.selected is not None and self.selected >= len(self.rows):
            self.select(len(self.rows) - 1 if self.rows else None)
        self._mark()

    def select(self, index: int | None, take_focus: bool = False) -> None:
        if index != self.selected:
            self.selected = index
            self._mark()
            if index is not None:
                self.sigSelected.emit(index)
        if take_focus and index is not None:
            row = self.rows[index]
            (row.first_spin() or row).setFocus(Qt.FocusReason.OtherFocusReason)

    def _rebuild(self, layers: list[dict]) -> None:
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        for i, layer in enumerate(layers):
            row = LayerRow(i, layer)
            row.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            row.sigEdited.connect(lambda key, value, r=row: self._edited(r, key, value))
            row.sigPressed.connect(lambda r=row: self.select(self.rows.index(r)))
            self._column.insertWidget(i, row)
            self.rows.append(row)

    def _edited(self, row: LayerRow, key: str, value) -> None:
        if row in self.rows:
            self.sigEdited.emit(self.rows.index(row), key, value)

    def _mark(self) -> None:
        for i, row in enumerate(self.rows):
            row.set_marks(i == self.selected, i == self._bad)

    def _has_focus(self) -> bool:
        now = QApplication.focusWidget()
        return now is not None and self.isAncestorOf(now)

    def _row_of(self, widget: QWidget | None) -> int | None:
        while widget is not None and widget is not self:
            if isinstance(widget, LayerRow) and widget in self.rows:
                return self.rows.index(widget)
            widget = widget.parentWidget()
        return None

    def _focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        index = self._row_of(now)
        if index is not None:
            self.select(index)

    # ------------------------------------------------------------ dragging
    def _row_at(self, pos: QPoint) -> int | None:
        return self._row_of(self.childAt(pos))

    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        index = self._row_at(pos)
        if index is not None:
            self._press = (index, pos)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton or \
                (pos - self._press[1]).manhattanLength() < QApplication.startDragDistance():
            return
        index, self._press = self._press[0], None
        mime = QMimeData()
        mime.setData(MIME, str(index).encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(self.rows[index].grab())
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        try:
            source = int(bytes(event.mimeData().data(MIME)).decode())
        except ValueError:
            return
        target = self.drop_index(event.position().toPoint().y())
        event.acceptProposedAction()
        if 0 <= source < len(self.rows) and target != source:
            self.sigMoved.emit(source, target)

    def drop_index(self, y: int) -> int:
        """The position a row dropped at height ``y`` moves to (the row under it)."""
        for i, row in enumerate(self.rows):
            if y < row.geometry().bottom():
                return i
        return max(0, len(self.rows) - 1)

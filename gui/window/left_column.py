"""The window's left column: the canvas on top, kept square and as large as
fits, the network input and prediction below it, and under them the
"Make it a ..." row (:class:`~gui.explain.morph_row.MorphRow`); under the
network input the "It's a ..." panel (:class:`~gui.personal.teach_row.TeachRow`)
that adds the drawing to the person's handwriting samples. While the
canvas is empty, a "Try: 0 1 2 ... 9" row (:class:`~gui.drawing.try_row.TryRow`)
lies over the bottom of the drawing square."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ..drawing.canvas import DrawingCanvas
from ..drawing.try_row import TryRow
from ..explain.morph_row import MorphRow
from ..inspect.input_view import InputView
from ..inspect.prediction_view import PredictionView
from ..personal.teach_row import TeachRow


class LeftColumn(QWidget):
    """Canvas on top, kept square and as large as fits (as wide as the column,
    at most ``max_width``, leaving at least ``below_min`` pixels for the network
    input and the prediction and the morph row's height); the network input
    (a share of the width) and the prediction side by side get the rest, the
    morph row (its own height, the whole width) lies at the bottom.

    ``try_row``: the example-digit buttons over the empty canvas (its
    ``sigDigitChosen(int)`` is the owner's to connect); hidden whenever the
    canvas is not blank. ``morph_row``: the "Make it a ..." row (connected by
    :mod:`gui.window.morph_wiring`). ``teach_row``: the "It's a ..." panel
    under the network input, as wide as it (connected by
    :mod:`gui.window.personal_wiring`)."""

    margin, spacing, below_min = 6, 6, 218
    row_gap = 3      # pixels between the prediction and the morph row
    min_width = 380  # input view + prediction side by side without clipping
    max_width = 520  # large windows go to the panels, not to a huge canvas
    input_share, input_widths = 0.4, (110, 230)  # the network input view: share of the width
    prediction_min = 196
    try_gap = 10     # pixels between the try row and the bottom of the square

    def __init__(self, canvas: DrawingCanvas, network_input: InputView,
                 prediction: PredictionView):
        super().__init__()
        below = QWidget()
        row = QHBoxLayout(below)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        network_input.setFixedWidth(self.input_widths[0])
        prediction.setMinimumWidth(self.prediction_min)
        self.teach_row = TeachRow()
        self.teach_row.setFixedWidth(self.input_widths[0])
        under_input = QVBoxLayout()
        under_input.setSpacing(self.spacing)
        under_input.addWidget(network_input, 1)
        under_input.addWidget(self.teach_row)
        row.addLayout(under_input)
        row.addWidget(prediction, 1)
        self.setMinimumWidth(340)
        self.setMaximumWidth(self.max_width)
        self._canvas, self._below, self._input = canvas, below, network_input
        canvas.setParent(self)
        below.setParent(self)
        self.morph_row = MorphRow(self)
        self.try_row = TryRow(self)
        self.try_row.raise_()
        canvas.sigDrawingChanged.connect(self._show_try_row)

    def minimumSizeHint(self) -> QSize:
        m = 2 * self.margin
        return QSize(max(self._canvas.minimumWidth() + m, self.min_width),
                     self._canvas.minimumHeight() + self.spacing + self.row_gap + self.below_min
                     + self._row_height() + m)

    def sizeHint(self) -> QSize:
        return QSize(400, 700)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        m = self.margin
        width = self.width() - 2 * m
        row_height = self._row_height()
        below = self.spacing + self.below_min + self.row_gap + row_height
        side = min(width, self.height() - 2 * m - below)
        side = max(side, self._canvas.minimumHeight())
        self._canvas.setGeometry(m, m, width, side)
        top = m + side + self.spacing
        lo, hi = self.input_widths
        room = width - 6 - self.prediction_min            # the prediction keeps its minimum
        input_width = int(max(lo, min(hi, self.input_share * width, room)))
        if input_width != self._input.width():
            self._input.setFixedWidth(input_width)
        if input_width != self.teach_row.width():   # its title never widens the column
            self.teach_row.setFixedWidth(input_width)
        row_top = self.height() - m - row_height
        self._below.setGeometry(m, top, width, max(row_top - self.row_gap - top, 0))
        self.morph_row.setGeometry(m, row_top, width, row_height)
        self._place_try_row()

    def _row_height(self) -> int:
        return self.morph_row.sizeHint().height()

    def _place_try_row(self) -> None:
        """Centre the try row near the bottom of the drawing square."""
        square = self._canvas.square_rect().translated(self._canvas.pos())
        hint = self.try_row.sizeHint()
        width = min(hint.width(), int(square.width()) - 8)
        self.try_row.setGeometry(int(square.center().x() - width / 2),
                                 int(square.bottom()) - hint.height() - self.try_gap,
                                 width, hint.height())

    def _show_try_row(self) -> None:
        self.try_row.setVisible(self._canvas.is_blank())

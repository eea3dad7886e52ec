"""The arithmetic under the cursor, in the inspector's lower half
(:mod:`engine.explain.arithmetic`, worded by :mod:`gui.inspect.arithmetic_text`):

* a convolution position: three small pictures side by side - the input
  patch the kernel sees, the kernel, their products (one tile per input
  channel) - and the sum: ``Σ patch × kernel = 3.21`` / ``+ bias −0.05 =
  3.16 → ReLU 3.16``;
* a max-pooling position: the window, its winning tap outlined, and the max;
* a dense unit: its largest contributions, the rest, the bias and the total.

Fixed heights, painted text: hovering from pixel to pixel repaints, it never
re-lays out the tab.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from engine.explain import Arithmetic, ConvArithmetic, DenseArithmetic, PoolArithmetic

from ..widgets.image_view import ImageView
from ..widgets.text_line import TextLine
from ..widgets.theme import LIGHT, Theme
from ..widgets.tiles import TileLayout, best_grid, positive_levels, symmetric_levels
from . import arithmetic_text as words

PICTURES = ("patch", "\u00d7 kernel", "= products")
DENSE_ROWS = 6          # contributions listed for a dense unit
LIST_PX = 10            # font size (pixels) of that list
MAX_PICTURE = 140       # the pictures' side (pixels), at most


class ArithmeticView(QWidget):
    """Shows one :class:`~engine.explain.Arithmetic` (or a hint).

    :ivar arithmetic: what is shown, or None
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = LIGHT
        self.arithmetic: Arithmetic | None = None
        self._classes = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = TextLine(" ", muted=False)
        self.title.setObjectName("panelTitle")
        self.caption = TextLine(" ")
        layout.addWidget(self.title)
        layout.addWidget(self.caption)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        # page 0: pictures + sum
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.views: list[ImageView] = []
        self.picture_captions: list[TextLine] = []
        for name in PICTURES:
            cell = QVBoxLayout()
            cell.setSpacing(0)
            view = ImageView(min_size=(40, 40))
            text = TextLine(name, align=Qt.AlignmentFlag.AlignHCenter)
            cell.addWidget(view, 1)
            cell.addWidget(text)
            row.addLayout(cell, 1)
            self.views.append(view)
            self.picture_captions.append(text)
        column.addLayout(row)
        self.sum_text = TextLine(" ", muted=False, mono=True, lines=4)
        column.addWidget(self.sum_text)
        column.addStretch(1)
        self.stack.addWidget(page)
        # page 1: a list of contributions
        # one line more than it shows: the glyphs × and − may come from a taller fallback font
        self.list_text = TextLine(" ", muted=False, mono=True, lines=DENSE_ROWS + 4)
        font = self.list_text.font()
        font.setPixelSize(LIST_PX)        # 33 characters a line fit the narrowest inspector
        self.list_text.setFont(font)
        list_page = QWidget()
        list_column = QVBoxLayout(list_page)
        list_column.setContentsMargins(0, 0, 0, 0)
        list_column.addWidget(self.list_text)
        list_column.addStretch(1)
        self.stack.addWidget(list_page)

    # ------------------------------------------------------------------ API
    def lines(self) -> list[str]:
        """The text lines shown under the pictures (or the dense list)."""
        widget = self.list_text if self.stack.currentIndex() == 1 else self.sum_text
        return [line for line in widget.text().split("\n") if line.strip()]

    def show_hint(self, title: str, text: str) -> None:
        """No arithmetic: a title and a one-line hint."""
        self.arithmetic = None
        self.title.setText(title)
        self.caption.setText(text)
        self.stack.setCurrentIndex(0)
        for view, caption in zip(self.views, self.picture_captions):
            view.clear_image()
            caption.setText("")
        self.sum_text.setText("")

    def show_arithmetic(self, a: Arithmetic, classes: bool = False) -> None:
        """Show ``a``; ``classes``: a dense unit is a class score."""
        self.arithmetic, self._classes = a, classes
        if isinstance(a, ConvArithmetic):
            self._show_conv(a)
        elif isinstance(a, PoolArithmetic):
            self._show_pool(a)
        elif isinstance(a, DenseArithmetic):
            self.title.setText(words.dense_title(a, classes))
            self.caption.setText(f"\u03a3 {a.inputs_count} inputs \u00d7 weights + bias")
            self.list_text.setText("\n".join(words.dense_lines(a, DENSE_ROWS)))
            self.stack.setCurrentIndex(1)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        for view in self.views:
            view.apply_theme(theme)
        if self.arithmetic is not None:
            self.show_arithmetic(self.arithmetic, self._classes)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        side = int(min(max((self.width() - 8) // 3, 40), MAX_PICTURE))
        for view in self.views:          # square pictures, the sum right under them
            if view.height() != side:
                view.setFixedHeight(side)

    # ------------------------------------------------------------- internals
    def _show_conv(self, a: ConvArithmetic) -> None:
        self.title.setText(words.conv_title(a))
        self.caption.setText(words.conv_caption(a))
        c_in, k1, k2 = a.patch.shape
        view = self.views[0]
        rows, cols = best_grid(c_in, k1, k2, max(view.width(), 1), max(view.height(), 1))
        tiles = TileLayout(c_in, k1, k2, rows, cols, gap=1 if c_in > 1 else 0)
        signed = bool(np.any(a.patch < 0))
        t = self._theme
        for view, values, caption, text, diverging in zip(
                self.views, (a.patch, a.kernel, a.products), self.picture_captions, PICTURES,
                (signed, True, True)):
            levels = symmetric_levels(values) if diverging else positive_levels(values)
            view.set_image(tiles.tile(values), levels,
                           t.diverging_lut() if diverging else t.sequential_lut())
            view.set_highlight(None)
            view.setVisible(True)
            caption.setText(text)
        self.sum_text.setText("\n".join(words.conv_lines(a)))
        self.stack.setCurrentIndex(0)

    def _show_pool(self, a: PoolArithmetic) -> None:
        self.title.setText(words.pool_title(a))
        self.caption.setText(words.pool_caption(a))
        view = self.views[0]
        view.set_image(a.window, positive_levels(a.window) if a.window.min() >= 0
                       else symmetric_levels(a.window),
                       self._theme.sequential_lut() if a.window.min() >= 0
                       else self._theme.diverging_lut())
        r, c = a.winner_tap
        view.set_highlight(QRectF(c, r, 1, 1), self._theme.qcolor("accent"))
        self.picture_captions[0].setText("window")
        for other, caption in zip(self.views[1:], self.picture_captions[1:]):
            other.clear_image()
            caption.setText("")
        self.sum_text.setText("\n".join(words.pool_lines(a)))
        self.stack.setCurrentIndex(0)

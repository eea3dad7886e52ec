"""The answer: the top class large with its confidence, and one probability
bar per class (pyqtgraph). An empty canvas shows "draw a digit" and no bars.

When the input is unlike the training digits (its novelty, see
:func:`engine.explain.novelty`, is above :data:`UNFAMILIAR`), the panel says
"doesn't look like a digit I know" and a "?" instead of a confident digit;
the bars still show what the network's softmax says. For a preview (a
"make it a 7" morph) the answer stays shown, with "unlike a real digit"
beside it: the point there is what the network answers."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from engine.explain.novelty import UNFAMILIAR

from ..state.prediction import PredictionResult
from ..widgets.bars import BarsItem, bar_chart, label_bar_slots
from ..widgets.panel import Panel
from ..widgets.plain_text import plain_label, plain_tooltip
from ..widgets.fit_text import FitText
from ..widgets.percent import percent
from ..widgets.text_line import TextLine
from ..widgets.theme import LIGHT, Theme

BAR_WIDTH = 0.72  # in class units

#: What the panel says while nothing is drawn.
PLACEHOLDER = "draw a digit"
#: What the panel says for an input unlike the training digits.
UNFAMILIAR_TEXT = "This doesn't look like a digit I know"
#: The detail line of a preview unlike the training digits (longest first).
UNFAMILIAR_PREVIEW = ("unlike a real digit", "unlike real digits", "odd input")


class PredictionView(Panel):
    """Panel with the predicted class, its probability and ten bars."""

    def __init__(self, num_classes: int = 10, parent: QWidget | None = None):
        super().__init__("Prediction", "", readout=False, parent=parent,
                         tooltip="What the network thinks you drew: the most likely digit, "
                                 "how sure it is, and the probability of every digit "
                                 "(the softmax of the last layer).")
        self._theme = LIGHT
        self._probs: np.ndarray | None = None
        self._novelty: float | None = None
        self._preview = False

        top = QHBoxLayout()
        top.setSpacing(8)
        self.digit_label = plain_label("")
        self.digit_label.setObjectName("bigDigit")
        font = QFont(self.font())
        font.setPixelSize(64)
        font.setBold(True)
        self.digit_label.setFont(font)
        self.digit_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digit_label.setFixedSize(64, 76)
        self.digit_label.setToolTip("The digit with the highest probability.")
        text_col = QVBoxLayout()
        text_col.setSpacing(0)
        # TextLine: changes on every update without re-laying out the window
        self.confidence_label = TextLine(muted=False)
        cfont = QFont(self.font())
        cfont.setPixelSize(24)
        cfont.setBold(True)
        self.confidence_label.setFont(cfont)
        self.confidence_label.setFixedHeight(self.confidence_label.fontMetrics().height() + 2)
        self.confidence_label.setToolTip("The probability of the top digit.")
        self.detail_label = FitText()   # the longest wording that fits, never cut mid-word
        self.detail_label.setToolTip("The second most likely digit and its probability.")
        self.unfamiliar_label = plain_label(UNFAMILIAR_TEXT, word_wrap=True)
        ufont = QFont(self.font())
        ufont.setPixelSize(14)
        ufont.setBold(True)
        self.unfamiliar_label.setFont(ufont)
        self.unfamiliar_label.setVisible(False)
        text_col.addStretch(1)
        text_col.addWidget(self.confidence_label)
        text_col.addWidget(self.detail_label)
        text_col.addWidget(self.unfamiliar_label)
        text_col.addStretch(1)
        self.placeholder = plain_label(PLACEHOLDER, word_wrap=True)
        self.placeholder.setObjectName("placeholder")
        self._placeholder_font = QFont(self.font())
        self._placeholder_font.setPixelSize(26)
        self._problem_font = QFont(self.font())
        self._problem_font.setPixelSize(14)
        self.placeholder.setFont(self._placeholder_font)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        top.addWidget(self.digit_label)
        top.addLayout(text_col, 1)
        self.body.addLayout(top)
        self.placeholder.setToolTip("The canvas is empty: draw a digit to see the prediction.")
        self.body.addWidget(self.placeholder, 1)

        self.plot = bar_chart()
        self.plot.setMinimumHeight(110)
        self.plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.plot.setToolTip("Probability of each digit; the bars add up to 100 %.")
        self.body.addWidget(self.plot, 1)
        self.bars: BarsItem | None = None
        self.set_num_classes(num_classes)
        self.set_result(None)

    # ------------------------------------------------------------------ API
    def unfamiliar(self) -> bool:
        """True while the shown input is unlike the training digits."""
        return self._odd() and not self._preview

    def _odd(self) -> bool:
        return self._probs is not None and self._novelty is not None and \
            self._novelty > UNFAMILIAR

    def probabilities(self) -> np.ndarray | None:
        """The probabilities shown, ``(classes,)``, or None when empty."""
        return None if self._probs is None else self._probs.copy()

    def set_num_classes(self, k: int) -> None:
        item = self.plot.getPlotItem()
        if self.bars is not None:
            item.removeItem(self.bars)
        self.k = int(k)
        self.bars = BarsItem(self.k, BAR_WIDTH, label_font=_small_font(self))
        item.addItem(self.bars)
        label_bar_slots(item, self.k)
        item.setYRange(0, 1.16, padding=0)
        self._style_axis()
        self.set_result(None)

    def set_result(self, result: PredictionResult | None) -> None:
        probs = None if result is None or result.empty else result.probabilities
        if probs is not None and len(probs) != self.k:
            self.set_num_classes(len(probs))
        self._probs = None if probs is None else np.asarray(probs, dtype=np.float64)
        self._novelty = None if result is None else result.novelty
        self._preview = result is not None and result.preview
        empty = self._probs is None
        problem = None if result is None else result.problem
        self.placeholder.setText(problem or PLACEHOLDER)
        _set_font(self.placeholder, self._problem_font if problem else self._placeholder_font)
        unfamiliar = self.unfamiliar()
        self.placeholder.setVisible(empty)
        self.digit_label.setVisible(not empty)
        self.confidence_label.setVisible(not empty and not unfamiliar)
        self.detail_label.setVisible(not empty and not unfamiliar)
        self.unfamiliar_label.setVisible(unfamiliar)   # no re-layout unless it changes
        self.plot.setVisible(not empty)
        self.bars.setVisible(not empty)
        if empty:
            return
        p = self._probs
        top = int(np.argmax(p))
        accent, bar, muted = (self._theme.qcolor(n) for n in ("accent", "bar", "muted"))
        if unfamiliar:
            self._show_top_class("?")
            self.unfamiliar_label.setToolTip(plain_tooltip(
                f"Inside the network this looks less typical than 99 % of the training digits "
                f"(novelty {self._novelty:.2f}; above {UNFAMILIAR:.2f} is unfamiliar), so "
                f"its {percent(p[top], 1)} for {top} means little: the softmax always picks "
                f"some digit."))
            accent = muted
        else:
            self._show_top_class(str(top))
            self.confidence_label.setText(percent(p[top], 1))
            second = int(np.argsort(p)[-2]) if len(p) > 1 else top
            runner_up = percent(p[second], 1)
            self.detail_label.set_variants(
                UNFAMILIAR_PREVIEW if self._odd() else
                (f"runner-up: {second} ({runner_up})", f"2nd: {second} ({runner_up})",
                 f"2nd: {second}") if len(p) > 1 else ())

        colors = [accent if i == top else bar for i in range(self.k)]
        labels = [percent(v) if v >= 0.005 else "" for v in p]
        self.bars.set_bars(p, colors, labels, [accent if i == top else muted for i in range(self.k)])

    def _show_top_class(self, text: str) -> None:
        """The top class, as large as fits its box (one digit: 64 px; "47": smaller)."""
        font = QFont(self.digit_label.font())
        size = 64
        font.setPixelSize(size)
        room = self.digit_label.width() - 4
        while size > 12 and QFontMetrics(font).horizontalAdvance(text) > room:
            size -= 4
            font.setPixelSize(size)
        _set_font(self.digit_label, font)
        self.digit_label.setText(text)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.plot.setBackground(theme.surface)
        self._style_axis()
        if self._probs is not None:
            probs = self._probs
            self._probs = None
            self.set_result(PredictionResult(None, probs, novelty=self._novelty,
                                             preview=self._preview))

    def _style_axis(self) -> None:
        axis = self.plot.getPlotItem().getAxis("bottom")
        axis.setPen(pg.mkPen(self._theme.border))
        axis.setTextPen(pg.mkPen(self._theme.text))
        font = QFont(self.font())
        font.setPixelSize(13)
        font.setBold(True)
        axis.setTickFont(font)


def _set_font(widget: QWidget, font: QFont) -> None:
    """Set ``font`` unless the widget has it already (setting a font, even the
    same one, makes Qt re-measure the widget: five times a second while
    training re-sets the prediction)."""
    if widget.font() != font:
        widget.setFont(font)


def _small_font(widget: QWidget) -> QFont:
    font = QFont(widget.font())
    font.setPixelSize(10)
    return font


"""The formula of the walk's current phase, with the step's numbers::

    ReLU: keeps positive values, sets the rest to 0              (what the layer does)
    relu1[3, 12, 7] = max(0, z)                                  (the equation here)
    z = conv1[3, 12, 7] = −0.231    dL/d relu1[3, 12, 7] = …     (blocks side by side)
    Click a value in the conv1 row to choose another position.   (hint)

Everything is plain text (layer names come from model files) in a monospace
font, so the columns of numbers line up; the blocks scroll sideways when the
tab is narrower than they are. The text comes from
:mod:`gui.backprop.formula_text`.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, \
    QWidget

from ..widgets.plain_text import plain_label
from ..widgets.text_line import monospace
from .formula_text import Formula

#: Side-by-side blocks shown at most.
BLOCKS = 3
#: Font size (pixels) of the formula; ``LARGE_PX`` once the panel is ``LARGE_FROM`` pixels wide.
FORMULA_PX = 11
LARGE_PX = 13
LARGE_FROM = 1100
#: Space (pixels) between the blocks.
GAP = 16


def mono_font(base: QFont, pixels: int = FORMULA_PX) -> QFont:
    """``base`` as the monospace font the formula uses, ``pixels`` high."""
    font = monospace(base)
    font.setPixelSize(pixels)
    return font


class FormulaPanel(QWidget):
    """See the module docstring. ``description``, ``heading``, ``blocks``
    (the block labels) and ``hint`` are public for tests."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        self.description = plain_label(word_wrap=True, object_name="hint")
        column.addWidget(self.description)
        self.heading = plain_label(word_wrap=True)
        self.heading.setFont(mono_font(self.font()))
        self.heading.setObjectName("panelTitle")
        column.addWidget(self.heading)
        self._row = QWidget()
        row = QHBoxLayout(self._row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(GAP)
        self.blocks: list[QLabel] = []
        for _ in range(BLOCKS):
            label = plain_label()
            label.setFont(mono_font(self.font()))
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            row.addWidget(label, 0, Qt.AlignmentFlag.AlignTop)
            self.blocks.append(label)
        row.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self._row)
        self.scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        column.addWidget(self.scroll)
        self.hint = plain_label(word_wrap=True, object_name="hint")
        column.addWidget(self.hint)

    def show_formula(self, description: str, formula: Formula | None, hint: str = "") -> None:
        """Show ``formula`` under ``description`` (None: only the description)."""
        self.description.setText(description)
        self.heading.setText(formula.heading if formula is not None else "")
        self.heading.setVisible(formula is not None)
        blocks = formula.blocks if formula is not None else ()
        for label, lines in zip(self.blocks, list(blocks) + [()] * BLOCKS):
            label.setText("\n".join(lines))
            label.setVisible(bool(lines))
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self._fit()

    def text(self) -> str:
        """Everything shown, one part a line (for tests)."""
        parts = [self.description, self.heading, *self.blocks, self.hint]
        return "\n".join(p.text() for p in parts if p.isVisibleTo(self) and p.text())

    def _fit(self) -> None:
        """The blocks keep their natural size: the scroll area scrolls sideways
        when narrower, and is exactly as tall as the tallest block (plus a
        scroll bar's height)."""
        shown = [b for b in self.blocks if not b.isHidden()]
        width = sum(b.sizeHint().width() for b in shown) + GAP * max(len(shown) - 1, 0)
        height = max((b.sizeHint().height() for b in shown), default=0)
        self._row.setMinimumSize(width, height)
        bar = self.scroll.horizontalScrollBar().sizeHint().height()
        self.scroll.setFixedHeight(height + (bar if width > self.scroll.viewport().width() else 0))
        self.scroll.setVisible(bool(shown))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        pixels = LARGE_PX if self.width() >= LARGE_FROM else FORMULA_PX
        if self.heading.font().pixelSize() != pixels:     # wide tabs: larger figures
            for label in (self.heading, *self.blocks):
                label.setFont(mono_font(self.font(), pixels))
        self._fit()

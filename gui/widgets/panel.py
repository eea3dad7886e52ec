"""A titled, rounded frame for one view: title, grey subtitle (e.g. a shape),
a body, and an optional one-line read-out of hovered values."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from .plain_text import plain_label, plain_tooltip
from .text_line import TextLine


class Panel(QFrame):
    """A rounded frame with a title, a grey subtitle (e.g. the shape), a body
    and an optional one-line read-out (hover values) under it."""

    def __init__(self, title: str, subtitle: str = "", tooltip: str = "",
                 readout: bool = True, readout_in_header: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 5)
        layout.setSpacing(2)
        header = QHBoxLayout()
        header.setSpacing(6)
        self.title_label = plain_label(title)
        self.title_label.setObjectName("panelTitle")
        self.subtitle_label = plain_label(subtitle)
        self.subtitle_label.setObjectName("panelShape")
        self.subtitle_label.setMinimumWidth(1)   # may be clipped in a narrow panel
        header.addWidget(self.title_label)
        header.addWidget(self.subtitle_label)
        self.readout = TextLine(mono=True, align=Qt.AlignmentFlag.AlignRight if readout_in_header
                                else Qt.AlignmentFlag.AlignLeft)
        self.readout.setVisible(readout)
        if readout_in_header:  # compact: values on the title line, right-aligned
            header.addWidget(self.readout, 1)
        else:
            header.addStretch(1)
        layout.addLayout(header)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(2)
        layout.addLayout(self.body, 1)
        if not readout_in_header:
            layout.addWidget(self.readout)
        if tooltip:
            self.setToolTip(plain_tooltip(tooltip))

    def set_readout(self, text: str) -> None:
        self.readout.setText(text or "")

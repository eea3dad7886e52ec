"""A titled, rounded frame for one view: title, grey subtitle (e.g. a shape),
a body, and a one-line footer that shows the read-out of hovered values while
the mouse is over a value and otherwise an optional widget (a colour scale)."""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from .export_menu import install_export_menu
from .fit_text import FitText
from .plain_text import plain_label, plain_tooltip
from .text_line import TextLine


#: Widest panel title (px); longer titles (layer names come from model files) are elided.
TITLE_MAX_PX = 150


class Panel(QFrame):
    """A rounded frame with a title, a grey subtitle (e.g. the shape), a body
    and a one-line read-out (hover values) under it or on the title line.

    ``subtitle`` may be several variants, longest first: the longest that
    fits is shown (:class:`gui.widgets.fit_text.FitText`). A widget given to
    :meth:`set_footer` (e.g. a colour bar) takes the read-out's place while
    the read-out is empty."""

    def __init__(self, title: str, subtitle: str | Sequence[str] = "", tooltip: str = "",
                 readout: bool = True, readout_in_header: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(7, 5, 7, 5)
        layout.setSpacing(2)
        header = QHBoxLayout()
        header.setSpacing(5)
        self.title_label = plain_label(title)
        self.title_label.setObjectName("panelTitle")
        bold = self.title_label.font()
        bold.setBold(True)                   # as the style sheet draws it
        shown = QFontMetrics(bold).elidedText(title, Qt.TextElideMode.ElideMiddle, TITLE_MAX_PX)
        self.title_label.setText(shown)       # a long name never widens a row of panels
        if shown != title:
            self.title_label.setToolTip(plain_tooltip(title))
        self.subtitle_label = FitText((subtitle,) if isinstance(subtitle, str) else subtitle)
        self.subtitle_label.setObjectName("panelShape")
        header.addWidget(self.title_label)
        header.addWidget(self.subtitle_label, 0 if readout_in_header else 1)
        self.readout = TextLine(mono=True, align=Qt.AlignmentFlag.AlignRight if readout_in_header
                                else Qt.AlignmentFlag.AlignLeft)
        self.footer: QWidget | None = None
        self._line = QStackedWidget(self)      # the read-out, or the footer while it is empty
        #                                        (a parent: never shown as a window of its own)
        self._line.addWidget(self.readout)
        self._line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._line.setFixedHeight(self.readout.height())
        self._line.setVisible(readout)
        if readout_in_header:  # compact: values on the title line, right-aligned
            header.addWidget(self._line, 1)
        layout.addLayout(header)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(2)
        layout.addLayout(self.body, 1)
        if not readout_in_header:
            layout.addWidget(self._line)
        if tooltip:
            self.setToolTip(plain_tooltip(tooltip))
        install_export_menu(self, title)     # right-click: save as PNG (plots: SVG)

    def set_footer(self, widget: QWidget) -> None:
        """Show ``widget`` (one line high) where the read-out is, while no value
        is read out."""
        self.footer = widget
        self._line.addWidget(widget)
        self._line.setFixedHeight(max(self.readout.height(), widget.sizeHint().height()))
        self._line.setVisible(True)
        self._show_line()

    def set_readout(self, text: str) -> None:
        self.readout.setText(text or "")
        self._show_line()

    def _show_line(self) -> None:
        shown = self.footer if self.footer is not None and not self.readout.text() \
            else self.readout
        if self._line.currentWidget() is not shown:
            self._line.setCurrentWidget(shown)

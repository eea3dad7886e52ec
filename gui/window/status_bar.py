"""The status bar: the shown model (name, architecture, size, test accuracy)
on the left, the time the last prediction took on the right."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy, QStatusBar, QWidget

from ..state.model_info import ModelInfo
from ..state.prediction import PredictionResult
from ..widgets.fit_text import FitText
from ..widgets.plain_text import plain_tooltip
from ..widgets.text_line import TextLine


MODEL_TIP = ("The model in use: file, architecture size and its accuracy on the 10,000 MNIST "
             "test digits.")


class PlaygroundStatusBar(QStatusBar):
    """``model_status`` (plain text, shortened to fit) and ``timing_status``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        # the longest wording that fits (never cut mid-word); it may shrink: the timing stays
        self.model_status = FitText(muted=False)
        self.model_status.setMinimumWidth(120)
        self.model_status.setToolTip(MODEL_TIP)
        self.timing_status = TextLine(align=Qt.AlignmentFlag.AlignRight)
        self.timing_status.setToolTip("Time to preprocess the drawing and run the network once.")
        self.timing_status.setFixedWidth(240)
        # fixed, not the TextLine's "ignored": the status bar's layout would
        # give it no width and place it past the window's right edge
        self.timing_status.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.addWidget(self.model_status, 1)
        self.addPermanentWidget(self.timing_status)
        self._message: tuple[str, int, float] | None = None   # text, timeout ms, when shown

    def showMessage(self, text: str, timeout: int = 0) -> None:  # Qt's name
        """As ``QStatusBar.showMessage``; a message shown before the bar is
        (a problem found while the window is built) is shown again with it."""
        self._message = (text, int(timeout), time.monotonic())
        super().showMessage(text, timeout)

    def showEvent(self, event) -> None:
        # Qt hides the model line under a message only if the line is visible
        # then: before the window was shown, both would be drawn over each other
        super().showEvent(event)
        text = self.currentMessage()
        if text and self._message is not None and self._message[0] == text:
            _, timeout, shown_at = self._message
            left = 0 if timeout <= 0 else max(1, timeout - int(1000 * (time.monotonic() - shown_at)))
            self.clearMessage()                 # (the same text again would change nothing)
            super().showMessage(text, left)

    def show_info(self, info: ModelInfo) -> None:
        variants = info.status_variants()          # the whole line first
        self.model_status.set_variants(variants)
        self.model_status.setToolTip(plain_tooltip(f"{variants[0]}\n\n{MODEL_TIP}"))

    def show_timing(self, result: PredictionResult) -> None:
        self.timing_status.setText("" if result.empty else
                                   f"preprocess {result.preprocess_ms:.1f} ms · "
                                   f"network {result.forward_ms:.1f} ms")

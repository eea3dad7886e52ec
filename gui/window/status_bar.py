"""The status bar: the shown model (name, architecture, size, test accuracy)
on the left, the time the last prediction took on the right."""
from __future__ import annotations

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

    def show_info(self, info: ModelInfo) -> None:
        variants = info.status_variants()          # the whole line first
        self.model_status.set_variants(variants)
        self.model_status.setToolTip(plain_tooltip(f"{variants[0]}\n\n{MODEL_TIP}"))

    def show_timing(self, result: PredictionResult) -> None:
        self.timing_status.setText("" if result.empty else
                                   f"preprocess {result.preprocess_ms:.1f} ms · "
                                   f"network {result.forward_ms:.1f} ms")

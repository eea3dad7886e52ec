"""The "Why?" lab in the window: the saliency overlay on the canvas and the
network input, the "make it a ..." morphs next to the prediction, and the
inspector's "what it wants" and arithmetic under the cursor. Each part is
connected to the window's public views by its own wiring module."""
from __future__ import annotations

from PySide6.QtCore import QObject

from .inspect_wiring import connect_inspect
from .morph_wiring import connect_morph
from .saliency_wiring import connect_saliency


class WhyLab(QObject):
    """Owns the explanation parts of one window (``window`` is a
    :class:`~gui.window.main_window.MainWindow`; only its public views are used)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.saliency = connect_saliency(window)
        self.morph = connect_morph(window)
        self.inspect = connect_inspect(window)

"""The "Why?" lab in the window: the saliency overlay on the canvas and the
network input, the "make it a ..." morphs next to the prediction, and the
inspector's "what it wants" and arithmetic under the cursor. Each part is
connected to the window's public views by its own wiring module.

The framing switch lives here too: the network sees the drawing framed like
MNIST (cropped, scaled, centred by mass: the default) or plainly shrunk, so
a learner can see what centring and scale do to the answer."""
from __future__ import annotations

from PySide6.QtCore import QObject

from .backprop_wiring import connect_backprop
from .build_wiring import connect_build
from .inspect_wiring import connect_inspect
from .morph_wiring import connect_morph
from .onnx_wiring import connect_onnx_export
from .personal_wiring import connect_personal
from .saliency_wiring import connect_saliency


PLAIN_NOTE = ("Plain resize: the network now sees the whole square shrunk to 28×28, "
              "not cropped, scaled and centred like the MNIST digits it learned from.")
MNIST_NOTE = ("MNIST-style framing: your drawing is cropped, scaled to 20 pixels and centred "
              "by mass, like the training digits.")


class WhyLab(QObject):
    """Owns the explanation parts of one window (``window`` is a
    :class:`~gui.window.main_window.MainWindow`; only its public views are used)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.saliency = connect_saliency(window)
        self.morph = connect_morph(window)
        self.inspect = connect_inspect(window)
        self.personal = connect_personal(window)
        self.build = connect_build(window)
        self.backprop = connect_backprop(window)
        self.onnx = connect_onnx_export(window)
        self._controller = window.controller
        self._status = window.statusBar()

    def set_plain_framing(self, on: bool) -> None:
        """Feed the network the plainly resized square (``on``) or the
        MNIST-style framing, and say what changed in the status bar."""
        self._controller.set_framing("plain" if on else "mnist")
        self._status.showMessage(PLAIN_NOTE if on else MNIST_NOTE, 10000)

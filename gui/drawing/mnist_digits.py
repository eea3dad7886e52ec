"""Random MNIST test digits for the canvas ("Random test digit").

MNIST comes from the Training tab's :class:`~gui.training.data_box.DataBox`:
used at once when it is loaded, loaded off the GUI thread when its files are
there, and otherwise the learner is told, in plain text, how to get it (the
Training tab's Download button). Nothing here blocks or raises.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..training.data_box import DataBox
from .placed import MnistDigit


class MnistDigitPicker(QObject):
    """Chooses random test digits with ``rng`` from ``data``'s MNIST.

    Signals: ``sigPicked(MnistDigit)``; ``sigStatus(text)`` - a short note
    (MNIST is being loaded); ``sigUnavailable(title, text)`` - why there is no
    digit and how to get MNIST (plain text).
    """

    sigPicked = Signal(object)
    sigStatus = Signal(str)
    sigUnavailable = Signal(str, str)

    def __init__(self, data: DataBox, rng: np.random.Generator, parent: QObject | None = None):
        super().__init__(parent)
        self._data = data
        self._rng = rng
        self._pending = False       # a digit was asked for while MNIST loads
        data.sigChanged.connect(self._data_changed)

    @property
    def pending(self) -> bool:
        """True while a digit waits for MNIST to load."""
        return self._pending

    def pick(self) -> None:
        """Emit a random test digit: now if MNIST is loaded, after loading it
        if its files are there; else emit ``sigUnavailable``."""
        data = self._data
        if data.dataset is not None:
            self._emit_random()
            return
        problem = self._problem()
        if problem is not None:
            self.sigUnavailable.emit(*problem)
            return
        self._pending = True
        self.sigStatus.emit("Loading the MNIST test digits\u2026")
        if not data.loading:   # else: a load is under way; sigChanged tells when it ends
            data.load_then(self._data_changed)

    def _problem(self) -> tuple[str, str] | None:
        """``(title, text)`` saying why MNIST cannot be loaded now, or None."""
        data = self._data
        if data.downloading:
            return ("MNIST is downloading",
                    "MNIST is being downloaded (see the Training tab). Ask for a random test "
                    "digit again when the download has finished.")
        if data.loading:
            return None
        folder, missing, problem = data.status()
        if problem is not None:
            return ("MNIST cannot be read",
                    f"The MNIST data location cannot be used: {problem}\n\nPoint "
                    f"CNN_PLAYGROUND_DATA at a folder holding the four MNIST files.")
        if missing:
            return ("MNIST is not here yet",
                    f"Random test digits come from the MNIST test set, which is not on this "
                    f"computer yet ({len(missing)} of 4 files missing in {folder}).\n\n"
                    f"To get it, open the Training tab and click "
                    f"\u201c{data.download_button.text()}\u201d (once). Then ask for a random "
                    f"test digit again.")
        return None

    def _data_changed(self) -> None:
        if not self._pending or self._data.loading:
            return
        self._pending = False
        if self._data.dataset is not None:
            self._emit_random()
        else:
            self.sigUnavailable.emit("MNIST could not be loaded",
                                     "The MNIST files could not be read; the Training tab "
                                     "says why.")

    def _emit_random(self) -> None:
        data = self._data.dataset
        count = len(data.test_labels)
        if count == 0:
            self.sigUnavailable.emit("No test digits", "The loaded data has no test images.")
            return
        index = int(self._rng.integers(count))
        self.sigPicked.emit(MnistDigit(data.test_images[index], index,
                                       int(data.test_labels[index])))

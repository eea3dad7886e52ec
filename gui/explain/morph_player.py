"""Plays a morph's path as a short animation: a QTimer steps through a
subsample of its frames (first and last always included) in about 1.2 s in
all, never blocking the event loop. The player only counts; its owner shows
each frame (e.g. as the prediction controller's preview)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

#: Length of the whole animation (ms) and the most frames it shows.
DURATION_MS, MAX_FRAMES = 1200, 30
#: Shortest and longest time one frame is shown (ms).
FRAME_MS = (30, 250)


def frame_indices(length: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Indices into a path of ``length`` frames: evenly spread, at most
    ``max_frames`` of them, always the first and the last, increasing."""
    if length <= 0:
        return np.zeros(0, dtype=int)
    count = max(1, min(int(length), int(max_frames)))
    if count == 1:
        return np.array([length - 1])
    return np.unique(np.rint(np.linspace(0, length - 1, count)).astype(int))


class MorphPlayer(QObject):
    """Steps through frames on a timer.

    Signals: ``sigFrame(index)`` (an index into the path; the first one at
    once when :meth:`play` is called), ``sigFinished()`` after the last frame
    (not after :meth:`stop`).
    """

    sigFrame = Signal(int)
    sigFinished = Signal()

    def __init__(self, parent: QObject | None = None, duration_ms: int = DURATION_MS):
        super().__init__(parent)
        self.duration_ms = int(duration_ms)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._step)
        self._frames = np.zeros(0, dtype=int)
        self._next = 0
        self._generation = 0    # play() and stop() start a new one

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self, length: int) -> None:
        """Play a path of ``length`` frames (replaces one being played)."""
        self._timer.stop()
        self._generation += 1
        self._frames = frame_indices(length)
        self._next = 0
        if len(self._frames) == 0:
            return
        gaps = max(len(self._frames) - 1, 1)
        lo, hi = FRAME_MS
        self._timer.setInterval(int(np.clip(self.duration_ms / gaps, lo, hi)))
        self._timer.start()
        self._step()

    def stop(self) -> None:
        """Stop where it is (no ``sigFinished``)."""
        self._timer.stop()
        self._generation += 1
        self._next = len(self._frames)

    def _step(self) -> None:
        if self._next >= len(self._frames):
            self._timer.stop()
            return
        index = int(self._frames[self._next])
        self._next += 1
        last = self._next >= len(self._frames)
        if last:
            self._timer.stop()
        generation = self._generation
        self.sigFrame.emit(index)
        if last and generation == self._generation:   # not stopped or replaced meanwhile
            self.sigFinished.emit()

"""Spread a burst of GUI updates over several event-loop turns.

While training, the live weights re-run the prediction ~5 times a second and
every panel on screen is redrawn. Done in one go that is 7 ms of GUI-thread
work on an idle machine and 20-30 ms while training threads compete for the
2 cores: the event loop would stall for longer than a frame. Run as a queue
of small steps, one per event-loop turn, each step's repaint happens before
the next step starts, and timers and input are served in between::

    spread = SpreadUpdate()
    spread.start([lambda: view.set_result(r) for view in views])
"""
from __future__ import annotations

from collections import deque
from typing import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal


class SpreadUpdate(QObject):
    """A queue of zero-argument callables run one per event-loop turn.

    :meth:`start` replaces whatever is still queued (a newer state supersedes
    an older one); :meth:`finish` runs the rest now; :meth:`cancel` drops it.
    ``sigFinished()`` is emitted after the last step of a queue ran.
    """

    sigFinished = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._steps: deque[Callable[[], object]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._run_one)

    @property
    def busy(self) -> bool:
        """True while steps are queued."""
        return bool(self._steps)

    def start(self, steps: Iterable[Callable[[], object]]) -> None:
        self._steps = deque(steps)
        if self._steps:
            self._timer.start()
        else:
            self._timer.stop()

    def append(self, step: Callable[[], object]) -> None:
        """Queue one more step after the others (starts the queue if idle)."""
        self._steps.append(step)
        if not self._timer.isActive():
            self._timer.start()

    def finish(self) -> None:
        """Run every queued step now."""
        self._timer.stop()
        ran = bool(self._steps)
        while self._steps:
            self._steps.popleft()()
        if ran:
            self.sigFinished.emit()

    def cancel(self) -> None:
        self._timer.stop()
        self._steps.clear()

    def _run_one(self) -> None:
        if not self._steps:
            return
        self._steps.popleft()()
        if self._steps:
            self._timer.start()
        else:
            self.sigFinished.emit()

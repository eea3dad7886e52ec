"""The runs of this session (and the run files opened), oldest first, for
comparing them. One owner: the runs lab adds runs; views listen to
``sigChanged``.

Memory: a run's checkpoints may take up to 100 MB
(:data:`engine.training.checkpoints.CHECKPOINT_MEMORY_BYTES`), so only the
:data:`KEEP_CHECKPOINTS` newest runs keep them; older runs keep their
curves and settings (a few hundred kB), enough to be compared. At most
:data:`MAX_RUNS` runs are kept: the oldest are forgotten first.
"""
from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal

from engine.training.run_record import TrainingRun

MAX_RUNS = 30
KEEP_CHECKPOINTS = 2


class RunHistory(QObject):
    """``runs`` oldest first; ``sigChanged()`` after every change."""

    sigChanged = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._runs: list[TrainingRun] = []

    @property
    def runs(self) -> tuple[TrainingRun, ...]:
        return tuple(self._runs)

    def add(self, run: TrainingRun) -> None:
        """Keep ``run`` as the newest; older runs beyond the limits lose their
        checkpoints, then themselves."""
        self._runs.append(run)
        del self._runs[:-MAX_RUNS]
        for i in range(max(0, len(self._runs) - KEEP_CHECKPOINTS)):
            if self._runs[i].checkpoints:
                self._runs[i] = dataclasses.replace(self._runs[i], checkpoints=())
        self.sigChanged.emit()

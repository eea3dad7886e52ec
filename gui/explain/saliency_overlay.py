"""The "Why?" overlay's state: which saliency method is on, and the map of
the newest prediction, computed off the GUI thread.

Feed it every :class:`~gui.state.prediction.PredictionResult`
(:meth:`SaliencyOverlay.show_result`, connected to the controller's
``sigPredictionUpdated``). While a method is on, each result's map
(:func:`engine.explain.saliency` of ``result.image`` for ``result.model``,
explaining the predicted class) is computed in a
:class:`~gui.workers.call_job.CallJob`, and coloured there too
(:func:`~gui.explain.heat_colours.heat_to_rgba`), so the GUI thread only
repaints. *Latest wins, never queues up*: at most one job runs; a newer
result waits in a single slot (replacing an older waiting one) and starts
when the running job is done, after a pause: at least :data:`MIN_GAP_MS`
from one start to the next and at least :data:`IDLE_RATIO` times as long
as the last job took (so while a stroke is drawn the overlay follows at
most ~12 times a second, a slow method less often, and the worker never
takes more than a quarter of a core from the stroke); the methods of
:data:`SLOW_METHODS`, and any method whose last two jobs both took longer
than :data:`SLOW_MS` (one cold or crowded job is not enough), wait for the
end of a stroke being drawn (``drawing()`` tells). A map finished for a drawing that has since changed is still shown
(the overlay lags a step while drawing); maps of a switched-off or switched
method, of a cleared canvas or of a replaced model are dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from functools import partial

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from engine.explain import METHOD_INFO, METHODS, saliency

from ..state.prediction import PredictionResult
from ..workers.call_job import CallJob
from .heat_colours import heat_to_rgba

DEFAULT_METHOD = "gradcam"
"""The method the overlay uses when it is switched on before one was chosen."""
MIN_GAP_MS = 80
"""Least time (ms) from one job's start to the next one's."""
IDLE_RATIO = 3.0
"""After a job, wait at least this many times its duration before the next."""
SLOW_MS = 30.0
SLOW_METHODS = ("smoothgrad", "occlusion")
"""Methods that always wait for the end of a stroke (~9-11 ms a map here)."""
"""A job that took longer (ms) makes the next wait while a stroke is being drawn."""


@dataclass(frozen=True)
class SaliencyMap:
    """One explained prediction.

    :ivar heat: ``(28, 28)`` float32, the saliency map on the input grid
    :ivar rgba: ``(28, 28, 4)`` uint8, ``heat`` coloured for display
    :ivar method: one of :data:`engine.explain.METHODS`
    :ivar signed: True if ``heat`` has both signs (red / blue), else >= 0 (warm)
    :ivar result: the prediction it explains (its ``image``, ``model``, ``frame_map``)
    """
    heat: np.ndarray
    rgba: np.ndarray
    method: str
    signed: bool
    result: PredictionResult


def explain(result: PredictionResult, method: str) -> SaliencyMap:
    """The coloured saliency map of ``result`` (runs on a worker thread; the
    model is only read)."""
    heat = np.asarray(saliency(result.model, result.image[None], method=method), np.float32)
    if heat.shape != result.image.shape:
        raise ValueError(f"the {method} map is {heat.shape}, not {result.image.shape}")
    signed = METHOD_INFO[method].signed
    return SaliencyMap(heat, heat_to_rgba(heat, signed), method, signed, result)


def one_line(message: str, limit: int = 160) -> str:
    """The first line of ``message``, at most ``limit`` characters."""
    line = (str(message).strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[:limit - 1] + "…"


class SaliencyOverlay(QObject):
    """Which saliency method is shown (``method``: None = off) and its newest map;
    ``drawing()`` says whether a stroke is being drawn.

    Signals: ``sigMapChanged(SaliencyMap | None)`` (None: nothing to draw),
    ``sigMethodChanged(str | None)``, ``sigFailed(str)`` (one line for the
    status bar; the overlay is cleared).
    """

    sigMapChanged = Signal(object)
    sigMethodChanged = Signal(object)
    sigFailed = Signal(str)

    def __init__(self, parent: QObject | None = None,
                 drawing: Callable[[], bool] = lambda: False):
        super().__init__(parent)
        self._drawing = drawing               # True while a stroke is being drawn
        self._took_ms = 0.0                   # the faster of the last two jobs (ms)
        self._last_took = 0.0                 # how long the last job took (ms)
        self._method: str | None = None
        self._chosen = DEFAULT_METHOD         # what switching on shows
        self._last: PredictionResult | None = None
        self._current: SaliencyMap | None = None
        self._job: CallJob | None = None
        self._waiting: PredictionResult | None = None
        self._generation = 0                  # bumped when running maps become unwanted
        self._gap = QTimer(self)              # runs while the next job may not start yet
        self._gap.setSingleShot(True)
        self._started_at = 0.0                # perf_counter() of the running job's start
        self._gap.timeout.connect(self._start_waiting)
        self.jobs_started = 0                 # for tests and measurements

    # ------------------------------------------------------------ state
    @property
    def method(self) -> str | None:
        """The method shown, None while the overlay is off."""
        return self._method

    @property
    def chosen(self) -> str:
        """The method switching on shows (the last one chosen)."""
        return self._chosen

    @property
    def current(self) -> SaliencyMap | None:
        """The map drawn now, or None."""
        return self._current

    @property
    def busy(self) -> bool:
        """True while a map is being computed (or waits to be)."""
        return self._job is not None or self._waiting is not None

    def set_on(self, on: bool) -> None:
        """Switch the overlay on (with :attr:`chosen`) or off."""
        self.set_method(self._chosen if on else None)

    def toggle(self) -> None:
        self.set_on(self._method is None)

    def choose(self, method: str) -> None:
        """Make ``method`` the one switching on shows, without switching on
        (a remembered preference); shown at once if the overlay is on."""
        if method not in METHODS:
            raise ValueError(f"unknown saliency method {method!r}; expected one of {METHODS}")
        if self._method is not None:
            self.set_method(method)
        elif method != self._chosen:
            self._chosen = method
            self.sigMethodChanged.emit(None)

    def set_method(self, method: str | None) -> None:
        """Show ``method`` (one of :data:`engine.explain.METHODS`), or switch off
        (None); the map of the last result is computed again."""
        if method is not None and method not in METHODS:
            raise ValueError(f"unknown saliency method {method!r}; expected one of {METHODS}")
        if method == self._method:
            return
        self._method = method
        if method is not None:
            self._chosen = method
        self._drop_running()
        self._gap.stop()                      # the user asked: no pause before this one
        self._took_ms = self._last_took = 0.0
        self.sigMethodChanged.emit(method)
        if method is None:
            self._show(None)
        elif self._last is not None:
            self.show_result(self._last)

    # ------------------------------------------------------------ results
    def show_result(self, result: PredictionResult) -> None:
        """Explain ``result`` (if the overlay is on): starts a job now or
        leaves it waiting for the running one."""
        if self._last is not None and result.model is not self._last.model:
            self._drop_running()              # maps of the replaced model are not shown
        self._last = result
        if self._method is None:
            return
        if result.empty or result.image is None:
            self._drop_running()
            self._show(None)
            return
        self._waiting = result
        self._start_waiting()

    def _start_waiting(self) -> None:
        """Start the waiting result's job, unless a job runs or the gap since
        the last start is not over (it starts when they are)."""
        if self._job is not None or self._gap.isActive() \
                or ((self._method in SLOW_METHODS or self._took_ms > SLOW_MS)
                    and self._drawing()):
            return
        result, self._waiting = self._waiting, None
        if result is None or self._method is None:
            return
        self._started_at = time.perf_counter()
        method, generation = self._method, self._generation
        job = CallJob(lambda checkpoint: explain(result, method), name="saliency")
        self.destroyed.connect(job.cancel)   # no result for an owner that is gone
        job.sigFinished.connect(partial(self._finished, generation))
        job.sigFailed.connect(partial(self._failed, generation, method))
        job.sigDone.connect(partial(self._job_done, job))
        self._job = job
        self.jobs_started += 1
        job.start()

    def _finished(self, generation: int, smap: SaliencyMap) -> None:
        if generation == self._generation and self._method is not None:
            self._show(smap)

    def _failed(self, generation: int, method: str, message: str) -> None:
        if generation != self._generation:
            return
        self._show(None)
        self.sigFailed.emit(one_line(f"The Why? overlay ({METHOD_INFO[method].label}) "
                                     f"could not be computed: {one_line(message)}"))

    def _job_done(self, job: CallJob) -> None:
        if self._job is job:
            self._job = None
            took = (time.perf_counter() - self._started_at) * 1e3
            self._took_ms = min(took, self._last_took)   # the faster of the last two jobs
            self._last_took = took
            try:
                self._gap.start(int(max(MIN_GAP_MS - took, IDLE_RATIO * took)))
            except RuntimeError:      # the window closed while the job ran: its timer is gone
                pass

    def _drop_running(self) -> None:
        """Maps being computed, or waiting, are no longer wanted."""
        self._generation += 1
        self._waiting = None
        if self._job is not None:
            self._job.cancel()

    def _show(self, smap: SaliencyMap | None) -> None:
        if smap is None and self._current is None:
            return
        self._current = smap
        self.sigMapChanged.emit(smap)

"""Python's cycle collector, run by the GUI thread between two events.

Left to itself, Python collects reference cycles in whichever thread has
just allocated enough objects, at whatever line it is on. With Qt that is
two hazards:

* a cycle holding a Qt widget (old plots, rows of a rebuilt view: their
  Python wrappers often sit in cycles) may be collected by a training or
  explanation thread, so the widget is destroyed outside the GUI thread;
* in the GUI thread itself a collection may start inside a Qt call that
  holds Qt's own locks. Seen here: the test suite hung in
  ``QObject::~QObject`` when a collection ran inside a signal disconnect
  (PySide holds Qt's signal-slot mutexes there) and freed an old plot's
  menu, whose destructor then waited for one of those mutexes forever.

:class:`GuiThreadCollector` switches the automatic collection off and runs
it from a GUI-thread timer instead, so a collection only ever starts between
events, with no Qt call in progress, and every Qt object in a cycle dies in
the GUI thread. It collects the youngest generation on every tick and the
older ones as Python itself would (:func:`due_generation`: the same
thresholds, and the oldest generation only once a quarter more objects have
reached it since its last collection, as CPython does: a full collection of
the app's ~90,000 objects takes ~50 ms).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread collects (ms): the youngest generation each time, older ones when due.
CHECK_INTERVAL_MS = 250


def due_generation(counts: tuple[int, int, int], thresholds: tuple[int, int, int],
                   promoted: int, long_lived: int) -> int | None:
    """The generation a timer tick collects: None when collection is switched
    off (``gc.set_threshold(0)``), else at least the youngest, and an older
    one when CPython's ``collect_generations`` would take it: the oldest
    generation whose count is over its threshold, the oldest only once the
    objects promoted into it since its last collection are a quarter of
    those it held then.

    Why the youngest on every tick: CPython collects whenever the count of
    young objects (allocations minus frees) passes its threshold *at any
    moment*; a timer only sees it at its ticks, and while objects are made
    and freed at the same rate it reads near zero however many of them were
    garbage cycles. A collection of the youngest generation costs a fraction
    of a millisecond.

    :param counts: ``gc.get_count()``: allocations minus frees since the last
        collection of generation 0, collections of 0 since the last of 1,
        collections of 1 since the last of 2
    :param thresholds: ``gc.get_threshold()``
    :param promoted: objects moved into the oldest generation since its
        last collection
    :param long_lived: objects in the oldest generation after its last collection
    """
    if thresholds[0] <= 0:
        return None
    if counts[2] > thresholds[2] and not promoted < long_lived / 4:
        return 2
    return 1 if counts[1] > thresholds[1] else 0


class GuiThreadCollector(QObject):
    """Runs the cycle collector from a timer of the thread it is made in
    (the GUI thread) and keeps it off everywhere else; :meth:`stop` hands
    collection back to Python. ``collections`` counts the collections it
    ran, per generation."""

    def __init__(self, interval_ms: int = CHECK_INTERVAL_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._long_lived = len(gc.get_objects(generation=2))
        self._promoted = 0       # objects moved into the oldest generation since then
        self.collections = [0, 0, 0]
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int | None:
        """Collect the generation that is due, if any (call it only where no
        Qt call is in progress: from the event loop, between tests); the
        generation collected or None."""
        generation = due_generation(gc.get_count(), gc.get_threshold(), self._promoted,
                                    self._long_lived)
        if generation is None:
            return None
        if generation == 1:
            # what survives a collection of the two younger generations moves into the
            # oldest: counted as CPython counts it (freed later or not)
            young = len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
            self._promoted += max(0, young - gc.collect(1))
        else:
            gc.collect(generation)
            if generation == 2:
                self._long_lived, self._promoted = len(gc.get_objects(generation=2)), 0
        self.collections[generation] += 1
        return generation

    def stop(self) -> None:
        """Stop the timer; automatic collection is back on if it was before."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """The collector of ``app`` (the ``QApplication``), made on the first call
    as its child (it lives as long as the application)."""
    found = app.findChild(GuiThreadCollector)
    return found if found is not None else GuiThreadCollector(parent=app)

"""Reference cycles are collected by the GUI thread, between events: never
by a worker thread, never inside a Qt call."""
import gc
import threading
import weakref

import pytest

from gui.workers.gui_thread_gc import GuiThreadCollector, due_generation, install

T = (700, 10, 10)


def test_every_tick_collects_at_least_the_youngest_generation():
    # (a timer reads the young count only at its ticks: near 0 while objects
    # are made and freed alike, however many of them were garbage cycles)
    assert due_generation((0, 0, 0), T, promoted=0, long_lived=0) == 0
    assert due_generation((701, 10, 0), T, 0, 0) == 0          # as CPython: strictly over


def test_older_generations_follow_their_counts():
    assert due_generation((0, 11, 0), T, 0, 0) == 1
    assert due_generation((0, 11, 11), T, promoted=250, long_lived=1000) == 2


def test_the_oldest_generation_waits_for_a_quarter_more_objects():
    # a full collection of ~90,000 objects costs ~50 ms: CPython's own rule
    assert due_generation((0, 11, 11), T, promoted=249, long_lived=1000) == 1
    assert due_generation((0, 3, 11), T, promoted=249, long_lived=1000) == 0


def test_a_disabled_collector_collects_nothing():
    assert due_generation((10**6, 99, 99), (0, 10, 10), 10**6, 0) is None


class _Cycle:
    """Garbage only a cycle collection frees; records the thread that freed it."""

    def __init__(self, freed_in: list):
        self.me = self
        weakref.finalize(self, lambda: freed_in.append(threading.get_ident()))


@pytest.fixture
def automatic_gc():
    """Python's own collection on for the test (the suite runs with it off),
    as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was_enabled else gc.disable)()


@pytest.fixture
def collector(qapp, automatic_gc):
    made = GuiThreadCollector(interval_ms=20)
    yield made
    made.stop()
    made.deleteLater()


def _allocate_in_a_thread(freed_in: list) -> tuple[int, list]:
    """Make a cycle, then allocate far past a low threshold in a new thread
    (without the collector Python frees the cycle there); the thread's id
    and what it allocated (kept alive: a net gain, as a training run makes)."""
    def allocate():
        gc.set_threshold(100, 10, 10)
        kept.append([[i] for i in range(50_000)])
    kept: list = []
    gc.collect()
    worker = threading.Thread(target=allocate)
    _Cycle(freed_in)
    try:
        worker.start()
        worker.join()
    finally:
        gc.set_threshold(*T)
    return worker.ident, kept


def test_without_the_collector_a_worker_thread_frees_the_cycle(automatic_gc):
    # the hazard itself (a Qt widget in such a cycle would die in that thread)
    freed_in: list[int] = []
    worker, _ = _allocate_in_a_thread(freed_in)
    assert freed_in == [worker]


def test_a_worker_thread_allocating_never_collects_a_cycle(qtbot, collector):
    freed_in: list[int] = []
    _, kept = _allocate_in_a_thread(freed_in)
    assert freed_in == []              # still waiting for the GUI thread
    qtbot.waitUntil(lambda: bool(freed_in), timeout=5000)
    assert freed_in == [threading.get_ident()]
    assert sum(collector.collections) >= 1
    assert not gc.isenabled()
    del kept


def test_stop_hands_collection_back_to_python(qapp, automatic_gc):
    made = GuiThreadCollector()
    assert not gc.isenabled()
    made.stop()
    assert gc.isenabled()
    made.deleteLater()


def test_the_application_has_one_collector(qapp):
    first = install(qapp)
    assert install(qapp) is first
    assert qapp.findChildren(GuiThreadCollector) == [first]
    assert not gc.isenabled()


def test_a_cycle_among_objects_made_and_freed_alike_is_freed_at_the_next_tick(qapp):
    collector = GuiThreadCollector(interval_ms=10**6)         # ticked by hand
    try:
        collector.collect_due()
        freed_in: list[int] = []
        _Cycle(freed_in)
        for _ in range(20):                                    # churn: the young count stays low
            churn = [[i] for i in range(1000)]
            del churn
        assert freed_in == []
        collector.collect_due()
        assert freed_in == [threading.get_ident()]
    finally:
        collector.stop()
        collector.deleteLater()


def test_garbage_that_reached_the_oldest_generation_is_freed_in_time(qapp):
    collector = GuiThreadCollector(interval_ms=10**6)
    kept: list = []
    try:
        freed_in: list[int] = []
        holder = [_Cycle(freed_in)]
        for _ in range(12):            # survives two collections of generation 1: now the oldest
            collector.collect_due()
        assert collector.collections[1] >= 1 and freed_in == []
        holder.clear()                 # garbage now, but only a full collection finds it
        full_before = collector.collections[2]
        for _ in range(5000):          # long-lived objects arrive, as in a session
            kept.append([[i] for i in range(200)])
            collector.collect_due()
            if collector.collections[2] > full_before:
                break
        assert collector.collections[2] > full_before
        assert freed_in == [threading.get_ident()]
    finally:
        collector.stop()
        collector.deleteLater()
        del kept

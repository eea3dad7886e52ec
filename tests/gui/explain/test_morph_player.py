"""The morph animation's clock and the latest-wins job runner, on their own:
frames are subsampled evenly with the first and the last always shown, a
play lasts about the set time and ends once, a stopped play never says it
finished; a newer job request replaces the waiting one and cancels the
running one, one thread at a time, and only the newest result arrives."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QObject, QThread

from gui.explain.morph_job import LatestJob
from gui.explain.morph_player import MAX_FRAMES, MorphPlayer, frame_indices


class Sink(QObject):
    """Records ``(called in the GUI thread, step, steps)``."""

    def __init__(self, seen):
        super().__init__()
        self.seen = seen

    def got(self, _tag, step, steps):
        self.seen.append((QThread.currentThread() is self.thread(), step, steps))


@pytest.mark.parametrize("length", [1, 2, 5, 13, 30, 31, 51, 200])
def test_frames_are_spread_evenly_and_keep_both_ends(length):
    idx = frame_indices(length)
    assert idx[0] == 0 and idx[-1] == length - 1
    assert len(idx) == min(length, MAX_FRAMES)
    assert np.all(np.diff(idx) > 0)
    if len(idx) > 2:                          # evenly: gaps differ by at most one
        gaps = np.diff(idx)
        assert gaps.max() - gaps.min() <= 1


def test_no_frames_for_an_empty_path():
    assert len(frame_indices(0)) == 0


def test_a_play_shows_every_chosen_frame_in_about_the_set_time(qtbot):
    player = MorphPlayer(duration_ms=300)
    shown, ends = [], []
    player.sigFrame.connect(shown.append)
    player.sigFinished.connect(lambda: ends.append(time.perf_counter()))
    start = time.perf_counter()
    player.play(13)
    assert shown == [0] and player.playing             # the first frame at once
    qtbot.waitUntil(lambda: bool(ends), timeout=3000)
    assert shown == list(range(13))
    assert 0.25 <= ends[0] - start < 2.0
    qtbot.wait(100)
    assert len(ends) == 1 and not player.playing


def test_a_stopped_play_does_not_finish(qtbot):
    player = MorphPlayer(duration_ms=200)
    shown, ends = [], []
    player.sigFrame.connect(shown.append)
    player.sigFinished.connect(lambda: ends.append(1))
    player.play(40)
    qtbot.wait(60)
    player.stop()
    count = len(shown)
    qtbot.wait(250)
    assert not ends and len(shown) == count < len(frame_indices(40))


def test_a_new_play_replaces_the_running_one(qtbot):
    player = MorphPlayer(duration_ms=200)
    shown, ends = [], []
    player.sigFrame.connect(shown.append)
    player.sigFinished.connect(lambda: ends.append(1))
    player.play(40)
    player.play(3)
    qtbot.waitUntil(lambda: bool(ends), timeout=3000)
    qtbot.wait(300)
    assert shown[-3:] == [0, 1, 2] and len(ends) == 1


def test_latest_job_runs_one_at_a_time_and_delivers_only_the_newest(qtbot):
    jobs = LatestJob("test")
    release = threading.Event()
    results = []
    jobs.sigFinished.connect(lambda tag, result: results.append((tag, result)))

    def slow(value):
        def fn(checkpoint, report):
            for step in range(200):                 # up to 2 s unless cancelled
                if release.is_set() and value != "first":
                    break
                checkpoint()
                time.sleep(0.01)
            report(1, 1)
            return value
        return fn

    jobs.request(slow("first"), "a")
    jobs.request(slow("second"), "b")          # cancels "first", waits
    jobs.request(slow("third"), "c")           # replaces "second"
    assert jobs.busy
    release.set()
    qtbot.waitUntil(lambda: not jobs.busy, timeout=5000)
    assert results == [("c", "third")]
    assert jobs.started == 2 and jobs.most_at_once == 1


def test_latest_job_reports_progress_in_the_gui_thread_and_cancel_drops_everything(qtbot):
    jobs = LatestJob("test")
    seen = []

    sink = Sink(seen)
    jobs.sigProgress.connect(sink.got)
    jobs.request(lambda checkpoint, report: [report(s, 3) for s in range(1, 4)], "p")
    qtbot.waitUntil(lambda: not jobs.busy, timeout=3000)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=1000)
    assert [s for _, s, _ in seen] == [1, 2, 3]
    assert all(on_gui for on_gui, _, _ in seen)
    finished = []
    jobs.sigFinished.connect(lambda tag, result: finished.append(tag))
    jobs.request(lambda checkpoint, report: [checkpoint() or time.sleep(0.01)
                                             for _ in range(100)], "late")
    jobs.cancel()
    qtbot.waitUntil(lambda: not jobs.busy, timeout=3000)
    qtbot.wait(50)
    assert finished == []

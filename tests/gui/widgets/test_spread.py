"""Spreading a burst of GUI updates over event-loop turns."""
from __future__ import annotations

from gui.widgets.spread import SpreadUpdate


def test_spread_update_runs_one_step_per_event_loop_turn(qtbot):
    spread = SpreadUpdate()
    ran = []
    spread.start([lambda i=i: ran.append(i) for i in range(3)])
    assert ran == [] and spread.busy          # nothing runs inside start()
    with qtbot.waitSignal(spread.sigFinished, timeout=2000):
        pass
    assert ran == [0, 1, 2] and not spread.busy


def test_spread_update_start_replaces_finish_runs_cancel_drops(qtbot):
    spread = SpreadUpdate()
    ran = []
    spread.start([lambda: ran.append("old")] * 3)
    spread.start([lambda: ran.append("new")])  # a newer state supersedes the rest
    spread.append(lambda: ran.append("after"))
    with qtbot.waitSignal(spread.sigFinished, timeout=2000):
        pass
    assert ran == ["new", "after"]
    ran.clear()
    spread.start([lambda: ran.append(1), lambda: ran.append(2)])
    spread.finish()
    assert ran == [1, 2] and not spread.busy
    spread.start([lambda: ran.append(3)])
    spread.cancel()
    qtbot.wait(30)
    assert ran == [1, 2]

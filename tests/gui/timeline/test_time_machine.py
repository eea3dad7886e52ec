"""The time machine bar: hidden until two checkpoints, one slider position per
checkpoint and one for "now"; clicks, keys and Play announce each moment once
and end at "now"."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gui.timeline.time_machine import PLAY_INTERVAL_MS, TimeMachine, moment_text


def _bar(qtbot, steps=(0, 10, 20, 50, 100), total=120):
    bar = TimeMachine()
    qtbot.addWidget(bar)
    bar.clear(total)
    for s in steps:
        bar.add_moment(s, s / 60)
    bar.resize(700, 40)
    bar.show()
    qtbot.waitExposed(bar)
    return bar


def _record(bar):
    seen = []
    bar.sigMoment.connect(lambda i: seen.append(i))
    bar.sigPresent.connect(lambda: seen.append("now"))
    return seen


def test_moment_text():
    assert moment_text(200, 1876, 0.2132) == "step 200 of 1,876 · epoch 0.21"
    assert moment_text(5, None, 0.0) == "step 5 · epoch 0.00"


def test_hidden_until_two_checkpoints_and_starts_at_now(qtbot):
    bar = TimeMachine()
    qtbot.addWidget(bar)
    bar.show()
    bar.add_moment(0, 0.0)
    assert bar.isHidden()
    bar.add_moment(10, 0.1)
    assert not bar.isHidden() and bar.at_now and bar.count == 2
    assert not bar.now_button.isEnabled()


def test_keys_step_through_checkpoints_and_end_returns_to_now(qtbot):
    bar = _bar(qtbot)
    seen = _record(bar)
    bar.slider.setFocus()
    QTest.keyClick(bar.slider, Qt.Key.Key_Home)
    assert seen == [0] and bar.where.text() == moment_text(0, 120, 0.0)
    QTest.keyClick(bar.slider, Qt.Key.Key_Right)
    QTest.keyClick(bar.slider, Qt.Key.Key_Right)
    assert seen == [0, 1, 2] and "step 20 of 120" in bar.where.text()
    assert bar.now_button.isEnabled()
    QTest.keyClick(bar.slider, Qt.Key.Key_End)
    assert seen[-1] == "now" and bar.at_now and bar.where.text() == "now"


def test_clicking_now_returns_to_the_present(qtbot):
    bar = _bar(qtbot)
    seen = _record(bar)
    bar.go_to(1)
    QTest.mouseClick(bar.now_button, Qt.MouseButton.LeftButton)
    assert seen == [1, "now"] and bar.at_now


def test_clicking_the_slider_start_shows_the_first_checkpoint(qtbot):
    bar = _bar(qtbot)
    seen = _record(bar)
    slider = bar.slider
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(3, slider.height() // 2))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [0]                     # jumps there, not one step towards it
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton,
                     pos=QPoint(slider.width() // 2, slider.height() // 2))
    assert seen[-1] in (2, 3)              # the middle of 0..5


def test_new_checkpoints_keep_now_at_now_and_a_visit_where_it_is(qtbot):
    bar = _bar(qtbot, steps=(0, 10))
    seen = _record(bar)
    bar.add_moment(20, 0.3)
    assert bar.at_now and seen == []
    bar.go_to(1)
    bar.add_moment(50, 0.8)
    assert bar.slider.value() == 1 and seen == [1]


def test_play_walks_every_checkpoint_then_returns_to_now(qtbot):
    bar = _bar(qtbot)
    seen = _record(bar)
    QTest.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert bar.playing and bar.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: not bar.playing, timeout=PLAY_INTERVAL_MS * 8 + 2000)
    assert seen == [0, 1, 2, 3, 4, "now"]
    assert bar.play_button.text() == "Play" and not bar.play_button.isChecked()


def test_pause_stops_playing_where_it_is(qtbot):
    bar = _bar(qtbot)
    seen = _record(bar)
    QTest.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=PLAY_INTERVAL_MS * 4 + 2000)
    QTest.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    count = len(seen)
    qtbot.wait(PLAY_INTERVAL_MS * 2)
    assert len(seen) == count and not bar.playing and not bar.at_now


def test_clear_forgets_and_announces_now(qtbot):
    bar = _bar(qtbot)
    bar.go_to(2)
    seen = _record(bar)
    bar.clear(50)
    assert bar.count == 0 and seen == ["now"] and bar.isHidden()

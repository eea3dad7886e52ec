"""The in-app training benchmark's like-with-like rate: windows of
consecutive steps that never span an epoch end, a pause or a gap."""
import pytest

from gui.tools.bench_training import window_rates


def _steps(first, count, epoch, phase, t0, dt):
    return [(first + i, epoch, t0 + i * dt, phase) for i in range(count)]


def test_windows_stay_inside_one_epoch_and_one_phase():
    # 17 steps of 10 ms (two full windows of 8), then a new epoch whose first
    # step came after a 0.5 s evaluation, 9 steps of 20 ms (one window)
    steps = _steps(1, 17, 1, 0, 0.0, 0.01) + _steps(18, 9, 2, 0, 0.66, 0.02)
    rates = window_rates(steps, batch=64, window=8)
    assert rates == pytest.approx([8 * 64 / 0.08] * 2 + [8 * 64 / 0.16])


def test_a_pause_or_a_missing_step_starts_a_new_window():
    paused = _steps(1, 6, 1, 0, 0.0, 0.01) + _steps(7, 9, 1, 1, 5.0, 0.01)
    assert window_rates(paused, batch=10, window=8) == pytest.approx([8 * 10 / 0.08])
    gap = _steps(1, 6, 1, 0, 0.0, 0.01) + _steps(8, 9, 1, 0, 0.07, 0.01)
    assert window_rates(gap, batch=10, window=8) == pytest.approx([8 * 10 / 0.08])


def test_too_few_steps_give_no_window():
    assert window_rates(_steps(1, 8, 1, 0, 0.0, 0.01), batch=64, window=8) == []
    assert window_rates([], batch=64) == []

"""The in-app training benchmark's like-with-like rate: windows of
consecutive steps that never span an epoch end, a pause or a gap."""
import pytest

from gui.tools.bench_training import one_run_args, main, window_rates
from gui.tools.bench_training_runs import format_summary, summarize_runs


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


def _run(ratio, p99=12.0, share=0.07):
    return {"app_vs_cli_windows": ratio, "app_vs_cli": ratio - 0.01, "app_vs_cli_medians": ratio,
            "probe": {"p99_ms": p99}, "gui_thread_cpu_share": share}


def test_a_series_reports_medians_spread_and_the_runs_at_ninety_percent():
    summary = summarize_runs([_run(0.88, p99=15.0), _run(0.93), _run(0.97, p99=18.5, share=0.08)])
    like = summary["app_vs_cli_windows"]
    assert like["median"] == pytest.approx(0.93)
    assert (like["min"], like["max"]) == (pytest.approx(0.88), pytest.approx(0.97))
    assert summary["runs_at_90_percent"] == 2
    assert summary["worst_p99_ms"] == 18.5
    assert summary["gui_thread_cpu_share"] == pytest.approx(0.07)
    text = format_summary(summary)
    assert "median 93.0% (lowest 88.0%, highest 97.0%" in text
    assert "2 of 3" in text


def test_a_series_without_an_engine_baseline_has_no_ratios():
    summary = summarize_runs([{"probe": {"p99_ms": None}}, {"probe": {"p99_ms": 9.0}}])
    assert "app_vs_cli_windows" not in summary
    assert summary["runs_at_90_percent"] == 0 and summary["worst_p99_ms"] == 9.0
    assert "0 of 2" in format_summary(summary)


def test_each_run_of_a_series_gets_the_same_settings():
    import argparse
    args = argparse.Namespace(seconds=12.5, tab="activations", phases=3, preset="tiny", batch=32,
                              minutes=None, workers=2, switch_interval=None, nice=0,
                              no_window=False, no_cli=True, no_probe=True)
    one = one_run_args(args)
    assert one[:10] == ["--seconds", "12.5", "--tab", "activations", "--phases", "3",
                        "--preset", "tiny", "--batch", "32"]
    assert ["--workers", "2"] == one[10:12] and ["--nice", "0"] == one[12:14]
    assert one[14:] == ["--no-cli", "--no-probe"] and "--repeat" not in one and "--json" not in one


@pytest.mark.parametrize("argv", [["--repeat", "0"], ["--repeat", "51"], ["--preset", "huge"]])
def test_bad_arguments_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_missing_mnist_is_one_line_not_a_traceback(qapp, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(tmp_path))
    assert main(["--seconds", "1", "--phases", "1", "--no-cli"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: MNIST files missing") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_runs_at_ninety_percent_are_counted_before_rounding():
    assert summarize_runs([_run(0.8996), _run(0.9)])["runs_at_90_percent"] == 1


def test_a_run_without_a_result_or_too_slow_ends_the_series(monkeypatch):
    import subprocess

    from gui.tools import bench_training_runs

    def finished(stdout):
        return lambda *a, **k: subprocess.CompletedProcess(a[0], 0, stdout=stdout, stderr="")
    monkeypatch.setattr(bench_training_runs.subprocess, "run", finished(""))
    with pytest.raises(RuntimeError, match="run 1 printed no result"):
        bench_training_runs.run_repeated([], 2, timeout_s=10)
    monkeypatch.setattr(bench_training_runs.subprocess, "run", finished("[1, 2]\n"))
    with pytest.raises(RuntimeError, match="printed no result"):
        bench_training_runs.run_repeated([], 1, timeout_s=10)

    def too_slow(*a, **k):
        raise subprocess.TimeoutExpired(a[0], k["timeout"])
    monkeypatch.setattr(bench_training_runs.subprocess, "run", too_slow)
    with pytest.raises(RuntimeError, match="did not end within 10 s"):
        bench_training_runs.run_repeated([], 1, timeout_s=10)

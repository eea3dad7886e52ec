"""In-app training benchmark: ``python -m gui.tools.bench_training [--seconds 25] [--minutes N]``.

Opens the playground window offscreen with the training panel attached,
draws an example digit (so every weight snapshot re-runs the prediction, as
for a person watching it learn) and trains the benchmark network (preset
``bench``, batch 64, no augmentation, full MNIST) while a 10 ms ``QTimer``
probe records the event loop's real intervals. Reports:

* probe intervals p50 / p99 / max (target: p99 <= 20 ms);
* in-app training throughput (images/s over the training steps, epoch-end
  evaluations excluded) against ``engine.bench.numpy_train_throughput(64)``
  measured in the same process before, after, and - training paused - between
  the ``--phases`` of the run, so both see the same machine load (target: >= 90 %);
  as the whole run's mean, as the median of the phases' rates, and like with
  like: the median of the run's windows of :data:`WINDOW_STEPS` steps, the
  statistic ``engine.bench`` reports (on a shared machine a median of short
  windows sits ~5 % above the whole run's mean even for the bare step on the
  command line: a burst of outside load hits few windows but every mean);
* resident memory (VmRSS) at the start, after 1 minute and at the end, and
  every 30 s with ``--minutes`` (target: flat).

Machines here are shared: run it when the machine is quiet, and read the
numbers together with the load average it prints.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from engine.nn.presets import PRESETS

from .session import application, percentiles, rss_mb

#: Steps per window of the like-with-like rate: ``engine.bench``'s
#: ``numpy_train_throughput`` as called here times windows of this many steps.
WINDOW_STEPS = 8


def window_rates(steps, batch: int, window: int = WINDOW_STEPS) -> list[float]:
    """Images/s of each run of ``window`` consecutive steps in ``steps``
    (rows ``(step, epoch, training clock s, phase)`` in step order) that
    stays inside one epoch and one phase (so no end-of-epoch evaluation and
    no pause falls inside a window); non-overlapping windows."""
    def continues(i: int) -> bool:   # row i: the next step, same epoch, same phase
        (step, epoch, _, phase), before = steps[i], steps[i - 1]
        return step == before[0] + 1 and epoch == before[1] and phase == before[3]

    rates, start = [], 0
    for i in range(1, len(steps) + 1):
        if i == len(steps) or not continues(i):
            for a in range(start, i - window, window):
                elapsed = steps[a + window][2] - steps[a][2]
                if elapsed > 0:
                    rates.append(window * batch / elapsed)
            start = i
    return rates


def run(seconds: float, workers: int | None = None, window: bool = True, tab: str = "training",
        switch_interval: float | None = None, cli_baseline: bool = True, preset: str = "bench",
        batch: int = 64, data_dir: str | None = None, nice: int | None = None,
        phases: int = 4, probe_on: bool = True) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    from PySide6.QtCore import Qt, QTimer

    from engine.bench import numpy_train_throughput
    from engine.data.dataset import Dataset
    from engine.data.mnist import load_mnist
    from engine.training.config import TrainConfig
    from engine.training.parallel import default_workers

    result: dict = {"seconds": seconds, "preset": preset, "batch": batch,
                    "workers": workers or default_workers(), "window": window, "tab": tab,
                    "load_average_before": os.getloadavg()}
    app = application(["bench_training"])
    data = Dataset.from_mnist(load_mnist(data_dir, download=False, progress=False))
    tmp = tempfile.TemporaryDirectory(prefix="bench-training-")
    if window:
        from gui.state.settings import AppSettings
        from gui.window.main_window import MainWindow
        win = MainWindow(settings=AppSettings(os.path.join(tmp.name, "settings.ini")), theme="light")
        panel = win.training_panel
        win.resize(1240, 760)
        win.show()
        win.draw_example(3)
        if tab == "training":
            win.tabs.setCurrentWidget(panel)
        top = win
    else:
        from gui.training.panel import TrainingPanel
        panel = TrainingPanel()
        panel.resize(900, 700)
        panel.show()
        top = panel
    panel.set_data(data)
    panel.run.set_scheduling(panel.run.worker_nice if nice is None else nice,
                             panel.run.switch_interval_s if switch_interval is None
                             else switch_interval or None)
    result["nice"] = panel.run.worker_nice
    result["switch_interval_s"] = panel.run.switch_interval_s or sys.getswitchinterval()
    panel.settings.set_config(TrainConfig(epochs=1000, batch_size=batch, augment=False, lr=0.05,
                                 schedule="constant", subset=None, eval_subset=None,
                                 workers=workers), preset=preset, fresh=True)
    for _ in range(5):
        app.processEvents()

    steps: list[tuple[int, int, float, int]] = []   # step, epoch, training clock s, phase
    phase = [0]
    probe_times: list[float] = []
    rss_log: list[tuple[float, float]] = []
    t_start = [0.0]
    cpu_start = [0.0, 0.0]  # GUI thread, whole process (s of CPU)

    # what the GUI thread receives (each progress batch of the run)
    panel.run.sigProgress.connect(lambda reports: steps.extend(
        (r.step, r.epoch, r.elapsed_s, phase[0]) for r in reports))
    probe = QTimer()
    probe.setObjectName("probe")
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(10)
    probe.timeout.connect(lambda: probe_times.append(time.perf_counter()))
    sampler = QTimer()
    sampler.setInterval(1000)
    sampler.timeout.connect(lambda: rss_log.append((time.perf_counter() - t_start[0], rss_mb())))

    cli_runs: list[float] = []
    blocked: list[tuple[float, float]] = []  # main thread busy measuring the CLI speed
    phase_s = seconds / max(1, phases)

    cli_cost = [0.0, 0.0, 0.0]  # wall, GUI-thread CPU, process CPU spent measuring the CLI

    def measure_cli():
        t0, c0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
        cli_runs.append(numpy_train_throughput(batch, repeats=3, steps=WINDOW_STEPS,
                                               workers=workers))
        blocked.append((t0, time.perf_counter()))
        for i, d in enumerate((time.perf_counter() - t0, time.thread_time() - c0,
                               time.process_time() - p0)):
            cli_cost[i] += d

    def start():
        result["rss_start_mb"] = rss_mb()
        t_start[0] = time.perf_counter()
        cpu_start[:] = [time.thread_time(), time.process_time()]
        cli_cost[:] = [0.0, 0.0, 0.0]  # (only count the measurements during the run)
        panel.start_training()
        if probe_on:
            probe.start()
        sampler.start()
        QTimer.singleShot(int(seconds * 1000), stop)
        if cli_baseline and phases > 1:
            QTimer.singleShot(int(phase_s * 1000), interleave)

    def interleave():  # pause training, measure engine.bench speed, resume
        if not panel.is_training() or time.perf_counter() - t_start[0] > seconds - phase_s / 2:
            return
        panel.pause_training()
        QTimer.singleShot(150, paused)

    def paused():   # (the steps before the pause have all been reported by now)
        phase[0] += 1
        blocked.append((time.perf_counter() - 0.2, time.perf_counter()))
        measure_cli()
        panel.resume_training()
        blocked[-1] = (blocked[-1][0], time.perf_counter() + 0.2)
        QTimer.singleShot(int(phase_s * 1000), interleave)

    def stop():
        probe.stop()
        sampler.stop()
        result["stop_clicked"] = time.perf_counter()
        wall = result["stop_clicked"] - t_start[0] - cli_cost[0]
        result["gui_thread_cpu_share"] = (time.thread_time() - cpu_start[0] - cli_cost[1]) / wall
        result["process_cpu_cores"] = (time.process_time() - cpu_start[1] - cli_cost[2]) / wall
        panel.stop_training()
        wait_end()

    def wait_end():  # (the panel then evaluates the final weights: wait for that too)
        if panel.is_training() or panel.evaluation_view.busy:
            QTimer.singleShot(10, wait_end)
            return
        app.quit()

    if cli_baseline:
        measure_cli()
    QTimer.singleShot(200, start)
    app.exec()
    result["rss_end_mb"] = rss_mb()
    result["stop_latency_ms"] = (panel.run.last_stop_latency_s or float("nan")) * 1e3
    result["load_average_after"] = os.getloadavg()
    if cli_baseline:  # again after, to bracket the in-app run on a noisy machine
        measure_cli()
        result["cli_images_per_s_runs"] = [round(v) for v in cli_runs]
        result["cli_images_per_s"] = float(np.median(cli_runs))

    # ---- event-loop responsiveness (skip the first second: window build-up, data
    # conversion; drop the intervals spent measuring the CLI speed in this thread)
    t = np.asarray(probe_times)
    t = t[t >= t_start[0] + 1.0]
    gaps = np.diff(t) * 1e3
    ok = np.ones(len(gaps), bool)
    for b0, b1 in blocked:
        ok &= ~((t[1:] >= b0) & (t[:-1] <= b1))
    result["probe"] = percentiles(gaps[ok])
    # ---- throughput over the training steps, epoch-end evaluations excluded
    s = np.asarray(steps, float)
    if len(s) > 10:
        keep = s[:, 2] >= 2.0  # skip warm-up
        s = s[keep] if keep.sum() > 10 else s
        same_epoch = s[1:, 1] == s[:-1, 1]
        dt = np.diff(s[:, 2])[same_epoch]
        dsteps = np.diff(s[:, 0])[same_epoch]
        in_phase = s[1:, 3][same_epoch]
        result["steps"] = int(s[-1, 0])
        result["app_images_per_s"] = float(dsteps.sum() * batch / max(dt.sum(), 1e-9))
        # per phase too: the engine.bench figure is a median of short runs, which
        # a burst of load on a shared machine rarely hits; a median over the
        # phases treats the app alike
        result["app_images_per_s_phases"] = [
            round(float(dsteps[in_phase == k].sum() * batch / dt[in_phase == k].sum()))
            for k in np.unique(in_phase) if dsteps[in_phase == k].sum() >= 50]
        windows = window_rates(s.tolist(), batch)
        if windows:
            result["app_images_per_s_windows"] = float(np.median(windows))
        if cli_baseline:
            result["app_vs_cli"] = result["app_images_per_s"] / result["cli_images_per_s"]
            if windows:
                result["app_vs_cli_windows"] = (result["app_images_per_s_windows"]
                                                / result["cli_images_per_s"])
            if result["app_images_per_s_phases"]:
                result["app_vs_cli_medians"] = float(
                    np.median(result["app_images_per_s_phases"]) / result["cli_images_per_s"])
    if rss_log:
        at_60 = [m for ts, m in rss_log if ts >= 60]
        result["rss_after_1min_mb"] = at_60[0] if at_60 else None
        result["rss_log_mb"] = [(round(ts), round(m, 1)) for ts, m in rss_log[::30]]
    top.close()
    tmp.cleanup()
    return result


def format_result(r: dict) -> str:
    p = r["probe"]
    probe = (f"event-loop probe (10 ms timer): p50 {p.get('p50_ms', float('nan')):.1f} ms, "
             f"p90 {p.get('p90_ms', float('nan')):.1f} ms, p99 {p.get('p99_ms', float('nan')):.1f} ms, "
             f"max {p.get('max_ms', float('nan')):.1f} ms ({p.get('over_20ms', 0)} of {p['count']} "
             f"> 20 ms)") if p["count"] else "event-loop probe: off"
    lines = [
        f"in-app training: preset {r['preset']}, batch {r['batch']}, {r['workers']} slices, "
        f"{r['seconds']:.0f} s, window={r['window']} (tab {r['tab']}), "
        f"switch interval {r['switch_interval_s'] * 1e3:.1f} ms, nice {r['nice']}",
        f"load average before {r['load_average_before'][0]:.2f}, after {r['load_average_after'][0]:.2f}",
        probe,
    ]
    if "app_images_per_s" in r:
        line = f"throughput: in app {r['app_images_per_s']:.0f} images/s"
        if "cli_images_per_s" in r:
            line += (f", engine.bench median {r['cli_images_per_s']:.0f} images/s "
                     f"(runs {r['cli_images_per_s_runs']}): {r['app_vs_cli']:.0%}")
        lines.append(line)
        if "app_vs_cli_windows" in r:
            lines.append(f"like with like (median of {WINDOW_STEPS}-step windows, as engine.bench): "
                         f"in app {r['app_images_per_s_windows']:.0f} images/s = "
                         f"{r['app_vs_cli_windows']:.0%} of engine.bench")
        if "app_vs_cli_medians" in r:
            lines.append(f"per phase: in app {r['app_images_per_s_phases']} images/s; median "
                         f"over the phases / engine.bench median: {r['app_vs_cli_medians']:.0%}")
    if "gui_thread_cpu_share" in r:
        lines.append(f"CPU: GUI thread {r['gui_thread_cpu_share']:.0%} of a core, whole process "
                     f"{r['process_cpu_cores']:.2f} cores (while training; the engine.bench runs excluded)")
    lines.append(f"stop latency (click -> finished report in the GUI): {r['stop_latency_ms']:.0f} ms")
    rss = f"RSS: start {r['rss_start_mb']:.0f} MB"
    if r.get("rss_after_1min_mb"):
        rss += f", after 1 min {r['rss_after_1min_mb']:.0f} MB"
    rss += f", end {r['rss_end_mb']:.0f} MB"
    lines.append(rss)
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m gui.tools.bench_training", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=25.0, help="training time (default 25)")
    p.add_argument("--minutes", type=float, default=None, help="long run for the memory check")
    p.add_argument("--workers", type=int, default=None, help="trainer threads (default: cores, <= 4)")
    p.add_argument("--no-window", action="store_true", help="only the training panel, no main window")
    p.add_argument("--tab", choices=("training", "activations"), default="training",
                   help="the window tab shown while training (default: training)")
    p.add_argument("--switch-interval", type=float, default=None,
                   help="GIL switch interval while training, in seconds (default: the panel's; "
                        "0 = leave Python's 0.005)")
    p.add_argument("--nice", type=int, default=None,
                   help="lower the training threads' OS priority by this much (default: the panel's)")
    p.add_argument("--no-cli", action="store_true", help="skip the engine.bench baseline")
    p.add_argument("--no-probe", action="store_true",
                   help="no 10 ms probe timer (the probe itself wakes the GUI thread 100 times a "
                        "second: without it, the throughput is the one a user gets)")
    p.add_argument("--phases", type=int, default=4,
                   help="pause training this many times minus one to re-measure engine.bench "
                        "in between (a fair comparison on a shared, noisy machine; default 4)")
    p.add_argument("--preset", default="bench", choices=sorted(PRESETS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--repeat", type=int, default=1,
                   help="this many runs, each in a new process, and their medians (default 1)")
    args = p.parse_args(argv)
    if not 1 <= args.repeat <= 50:
        p.error("--repeat must be between 1 and 50")
    seconds = args.minutes * 60 if args.minutes else args.seconds
    if args.repeat > 1:
        from .bench_training_runs import format_summary, run_repeated, summarize_runs
        try:
            summary = summarize_runs(run_repeated(one_run_args(args), args.repeat,
                                                  timeout_s=3 * seconds + 300))
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(summary) if args.json else format_summary(summary))
        return 0
    try:
        r = run(seconds, workers=args.workers, window=not args.no_window, tab=args.tab,
                switch_interval=args.switch_interval, cli_baseline=not args.no_cli,
                probe_on=not args.no_probe, preset=args.preset, batch=args.batch, nice=args.nice,
                phases=1 if args.minutes else args.phases)
    except (OSError, ValueError) as exc:     # e.g. MNIST missing: one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    r.pop("stop_clicked", None)
    print(json.dumps(r) if args.json else format_result(r))
    return 0


def one_run_args(args: argparse.Namespace) -> list[str]:
    """The command-line arguments of one run of a ``--repeat`` series."""
    out = ["--seconds", repr(args.seconds), "--tab", args.tab, "--phases", str(args.phases),
           "--preset", args.preset, "--batch", str(args.batch)]
    for name in ("minutes", "workers", "switch_interval", "nice"):
        value = getattr(args, name)
        if value is not None:
            out += ["--" + name.replace("_", "-"), repr(value)]
    out += [flag for flag, on in (("--no-window", args.no_window), ("--no-cli", args.no_cli),
                                  ("--no-probe", args.no_probe)) if on]
    return out


if __name__ == "__main__":
    sys.exit(main())

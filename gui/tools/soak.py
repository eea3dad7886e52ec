"""Soak test of the whole app (not run in CI): train in-app for a long time and
watch memory, GUI responsiveness and throughput.

Launches the MainWindow (offscreen by default), trains the ``bench`` (or
``playground``) preset on full MNIST with the live plots showing, draws a
digit on the canvas with real mouse events every ~5 s (and clears it ~2.5 s
later), and runs a 10 ms ``QTimer`` probe whose tick intervals measure how
long the GUI thread is held up. Every ``--report-every`` seconds (default 60)
one JSON line goes to stdout::

    {"t_min": 3.0, "rss_mb": 412.3, "probe_p50_ms": 10.1, "probe_p99_ms": 31.0,
     "probe_max_ms": 58.2, "images_per_s": 2210.4, "steps": 6890, "epoch": 2,
     "test_accuracy": 0.987, "draws": 12, "draw_ms_max": 41.0, ...}

and at the end a summary line (``"summary": true``): RSS at start, at 10 min
and at the end (30 min by default), growth, and the probe p99 over the run.

    .venv/bin/python -m gui.tools.soak --minutes 30 [--preset bench] [--data DIR]

MNIST comes from ``--data``, else ``$CNN_PLAYGROUND_DATA``, else ../shared/datasets/mnist
(as the tests), else the per-user cache. Preferences go to a temporary file.
Exit status: 0, or 1 if training failed or the app raised.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import replace

from .mouse import draw_digit
from .session import application, data_folder, percentiles, rss_mb


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--preset", default="bench", choices=["bench", "playground", "tiny"])
    ap.add_argument("--data", default=None, help="folder of the MNIST IDX files")
    ap.add_argument("--draw-every", type=float, default=5.0, help="seconds between drawings")
    ap.add_argument("--report-every", type=float, default=60.0, help="seconds between reports")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--show", action="store_true", help="use the real display, not offscreen")
    args = ap.parse_args(argv)

    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = tempfile.TemporaryDirectory(prefix="cnn-soak-")
    from ..state.settings import ENV_VAR, AppSettings
    os.environ[ENV_VAR] = os.path.join(tmp.name, "settings.ini")

    from PySide6.QtCore import QElapsedTimer, QTimer

    from engine.data.dataset import Dataset
    from engine.data.mnist import load_mnist

    from ..window.main_window import MainWindow

    app = application(sys.argv[:1])
    errors: list[str] = []
    old_hook = sys.excepthook

    def hook(tp, value, tb):  # exceptions raised in slots / event handlers
        errors.append("".join(traceback.format_exception_only(tp, value)).strip())
        old_hook(tp, value, tb)
    sys.excepthook = hook

    t_load = time.perf_counter()
    data = Dataset.from_mnist(load_mnist(data_folder(args.data), download=False, progress=False))
    load_s = time.perf_counter() - t_load

    window = MainWindow(settings=AppSettings(), theme="light")
    window.resize(1400, 900)
    window.show()
    panel = window.training_panel
    panel.set_data(data)
    window.tabs.setCurrentWidget(panel)  # live plots visible
    panel.view_tabs.setCurrentWidget(panel.plots)
    base_cfg = replace(panel.settings.config(), epochs=1000, subset=None, eval_subset=None,
                       batch_size=args.batch_size)
    panel.settings.set_config(base_cfg, preset=args.preset, fresh=True)
    for _ in range(20):
        app.processEvents()

    state = {"steps_total": 0, "steps_prev_runs": 0, "runs": 0, "draws": 0, "draw_ms": [],
             "finished": [], "failed": [], "digit": 0}
    rss_samples: list[tuple[float, float]] = []  # (minutes, MB)
    probe_all: list[float] = []
    probe_minute: list[float] = []
    rss_start = rss_mb()
    rss_samples.append((0.0, rss_start))

    def start_run():
        state["steps_prev_runs"] += panel.run.steps_received
        state["runs"] += 1
        if not panel.start_training():
            errors.append(f"could not start: {panel.run_box.status.text()}")

    def finished(report):
        state["finished"].append(report.reason)
        if report.reason != "stopped" and not stopping[0]:
            QTimer.singleShot(500, start_run)  # keep training for the whole soak

    stopping = [False]
    panel.sigTrainingFinished.connect(finished)
    panel.sigTrainingFailed.connect(lambda m: state["failed"].append(m))

    # --- the 10 ms probe
    clock = QElapsedTimer()
    clock.start()
    last_tick = [clock.nsecsElapsed()]
    probe = QTimer()
    probe.setInterval(10)

    def tick():
        now = clock.nsecsElapsed()
        dt = (now - last_tick[0]) / 1e6
        last_tick[0] = now
        probe_minute.append(dt)
        probe_all.append(dt)
    probe.timeout.connect(tick)

    # --- drawing with real mouse events
    canvas = window.canvas

    def draw():
        d = state["digit"]
        state["digit"] = (d + 1) % 10
        t = time.perf_counter()
        draw_digit(canvas, d)
        probs = window.current_probabilities()
        state["draw_ms"].append((time.perf_counter() - t) * 1e3)
        state["draws"] += 1
        if probs is None:
            errors.append(f"drawing {d} gave no prediction")
        QTimer.singleShot(int(args.draw_every * 500), canvas.clear)
    drawer = QTimer()
    drawer.setInterval(int(args.draw_every * 1000))
    drawer.timeout.connect(draw)

    # --- reports
    t0 = time.perf_counter()
    prev = {"t": t0, "steps": 0}

    def steps_now() -> int:
        return state["steps_prev_runs"] + panel.run.steps_received

    def report(final=False):
        now = time.perf_counter()
        steps = steps_now()
        dt = max(now - prev["t"], 1e-9)
        rate = (steps - prev["steps"]) * args.batch_size / dt
        prev.update(t=now, steps=steps)
        rss = rss_mb()
        t_min = (now - t0) / 60
        rss_samples.append((t_min, rss))
        p = percentiles(probe_minute)
        probe_minute.clear()
        last_epoch = panel.run.last_epoch
        last_step = panel.run.last_step
        line = {"t_min": round(t_min, 2), "rss_mb": round(rss, 1),
                "probe_p50_ms": p["p50_ms"], "probe_p99_ms": p["p99_ms"],
                "probe_max_ms": p["max_ms"], "probe_ticks": p["count"], "images_per_s": round(rate, 1),
                "trainer_images_per_s": round(last_step.images_per_s, 1) if last_step else None,
                "steps": steps, "epoch": last_step.epoch if last_step else None,
                "test_accuracy": round(last_epoch.test_accuracy, 4) if last_epoch else None,
                "draws": state["draws"],
                "draw_ms_max": round(max(state["draw_ms"]), 1) if state["draw_ms"] else None,
                "training": panel.is_training(), "errors": len(errors) + len(state["failed"])}
        state["draw_ms"].clear()
        print(json.dumps(line), flush=True)

    reporter = QTimer()
    reporter.setInterval(int(args.report_every * 1000))
    reporter.timeout.connect(report)

    def finish():
        stopping[0] = True
        probe.stop()
        drawer.stop()
        reporter.stop()
        report()
        t = time.perf_counter()
        panel.stop_training()
        ok = panel.shutdown(10_000)
        stop_s = time.perf_counter() - t
        t = time.perf_counter()
        window.close()
        close_s = time.perf_counter() - t

        def rss_at(minutes):
            best = [s for s in rss_samples if s[0] <= minutes + 0.1]
            return round(best[-1][1], 1) if best else None
        end_min, end_rss = rss_samples[-1]
        after_1 = next((r for m, r in rss_samples if m >= 0.9), end_rss)
        p = percentiles(probe_all)
        summary = {"summary": True, "minutes": round(end_min, 2), "preset": args.preset,
                   "mnist_load_s": round(load_s, 2),
                   "rss_start_mb": round(rss_start, 1),
                   "rss_10min_mb": rss_at(10) if end_min >= 10 else None,
                   "rss_30min_mb": rss_at(30) if end_min >= 30 else None,
                   "rss_end_mb": round(end_rss, 1),
                   "rss_growth_mb": round(end_rss - rss_start, 1),
                   "rss_growth_after_1min_mb": round(end_rss - after_1, 1),
                   "probe_p50_ms": p["p50_ms"], "probe_p99_ms": p["p99_ms"],
                   "probe_max_ms": p["max_ms"], "steps": steps_now(), "runs": state["runs"],
                   "test_accuracy": round(panel.run.last_epoch.test_accuracy, 4)
                   if panel.run.last_epoch else None,
                   "finished": state["finished"], "failed": state["failed"],
                   "errors": errors[:10], "shutdown_ok": ok,
                   "stop_s": round(stop_s, 3), "close_s": round(close_s, 3)}
        print(json.dumps(summary), flush=True)
        app.quit()

    start_run()
    probe.start()
    drawer.start()
    reporter.start()
    QTimer.singleShot(int(args.minutes * 60_000), finish)
    app.exec()
    tmp.cleanup()
    return 1 if (errors or state["failed"]) else 0


if __name__ == "__main__":
    sys.exit(main())

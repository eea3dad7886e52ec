"""Latency from a mouse move on the canvas to updated prediction and panels.

::

    python -m gui.tools.bench_latency                 # bundled model, offscreen
    python -m gui.tools.bench_latency --model m.npz --moves 400 --size 1240x760
    python -m gui.tools.bench_latency --overlay smoothgrad     # the "Why?" overlay on

Sends real ``QMouseEvent`` moves (left button held) along a digit-shaped
stroke to the canvas of a full :class:`gui.window.main_window.MainWindow` and
measures, per move:

* **panels updated** – the move event is delivered (the canvas re-renders the
  stroke), the throttle timer fires, the drawing is preprocessed, the network
  runs and every view holds the new data (``sigPanelsUpdated``);
* **repainted** – additionally the event loop has painted the dirty widgets
  (pyqtgraph turns the arrays into pixels at paint time).

Then a burst of moves delivered back-to-back (faster than the display) checks
that they are merged into a single model run. Target: <= 16 ms (one frame).

With ``--overlay METHOD`` the saliency overlay is on during the stroke (it is
computed off the GUI thread); the report adds how many overlay refreshes
the stroke got and how long the last one took to arrive after the last move.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from engine.explain import METHODS

TARGET_MS = 16.0


def _percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q / 100.0
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gui.tools.bench_latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", metavar="PATH", help="model file (default: the bundled one)")
    parser.add_argument("--preset", help="use a randomly initialised engine preset instead")
    parser.add_argument("--moves", type=int, default=300, help="mouse moves to time")
    parser.add_argument("--size", default="1240x760", help="window size, WxH")
    parser.add_argument("--overlay", choices=METHODS, help="turn the saliency overlay on")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import numpy as np
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication

    from engine.nn import presets

    from ..drawing.examples import EXAMPLES
    from ..state.model_info import model_label
    from ..state.settings import AppSettings
    from ..window.main_window import MainWindow
    from .mouse import move, press, release
    from .session import application

    app = application([sys.argv[0]])
    tmp = tempfile.TemporaryDirectory(prefix="cnn-playground-bench-")
    model = presets.build(args.preset, np.random.default_rng(0)) if args.preset else None
    window = MainWindow(model_path=args.model, model=model,
                        settings=AppSettings(os.path.join(tmp.name, "settings.ini")), theme="light")
    w, h = (int(v) for v in args.size.lower().split("x"))
    window.resize(w, h)
    window.show()
    for _ in range(5):
        app.processEvents()
    canvas = window.canvas
    rect = canvas.square_rect()

    # a long stroke: example digits joined, resampled to ~4 px steps (a mouse at
    # ~125 Hz moving 0.5 m/s), in widget pixels
    path = [p for d in (3, 8, 2) for stroke in EXAMPLES[d] for p in stroke]
    dense = [QPointF(rect.x() + x * rect.width(), rect.y() + y * rect.height()) for x, y in path]
    points = [dense[0]]
    while len(points) < args.moves + 1:
        for p in dense[1:] + dense[::-1]:
            if (p - points[-1]).manhattanLength() >= 4.0:
                points.append(p)

    def wait_for_update(timeout_s=1.0) -> bool:
        deadline = time.perf_counter() + timeout_s
        while not updated and time.perf_counter() < deadline:
            app.processEvents()
        return bool(updated)

    updated, overlays = [], []
    window.sigPanelsUpdated.connect(lambda _r: updated.append(time.perf_counter()))
    if args.overlay:
        window.why.saliency.set_method(args.overlay)
        window.why.saliency.sigMapChanged.connect(
            lambda smap: overlays.append((time.perf_counter(), smap)))

    # warm up (first runs pay one-off allocation / BLAS start-up costs)
    window.draw_example(3)
    for _ in range(3):
        window.controller.update_now()
    window.canvas.clear()
    app.processEvents()

    to_panels, to_pixels, cpu, pre, fwd = [], [], [], [], []
    press(canvas, points[0])
    app.processEvents()
    for pos in points[1:args.moves + 1]:
        updated.clear()
        c0 = time.thread_time()
        t0 = time.perf_counter()
        move(canvas, pos)
        if not wait_for_update():
            continue
        t1 = updated[0]
        app.processEvents()           # paint what changed
        t2 = time.perf_counter()
        c2 = time.thread_time()
        result = window.controller.last_result
        if not result.empty:
            to_panels.append((t1 - t0) * 1e3)
            to_pixels.append((t2 - t0) * 1e3)
            cpu.append((c2 - c0) * 1e3)
            pre.append(result.preprocess_ms)
            fwd.append(result.forward_ms)
    release(canvas, points[-1])
    app.processEvents()
    stroke_overlays = len(overlays)
    last_move = time.perf_counter()
    final = window.controller.last_result
    deadline = last_move + 2.0
    while args.overlay and time.perf_counter() < deadline and not (
            overlays and overlays[-1][1] is not None and overlays[-1][1].result is final):
        app.processEvents()
    overlay_lag = (overlays[-1][0] - last_move) * 1e3 if args.overlay and overlays else None

    # views alone: the same result put into every view
    result = window.controller.last_result
    views = []
    for _ in range(50):
        t0 = time.perf_counter()
        for view in (window.prediction_view, window.input_view, window.activations_view):
            view.set_result(result)
        views.append((time.perf_counter() - t0) * 1e3)

    # burst: 8 moves delivered back-to-back, as if they arrived within one frame
    bursts, burst_runs = [], []
    press(canvas, points[0])
    app.processEvents()
    for start in range(1, min(len(points) - 8, 8 * 20), 8):
        runs0 = window.controller.runs
        updated.clear()
        t0 = time.perf_counter()
        for pos in points[start:start + 8]:
            move(canvas, pos)
        if not wait_for_update():
            continue
        bursts.append((updated[0] - t0) * 1e3)
        burst_runs.append(window.controller.runs - runs0)
    release(canvas, points[-1])
    app.processEvents()

    def row(name, values):
        return (f"  {name:<34} {statistics.median(values):7.2f} {_percentile(values, 95):7.2f} "
                f"{max(values):7.2f}")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CNN playground latency — {model_label(window.model)}, "
          f"{window.model.num_params():,} parameters, canvas {canvas.image_side()} px, "
          f"window {w}x{h}, QPA {QApplication.platformName()}, {len(to_panels)} moves, "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'':<34} {'median':>7} {'p95':>7} {'max':>7}   (ms)")
    print(row("mouse move -> panels updated", to_panels))
    print(row("mouse move -> window repainted", to_pixels))
    print(row("  GUI-thread CPU time for that", cpu))
    print(row("  preprocess (to_model_input)", pre))
    print(row("  forward pass (all activations)", fwd))
    print(row("  views update (data into widgets)", views))
    print(row("burst of 8 moves -> panels updated", bursts))
    print(f"  model runs per burst of 8 moves: {sorted(set(burst_runs))} (coalesced: "
          f"{'yes' if max(burst_runs) == 1 else 'NO'})")
    if args.overlay:
        print(f"  overlay ({args.overlay}): {stroke_overlays} refreshes during {len(to_panels)} "
              f"moves; the last drawing's overlay {overlay_lag:.1f} ms after the stroke ended")
    p95 = _percentile(to_pixels, 95)
    verdict = "PASS" if p95 <= TARGET_MS else "FAIL"
    print(f"  target: move -> repainted p95 <= {TARGET_MS:.0f} ms: {verdict} ({p95:.2f} ms)")
    window.close()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

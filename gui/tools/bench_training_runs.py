"""Several in-app training benchmarks in a row, each in a fresh process:
``python -m gui.tools.bench_training --repeat 5 ...``.

One run of :mod:`gui.tools.bench_training` on a shared 2-core machine moves
by several percent from one minute to the next (other tenants, the CPU's
clock): its in-app share has been seen anywhere from 85 % to 97 % within a
day. A claim about it is a median over runs, each started afresh (no
window, thread or cache of an earlier run left in the process), with the
spread beside it. :func:`summarize_runs` is that summary; :func:`run_repeated`
starts the runs.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys

#: the ratios a run reports (see :mod:`gui.tools.bench_training`), in the order printed
RATIOS = ("app_vs_cli_windows", "app_vs_cli", "app_vs_cli_medians")


def summarize_runs(results: list[dict]) -> dict:
    """The median, lowest and highest of each of :data:`RATIOS` over the
    runs that report it, how many of them reach 90 % (by the like-with-like
    ratio, ``app_vs_cli_windows``), and the event loop's worst p99 and the
    GUI thread's median CPU share.

    :param results: one dict per run, as ``bench_training --json`` prints
    """
    summary: dict = {"runs": len(results)}
    ratios = {key: [r[key] for r in results if isinstance(r.get(key), (int, float))]
              for key in RATIOS}
    for key, values in ratios.items():
        if values:
            summary[key] = {"median": statistics.median(values), "min": min(values),
                            "max": max(values), "values": [round(v, 3) for v in values]}
    summary["runs_at_90_percent"] = sum(v >= 0.9 for v in ratios["app_vs_cli_windows"])
    p99 = [r["probe"]["p99_ms"] for r in results
           if isinstance(r.get("probe"), dict) and r["probe"].get("p99_ms") is not None]
    summary["worst_p99_ms"] = max(p99) if p99 else None
    shares = [r["gui_thread_cpu_share"] for r in results if "gui_thread_cpu_share" in r]
    summary["gui_thread_cpu_share"] = statistics.median(shares) if shares else None
    return summary


def format_summary(summary: dict) -> str:
    lines = [f"{summary['runs']} runs, each in a new process"]
    names = {"app_vs_cli_windows": "like with like (8-step windows)",
             "app_vs_cli": "whole run / engine.bench",
             "app_vs_cli_medians": "median phase / engine.bench"}
    for key in RATIOS:
        if key in summary:
            s = summary[key]
            lines.append(f"{names[key]}: median {s['median']:.1%} (lowest {s['min']:.1%}, "
                         f"highest {s['max']:.1%}; runs {', '.join(f'{v:.1%}' for v in s['values'])})")
    lines.append(f"runs at >= 90 % (like with like): {summary['runs_at_90_percent']} of {summary['runs']}")
    if summary["worst_p99_ms"] is not None:
        lines.append(f"event-loop probe: worst p99 {summary['worst_p99_ms']:.1f} ms")
    if summary["gui_thread_cpu_share"] is not None:
        lines.append(f"GUI thread: median {summary['gui_thread_cpu_share']:.1%} of a core")
    return "\n".join(lines)


def run_repeated(argv: list[str], repeat: int, timeout_s: float) -> list[dict]:
    """Run ``python -m gui.tools.bench_training *argv --json`` ``repeat``
    times, one after another; each run's JSON result. A run that fails,
    prints no result or takes longer than ``timeout_s`` ends the series with
    ``RuntimeError`` saying why."""
    results = []
    for _ in range(repeat):
        run = len(results) + 1
        try:
            done = subprocess.run([sys.executable, "-m", "gui.tools.bench_training", *argv,
                                   "--json"], capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"run {run} did not end within {timeout_s:.0f} s") from None
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1].removeprefix("error: ")
            raise RuntimeError(f"run {run} failed: {last}")
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            result = None
        if not isinstance(result, dict):
            raise RuntimeError(f"run {run} printed no result")
        results.append(result)
    return results

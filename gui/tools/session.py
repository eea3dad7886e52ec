"""Driving the app from a script as a person would, and measuring it: let
the event loop run, wait for a condition, click buttons and tabs with the
mouse, read the process's memory, summarise timings. Shared by the
walkthrough, the soak test and the benchmarks (and usable from tests)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]


class SessionError(AssertionError):
    """A step did not do what a user would expect."""


def application(argv: list[str] | None = None):
    """The ``QApplication`` (made with ``argv`` if there is none yet) with the
    app's cycle collector installed, as ``gui.app`` does
    (:mod:`gui.workers.gui_thread_gc`): a tool measures what a user runs."""
    from PySide6.QtWidgets import QApplication

    from ..workers.gui_thread_gc import install
    app = QApplication.instance() or QApplication(argv or ["cnn-playground"])
    install(app)
    return app


def pump(seconds: float) -> None:
    """Let the event loop run for ``seconds`` (signals from worker threads arrive)."""
    from PySide6.QtWidgets import QApplication
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def wait_until(condition, timeout_s: float, what: str) -> None:
    """Pump until ``condition()`` holds; :class:`SessionError` after ``timeout_s``."""
    end = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > end:
            raise SessionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        pump(0.02)


def click(widget) -> None:
    """A real left click on ``widget`` (which must be enabled)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    if not widget.isEnabled():
        raise SessionError(f"{widget.objectName() or widget.text()!r} is disabled")
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    pump(0.05)


def click_tab(tabs, widget) -> None:
    """Click the tab of ``widget`` in the ``QTabWidget`` ``tabs``."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    bar = tabs.tabBar()
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(widget)).center())
    pump(0.05)
    if tabs.currentWidget() is not widget:
        raise SessionError("clicking the tab did not open it")


def rss_mb() -> float:
    """Resident set size of this process now (VmRSS), in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(values_ms) -> dict:
    """``count``, ``p50_ms``, ``p90_ms``, ``p99_ms``, ``max_ms`` and ``over_20ms``."""
    v = np.asarray(values_ms, float)
    if not len(v):
        return {"count": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None,
                "over_20ms": 0}
    return {"count": int(len(v)), "p50_ms": round(float(np.percentile(v, 50)), 2),
            "p90_ms": round(float(np.percentile(v, 90)), 2),
            "p99_ms": round(float(np.percentile(v, 99)), 2),
            "max_ms": round(float(v.max()), 2), "over_20ms": int((v > 20).sum())}


def data_folder(arg: str | None = None) -> str | None:
    """MNIST for a tool: ``arg``, else ``$CNN_PLAYGROUND_DATA``, else the copy
    beside this checkout (``../shared/datasets/mnist``), else None (the
    engine's per-user cache)."""
    if arg:
        return arg
    if os.environ.get("CNN_PLAYGROUND_DATA"):
        return os.environ["CNN_PLAYGROUND_DATA"]
    shared = REPO_ROOT.parent / "shared" / "datasets" / "mnist"
    return str(shared) if shared.exists() else None

"""The latency benchmark (python -m gui.tools.bench_latency) runs and reports."""
from __future__ import annotations

from gui.tools import bench_latency


def test_latency_benchmark_runs(capsys):
    assert bench_latency.main(["--moves", "15", "--preset", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "mouse move -> panels updated" in out and "coalesced: yes" in out

"""The time machine benchmark (python -m gui.tools.bench_scrub) runs, feeds the
views once per key press and reports against its target."""
from __future__ import annotations

import re

import pytest

from gui.tools import bench_scrub


def test_scrub_benchmark_runs_and_times_every_press(capsys):
    assert bench_scrub.main(["--checkpoints", "4", "--rounds", "1", "--tab", "kernels"]) == 0
    out = capsys.readouterr().out
    assert "3 presses" in out
    fed = re.search(r"press -> views fed\s+([\d.]+)", out)
    assert fed and float(fed.group(1)) > 0
    assert re.search(r"target: press -> painted p95 <= 50 ms: (PASS|FAIL)", out)


def test_scrub_benchmark_refuses_a_bad_size():
    with pytest.raises(SystemExit) as exc:
        bench_scrub.main(["--size", "huge"])
    assert exc.value.code == 2

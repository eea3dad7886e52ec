"""A process killed (SIGKILL) while saving a model never leaves a broken file.

A subprocess saves a ~10 MB model to the same path in a loop, each version
with distinct, known weights, and is SIGKILLed at seeded random moments
(5-200 ms after it reported that it started saving). After every kill the
target must be a complete model file, loadable by ``engine.load_model``,
holding exactly the previous or the in-progress version; leftover
``.model.npz.*.tmp`` files may exist but are never the model and never break
the next save. (The in-process failures of atomic saves:
``tests/engine/system/test_atomic.py``.)
"""
from __future__ import annotations

import os
import random
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import engine
from engine.nn.model_file import save_model
from tests.support.data_fixtures import REPO_ROOT

pytestmark = [pytest.mark.scenario, pytest.mark.reliability, pytest.mark.slow]

MODEL_CODE = textwrap.dedent("""
    import numpy as np
    from engine.nn.layers import Dense, Flatten, ReLU
    from engine.nn.model import Model

    def big_model():
        '''2.66 M parameters, a 10.6 MB file.'''
        rng = np.random.default_rng(0)
        return Model([Flatten(), Dense(784, 2048, rng=rng), ReLU(), Dense(2048, 512, rng=rng), ReLU(),
                      Dense(512, 10, rng=rng)])

    def set_version(model, base, k):
        '''Version k: every weight is base + k (exact, deterministic).'''
        for name, value in model.named_params().items():
            np.add(base[name], np.float32(k), out=value)
        model.metadata["version"] = k
""")

SAVER = MODEL_CODE + textwrap.dedent("""
    import sys
    from engine.nn.model_file import save_model
    path, k = sys.argv[1], int(sys.argv[2])
    model = big_model()
    base = model.get_weights()
    while True:
        set_version(model, base, k)
        print("saving", k, flush=True)
        save_model(model, path)
        print("saved", k, flush=True)
        k += 1
""")

TMP_NAME = re.compile(r"^\.model\.npz\..+\.tmp$")


def _namespace() -> dict:
    ns: dict = {}
    exec(compile(MODEL_CODE, "<model code>", "exec"), ns)
    return ns


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise AssertionError(f"no output from the saver within {timeout} s")
    return proc.stdout.readline()


def _check_version(path: Path, base: dict, allowed: set[int]) -> int:
    model = engine.load_model(path)
    version = model.metadata["version"]
    assert version in allowed, f"file holds version {version}, expected one of {sorted(allowed)}"
    for name, value in model.named_params().items():
        assert np.array_equal(value, base[name] + np.float32(version)), f"{name} of version {version} differs"
    return version


def test_sigkill_during_save_never_leaves_a_broken_model(tmp_path):
    ns = _namespace()
    model = ns["big_model"]()
    base = model.get_weights()
    path = tmp_path / "model.npz"
    ns["set_version"](model, base, 0)
    save_model(model, path)
    visible = 0          # the version the file holds
    next_start = 1
    rng = random.Random(20240611)
    mid_save_kills = 0
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    try:
        for _ in range(10):
            start = next_start
            proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path), str(start)], cwd=tmp_path,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            try:
                first = _read_line(proc, 60)
                assert first.strip() == f"saving {start}", (first, proc.stderr.read() if proc.poll() else "")
                time.sleep(rng.uniform(0.005, 0.200))
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                lines = [first] + proc.stdout.read().splitlines()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=30)
                proc.stdout.close()
                proc.stderr.close()
            assert proc.returncode == -signal.SIGKILL
            started = [int(l.split()[1]) for l in lines if l.startswith("saving")]
            saved = [int(l.split()[1]) for l in lines if l.startswith("saved")]
            last = started[-1]
            if saved and saved[-1] == last:
                allowed = {last}                        # finished: must be visible
            else:
                mid_save_kills += 1
                allowed = {last, saved[-1] if saved else visible}  # old or new, nothing else
            visible = _check_version(path, base, allowed)
            next_start = last + 1
            others = [p.name for p in tmp_path.iterdir() if p.name != "model.npz"]
            assert all(TMP_NAME.match(n) for n in others), others
        # leftovers never break the next save, nor are they ever the model
        ns["set_version"](model, base, next_start)
        save_model(model, path)
        _check_version(path, base, {next_start})
        assert mid_save_kills >= 1  # the saver spends nearly all its time saving
        leftovers = sum(1 for p in tmp_path.iterdir() if TMP_NAME.match(p.name))
        print(f"{mid_save_kills} of 10 kills landed mid-save; {leftovers} temp files left behind")
    finally:
        for p in tmp_path.iterdir():  # ~10 MB each: do not keep them around
            p.unlink()

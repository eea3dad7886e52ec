"""The command line faced with bad inputs: every hostile model file and every
corrupt MNIST folder is reported as one ``error:`` line on stderr (naming
the file and the problem), exit code 2, nothing on stdout, no traceback,
nothing executed from a pickle, and no hang.

Each case runs ``python -m engine evaluate`` in a subprocess. The inputs come
from the catalogues in :mod:`tests.support.hostile_models` and
:mod:`tests.support.mnist_folders`; what the library raises for them is
tested in ``tests/engine/nn/test_model_file_hostile.py`` and
``tests/engine/data/test_mnist_corrupt.py``.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.nn import presets
from tests.support.data_fixtures import REPO_ROOT
from tests.support.hostile_models import CASES, MARKER_NAME
from tests.support.mnist_folders import IDS, VARIANTS, clean_env, corrupt_folders

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]


# ---------------------------------------------------------------- hostile model files
CLI_CASES = ["random-bytes", "object-array-with-open-payload", "layer-type-is-a-list", "nan-weight",
             "arch-5000-digit-integer"]


@pytest.mark.parametrize("cid", CLI_CASES)
def test_cli_reports_a_hostile_model_as_one_error_line(cid, tmp_path):
    path = CASES[cid][0](tmp_path)
    proc = subprocess.run([sys.executable, "-m", "engine", "evaluate", "--model", str(path), "--no-download",
                           "--data-dir", str(tmp_path / "no-data")], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert proc.stdout == ""
    assert not list(tmp_path.rglob(MARKER_NAME))


# ---------------------------------------------------------------- corrupt data folders
@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """No data-dir override (the subprocess inherits the environment)."""
    clean_env(monkeypatch)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, mnist_dir, mnist_raw) -> dict[str, Path]:
    return corrupt_folders(tmp_path_factory.mktemp("bad-mnist"), mnist_dir, mnist_raw)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny.npz"
    presets.build("tiny", np.random.default_rng(0)).save(path)
    return path


@pytest.mark.parametrize("cid", IDS)
def test_cli_one_line_error_no_traceback(cid, folders, model_path):
    _, name, file_name, _, message = VARIANTS[IDS.index(cid)]
    try:
        proc = subprocess.run([sys.executable, "-m", "engine", "evaluate", "--model", str(model_path),
                               "--data-dir", str(folders[cid]), "--no-download"],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the command line hung on a corrupt data folder")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert file_name.removesuffix(".gz") in lines[0]
    assert re.search(message, lines[0]), lines[0]
    assert proc.stdout == ""

"""Every command line with a table of bad arguments: usage errors exit 2 and
name the option, failures at run time exit 1 with one ``error:`` line, and
no traceback ever appears - checked in-process for the whole table and as
real processes for a sample."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import bench, cli
from engine.nn import presets
from engine.nn.layers import Dense, Flatten
from engine.nn.model import Model
from gui import app
from tests.support.data_fixtures import REPO_ROOT, mnist_folder

pytestmark = [pytest.mark.scenario, pytest.mark.reliability]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli")
    five = Model([Flatten(), Dense(784, 5, rng=np.random.default_rng(0))])
    five.save(root / "five.npz")
    wide = Model([Flatten(), Dense(32 * 32, 10, rng=np.random.default_rng(0))],
                 input_shape=(1, 32, 32))
    wide.save(root / "wide.npz")
    presets.build("tiny", np.random.default_rng(0)).save(root / "tiny.npz")
    (root / "text.npz").write_text("not a model")
    (root / "folder").mkdir()
    os.mkfifo(root / "fifo")
    locked = root / "locked.npz"
    locked.write_bytes(b"old")
    locked.chmod(0o444)
    return {p.stem: p for p in root.iterdir()} | {"root": root}


USAGE = [  # (arguments, option named in the message)
    (["train", "--subset", "0"], "--subset"), (["train", "--subset", "-5"], "--subset"),
    (["train", "--momentum", "5"], "--momentum"), (["train", "--momentum", "nan"], "--momentum"),
    (["train", "--weight-decay", "-1"], "--weight-decay"), (["train", "--seed", "-1"], "--seed"),
    (["train", "--workers", "100000"], "--workers"), (["train", "--epochs", "0"], "--epochs"),
    (["train", "--batch-size", "0"], "--batch-size"), (["train", "--lr", "0"], "--lr"),
    (["train", "--lr", "1e9"], "--lr"), (["train", "--lr", "inf"], "--lr"),
    (["train", "--epochs", "2.5"], "--epochs"), (["train", "--preset", "xyz"], "--preset"),
    (["train", "--optimizer", "rmsprop"], "--optimizer"), (["train", "--out", ""], "--out"),
    (["train", "--out", "{root}"], "--out"), (["train", "--out", "{root}/no/such/m.npz"], "--out"),
    (["train", "--out", "/dev/null"], "--out"), (["train", "--out", "{locked}"], "--out"),
    (["train", "--init", "{root}/missing.npz"], "--init"),
    (["train", "--batch-size", "60000"], "--batch-size"),
    (["evaluate", "--model", "{folder}"], "--model"), (["frobnicate"], "frobnicate"),
    (["train", "--out", "~no-such-user-here/m.npz"], "--out"),
    (["train", "--init", "~no-such-user-here/m.npz"], "--init"),
    (["evaluate", "--model", "~no-such-user-here/m.npz"], "--model"),
    (["evaluate", "--model", "{fifo}"], "--model"), (["evaluate", "--model", ""], "--model"),
    (["train", "--data-dir", ""], "--data-dir"), (["train", "--data-dir", "{text}"], "--data-dir"),
    (["download", "--data-dir", "{text}/mnist"], "--data-dir"),
    (["train", "--data-dir", "~no-such-user-here/mnist"], "--data-dir"),
    (["train", "--out", "{root}/model.npz/"], "--out"),
    (["train", "--out", "{root}/" + "L" * 300 + ".npz"], "--out"),
    (["train", "--seed", "\uff19\uff19"], "--seed"), (["train", "--lr", "\uff10.1"], "--lr"),
]
RUNTIME = [  # (arguments, words in the one error line)
    (["train", "--init", "{five}", "--data-dir", "{mnist}"], "5 classes"),
    (["train", "--init", "{wide}", "--data-dir", "{mnist}"], "shape (1, 32, 32)"),
    (["train", "--init", "{text}"], "not a model file"),
    (["train", "--data-dir", "{root}/empty", "--no-download", "--subset", "64"], "missing"),
    (["evaluate", "--model", "{five}", "--data-dir", "{mnist}"], "5 classes"),
    (["evaluate", "--model", "{text}", "--data-dir", "{mnist}"], "not a model file"),
    (["evaluate", "--model", "{tiny}", "--data-dir", "{root}/empty", "--no-download"], "missing"),
]


def fill(args, files):
    names = {k: str(v) for k, v in files.items()} | {"mnist": str(mnist_folder())}
    return [a.format(**names) for a in args]


@pytest.mark.parametrize("args, option", USAGE, ids=[" ".join(a) for a, _ in USAGE])
def test_usage_errors_exit_2_naming_the_option(args, option, files, capsys):
    assert cli.main(fill(args, files)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and option in err and "error:" in err


@pytest.mark.parametrize("args, words", RUNTIME, ids=[" ".join(a) for a, _ in RUNTIME])
def test_runtime_errors_exit_1_with_one_line(args, words, files, capsys, mnist_data):
    assert cli.main(fill(args, files)) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and words in errors[0], lines
    assert not any("Traceback" in line for line in lines)


@pytest.mark.parametrize("args", [["--preset", "xyz"], ["--time-to-accuracy", "2"],
                                  ["--time-to-accuracy", "nan"], ["--bogus"]])
def test_bench_usage_errors(args, capsys):
    assert bench.main(args) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("args, option", [
    (["--size", "garbage"], "--size"), (["--size", "99999x99999"], "--size"),
    (["--size", "0x0"], "--size"), (["--size", "1240x"], "--size"),
    (["--screenshot", "{root}/noext"], "--screenshot"),
    (["--screenshot", "{root}/no/such/x.png"], "--screenshot"),
    (["--model", "{root}/missing.npz"], "--model"), (["--digit", "12"], "--digit"),
    (["--model", "~no-such-user-here/m.npz"], "--model"), (["--model", "{fifo}"], "--model"),
    (["--screenshot", "~no-such-user-here/x.png"], "--screenshot"),
    (["--screenshot", "{root}/x.png/"], "--screenshot"), (["--size", "\uff19\uff18\uff10x640"], "--size"),
])
def test_app_usage_errors_exit_2(args, option, files, capsys):
    assert app.main(fill(args, files)) == 2
    err = capsys.readouterr().err
    assert option in err and "Traceback" not in err


@pytest.mark.parametrize("model", ["text", "wide"])
def test_a_screenshot_of_an_unusable_model_fails_and_writes_nothing(model, files, capsys, qtbot):
    out = files["root"] / f"shot-{model}.png"
    assert app.main(["--screenshot", str(out), "--model", str(files[model])]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and not out.exists()


@pytest.mark.parametrize("command", [
    ["-m", "engine", "train", "--batch-size", "60000"],
    ["-m", "engine", "train", "--init", "{five}", "--data-dir", "{mnist}"],
    ["-m", "engine.bench", "--preset", "xyz"],
    ["-m", "gui", "--size", "99999x99999"],
])
def test_real_processes_print_no_traceback(command, files):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, *fill(command, files)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=files["root"])
    assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].split(":")[0] in ("error", "python -m engine",
                                                                  "python -m engine train",
                                                                  "python -m engine.bench",
                                                                  "cnn-playground")


def test_a_file_name_in_another_encoding_is_printed_not_a_failure(files, tmp_path, mnist_data):
    """A file name that is not UTF-8 (made on another system) under a UTF-8
    terminal: the results are printed, the name escaped, exit 0."""
    name = os.path.join(os.fsencode(tmp_path), b"\xff\xfe-model.npz")
    with open(name, "wb") as f:
        f.write(files["tiny"].read_bytes())
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "engine", "evaluate", "--model", name,
                           "--data-dir", str(mnist_folder())], cwd=REPO_ROOT, env=env,
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert b"test accuracy" in proc.stdout and b"\\udcff" in proc.stdout

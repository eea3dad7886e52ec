"""``python -m engine train --checkpoints``: the run is saved beside ``--out``
as ``<stem>.run.npz`` with its checkpoints, ``engine.load_run`` reads it, its
last checkpoint predicts exactly like the saved model, and a run file that
could not be written is a usage error before any data is loaded."""
from __future__ import annotations

import json

import numpy as np

import engine
from engine.cli import main
from tests.support.data_fixtures import mnist_folder


def _train(out, *extra: str) -> int:
    return main(["train", "--preset", "tiny", "--subset", "512", "--epochs", "1", "--quiet",
                 "--data-dir", str(mnist_folder()), "--out", str(out), *extra])


def test_checkpoints_are_saved_beside_the_model_and_reload(tmp_path, capsys, mnist_data):
    out = tmp_path / "model.npz"
    assert _train(out, "--checkpoints", "--seed", "3") == 0
    summary = json.loads(capsys.readouterr().out)
    run_path = tmp_path / "model.run.npz"
    assert summary["run"] == str(run_path) and summary["checkpoints"] == 5
    run = engine.load_run(run_path)
    assert isinstance(run, engine.TrainingRun)
    # 512 images, batch 64: 8 steps; checkpoints at 0, the 1-2-5 steps and the epoch's end
    assert [c.step for c in run.checkpoints] == [0, 1, 2, 5, 8]
    assert run.steps.tolist() == list(range(1, 9)) and run.finished_reason == "completed"
    assert run.label == "tiny, sgd lr 0.05, seed 3" and run.config.seed == 3
    assert run.config.subset == 512 and run.dataset == "MNIST"
    model = engine.load_model(out)
    assert run.final_test_accuracy == summary["test_accuracy"] == model.metadata["test_accuracy"]
    last = run.checkpoints[-1].model
    assert isinstance(last, engine.Model)
    x = mnist_data.test_images[:200][:, None].astype(np.float32) / 255
    np.testing.assert_array_equal(last.predict_proba(x), model.predict_proba(x))
    first = run.checkpoints[0].model
    assert not np.array_equal(first.predict_proba(x), model.predict_proba(x))


def test_without_the_flag_no_run_file_is_written(tmp_path, capsys, mnist_data):
    assert _train(tmp_path / "plain.npz") == 0
    summary = json.loads(capsys.readouterr().out)
    assert "run" not in summary
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.npz"]


def test_a_run_file_that_cannot_be_written_is_a_usage_error_before_loading_data(tmp_path, capsys):
    (tmp_path / "model.run.npz").mkdir()                  # a folder in the way
    code = main(["train", "--preset", "tiny", "--epochs", "1", "--checkpoints", "--no-download",
                 "--data-dir", str(tmp_path / "no-mnist-here"), "--out",
                 str(tmp_path / "model.npz")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--checkpoints" in err and "model.run.npz" in err and "Traceback" not in err
    assert not (tmp_path / "model.npz").exists()

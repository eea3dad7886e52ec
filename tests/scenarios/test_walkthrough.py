"""The scripted new-user session (python -m gui.tools.walkthrough), shortened:
launch, train from scratch while drawing, stop, evaluate, save, reopen."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from gui.tools.walkthrough import walkthrough
from tests.support.data_fixtures import mnist_folder

pytestmark = [pytest.mark.scenario, pytest.mark.slow]


def test_a_new_users_first_session(tmp_path, mnist_data, isolated_settings):
    # 50 epochs of 3,000 images: still running when Stop is clicked after 3 s
    summary = walkthrough(tmp_path, data_dir=str(mnist_folder()), seconds=3.0,
                                 preset="tiny", epochs=50, subset=3000, draw_every_s=0.5)
    # every stage left a real screenshot of the whole window
    names = [s["stage"] for s in summary["stages"]]
    assert names == ["launch", "training-started", "drawing-while-training", "curves",
                     "evaluation", "reopened"]
    for stage in summary["stages"]:
        image = QImage(stage["screenshot"])
        assert Path(stage["screenshot"]).parent == tmp_path
        assert (image.width(), image.height()) == (1240, 760)
    # the bundled model reads the example digits; the live network was asked while training
    assert summary["bundled_model"]["answers"] == "0123456789"
    rounds = summary["drawn_digits_while_training"]
    assert rounds and all(len(r["answers"]) == 10 for r in rounds)
    assert summary["finished"]["reason"] == "stopped"
    assert summary["finished"]["steps"] > 0
    # evaluated on the full test set, saved, reopened with the same answers
    assert 0.1 <= summary["test_accuracy"] <= 1.0
    assert summary["reopened_model"] == summary["trained_model"]
    assert "my-first-model.npz" in summary["reopened_status"]

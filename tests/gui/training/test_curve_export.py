"""The training curves' right-click menu saves them as CSV: a header and one
row per point of the plots (each batch, each epoch's end), in run order."""
from __future__ import annotations

import csv

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

import gui.widgets.export_menu as export_menu
from engine.training.reports import EpochReport, StepReport
from gui.training.curve_export import COLUMNS, CSV_TEXT
from gui.training.plots import TrainingPlots


def _short_run(plots: TrainingPlots) -> None:
    """Two epochs of 4 batches each, with the epochs' ends."""
    plots.start_run(2, 8)
    for epoch in (1, 2):
        plots.add_steps([StepReport(s, 8, epoch, s / 4, 2.0 / s, 0.1 * s, 0.05, 500.0, s * 0.01)
                         for s in range(4 * epoch - 3, 4 * epoch + 1)])
        plots.add_epoch(EpochReport(epoch, 2, 1.0 / epoch, 0.5 + 0.2 * epoch, 1.2 / epoch,
                                    0.45 + 0.2 * epoch, float(epoch)))


def test_right_click_saves_the_curves_as_csv(qtbot, monkeypatch, tmp_path):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(500, 420)
    plots.show()
    qtbot.waitExposed(plots)
    _short_run(plots)
    asked = []

    def ask(parent, title, folder, name, file_filter):
        asked.append(name)
        return str(tmp_path / "curves.csv")
    monkeypatch.setattr(export_menu, "ask_save_path", ask)
    viewport = plots.loss_plot.viewport()
    pos = viewport.rect().center()
    QTest.mouseClick(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, pos)
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                       viewport.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=2000)
    menu = QApplication.activePopupWidget()
    texts = [a.text() for a in menu.actions()]
    assert export_menu.PNG_TEXT in texts and export_menu.SVG_TEXT in texts
    action = next(a for a in menu.actions() if a.text() == CSV_TEXT)
    menu.close()
    action.trigger()
    assert asked == ["training_curves.csv"]
    with open(tmp_path / "curves.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == COLUMNS
    body = rows[1:]
    assert len(body) == plots.step_count + plots.epoch_count == 10
    assert [r[0] for r in body] == ["1", "2", "3", "4", "", "5", "6", "7", "8", ""]
    col = {name: i for i, name in enumerate(COLUMNS)}
    assert float(body[1][col["batch_loss"]]) == 1.0                 # 2.0 / step 2
    assert float(body[1][col["epoch"]]) == 0.5
    assert float(body[2][col["learning_rate"]]) == 0.05
    assert body[1][col["test_loss"]] == ""                          # not measured per batch
    epoch_end = body[9]
    assert float(epoch_end[col["epoch"]]) == 2.0
    assert float(epoch_end[col["train_loss"]]) == 0.5
    assert float(epoch_end[col["test_accuracy"]]) == pytest.approx(0.85)
    assert epoch_end[col["batch_loss"]] == ""


def test_a_failed_csv_save_shows_one_error(qtbot, tmp_path, no_modal_dialogs):
    from gui.training.curve_export import save_curves_csv
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    _short_run(plots)
    assert not save_curves_csv(plots, str(tmp_path / "no-such-folder" / "c.csv"))
    assert len(no_modal_dialogs) == 1 and no_modal_dialogs[0][0] == "critical"
    assert save_curves_csv(plots, str(tmp_path / "c.csv"))
    assert (tmp_path / "c.csv").read_text().count("\n") == 11

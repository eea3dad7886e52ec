"""Every panel saves what it shows: a right-click offers "Save picture as
PNG…" (the panel as drawn) and, over a pyqtgraph plot, "Save as SVG…"."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

import gui.widgets.export_menu as export_menu
from gui.widgets.panel import Panel


def _answer(monkeypatch, path):
    asked = []

    def ask(parent, title, folder, name, file_filter):
        asked.append((name, file_filter))
        return str(path)
    monkeypatch.setattr(export_menu, "ask_save_path", ask)
    return asked


def _right_click_menu(qtbot, widget, pos: QPoint) -> QMenu:
    """A right-click at ``pos`` on ``widget`` (the press and release, then the
    context-menu event the platform sends with them) and the menu it opens."""
    QTest.mouseClick(widget, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, pos)
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                     widget.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=2000)
    return QApplication.activePopupWidget()


def _choose(menu: QMenu, text: str) -> None:
    action = next(a for a in menu.actions() if a.text() == text)
    menu.close()
    action.trigger()


def _plot_panel(qtbot) -> tuple[Panel, pg.PlotWidget]:
    panel = Panel("conv1 <b>", "32 maps")
    plot = pg.PlotWidget()
    plot.plot([0, 1, 2, 3], [1, 3, 2, 4])
    panel.body.addWidget(plot)
    qtbot.addWidget(panel)
    panel.resize(320, 240)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, plot


def test_right_click_saves_the_panel_as_a_png_of_its_size(qtbot, monkeypatch, tmp_path):
    panel = Panel("weights", "8×8")
    qtbot.addWidget(panel)
    panel.resize(260, 180)
    panel.show()
    qtbot.waitExposed(panel)
    asked = _answer(monkeypatch, tmp_path / "p.png")
    menu = _right_click_menu(qtbot, panel, QPoint(5, 5))
    texts = [a.text() for a in menu.actions()]
    assert export_menu.PNG_TEXT in texts and export_menu.SVG_TEXT not in texts  # no plot
    _choose(menu, export_menu.PNG_TEXT)
    assert asked == [("weights.png", "PNG (*.png)")]
    image = QImage(str(tmp_path / "p.png"))
    ratio = panel.devicePixelRatioF()
    assert not image.isNull()
    assert (image.width(), image.height()) == (round(260 * ratio), round(180 * ratio))


def test_right_click_on_a_plot_saves_it_as_svg(qtbot, monkeypatch, tmp_path):
    panel, plot = _plot_panel(qtbot)
    asked = _answer(monkeypatch, tmp_path / "p.svg")
    centre = plot.viewport().rect().center()
    menu = _right_click_menu(qtbot, plot.viewport(), centre)
    _choose(menu, export_menu.SVG_TEXT)
    assert asked == [("conv1_b.svg", "SVG (*.svg)")]   # a safe name from the title
    text = (tmp_path / "p.svg").read_text(encoding="utf-8")
    assert text.startswith("<?xml") or "<svg" in text
    assert "<svg" in text and "path" in text


def test_a_failed_save_shows_one_error(qtbot, monkeypatch, tmp_path, no_modal_dialogs):
    panel, _ = _plot_panel(qtbot)
    _answer(monkeypatch, tmp_path / "missing-folder" / "p.png")
    _choose(_right_click_menu(qtbot, panel, QPoint(5, 5)), export_menu.PNG_TEXT)
    assert len(no_modal_dialogs) == 1 and no_modal_dialogs[0][0] == "critical"
    assert "missing-folder" in no_modal_dialogs[0][2]
    assert not (tmp_path / "missing-folder").exists()


def test_a_cancelled_dialog_writes_nothing(qtbot, monkeypatch, tmp_path, no_modal_dialogs):
    panel, _ = _plot_panel(qtbot)
    monkeypatch.setattr(export_menu, "ask_save_path", lambda *a: None)
    _choose(_right_click_menu(qtbot, panel, QPoint(5, 5)), export_menu.PNG_TEXT)
    assert list(tmp_path.iterdir()) == [] and no_modal_dialogs == []

"""Two runs' settings side by side, the rows that differ highlighted (bold,
tinted, with a marker in the first column) so "what changed?" is read at a
glance. All text comes from the runs (labels and architectures may come
from files): it is set as plain table items, never interpreted."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from engine.training.run_record import TrainingRun

from ..widgets.plain_text import plain_tooltip

DIFFERS_MARK = "\u25cf "        # a dot before the names of the rows that differ
MIN_WIDTH = 180               # px: long values wrap onto more lines below this
HIGHLIGHT = {"light": "#fff1c2", "dark": "#4a3f1c"}


def result_rows(run: TrainingRun) -> dict[str, str]:
    """The outcome rows shown under the settings."""
    acc = run.final_test_accuracy
    epochs = len(run.epoch_test_accuracy)
    when = f" after epoch {epochs}, {run.steps_after_last_test:,} steps before the end" \
        if run.steps_after_last_test else ""
    return {"test accuracy": "not measured" if acc is None else f"{acc:.2%}{when}",
            "training time": f"{run.elapsed_s:.1f} s",
            "steps": f"{len(run.steps):,} of {run.total_steps:,}" if run.total_steps
            else f"{len(run.steps):,}",
            "ended": run.finished_reason}


def compare_rows(a: TrainingRun | None, b: TrainingRun | None) -> list[tuple[str, str, str, bool]]:
    """``(setting, A's value, B's value, differs)`` for every setting and result."""
    sa = {**a.settings(), **result_rows(a)} if a is not None else {}
    sb = {**b.settings(), **result_rows(b)} if b is not None else {}
    names = list(dict.fromkeys([*sa, *sb]))
    return [(n, sa.get(n, ""), sb.get(n, ""), a is not None and b is not None
             and sa.get(n) != sb.get(n)) for n in names]


class SettingsTable(QTableWidget):
    """Setting | run A | run B; :meth:`show_runs` fills it."""

    def __init__(self, parent=None):
        super().__init__(0, 3, parent)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setObjectName("runSettings")
        self.setHorizontalHeaderLabels(["Setting", "Run A", "Run B"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self._theme_name = "light"
        self.differing: list[str] = []
        self.setMinimumWidth(MIN_WIDTH)
        header.sectionResized.connect(lambda *_: self.resizeRowsToContents())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resizeRowsToContents()      # wrapped values take fewer lines when wider

    def apply_theme(self, theme) -> None:
        self._theme_name = theme.name
        self._tint()

    def show_runs(self, a: TrainingRun | None, b: TrainingRun | None) -> None:
        rows = compare_rows(a, b)
        self.setRowCount(len(rows))
        self.differing = [name for name, _, _, differs in rows if differs]
        for r, (name, va, vb, differs) in enumerate(rows):
            for c, text in enumerate(((DIFFERS_MARK if differs else "") + name, va, vb)):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(text))
                if differs:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(r, c, item)
        self._tint()
        self.resizeRowsToContents()

    def _tint(self) -> None:
        brush = QBrush(QColor(HIGHLIGHT.get(self._theme_name, HIGHLIGHT["light"])))
        for r in range(self.rowCount()):
            first = self.item(r, 0)
            differs = first is not None and first.text().startswith(DIFFERS_MARK)
            for c in range(3):
                item = self.item(r, c)
                if item is not None:
                    item.setBackground(brush if differs else QBrush())

"""The "Runs" view of the Training area: pick two runs of this session (or
opened run files) and compare them: their curves overlaid
(:class:`~gui.runs.compare_curves.CompareCurves`) and their settings side by
side with the differences highlighted (:class:`~gui.runs.settings_table.SettingsTable`).

The view shows; the runs lab owns the runs and does the file work: it
listens to ``sigOpen()``, ``sigSave(TrainingRun)`` and ``sigReplay(TrainingRun)``
(scrub through the run's checkpoints in the time machine).
"""
from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from engine.training.run_record import TrainingRun

from ..widgets.export_menu import install_export_menu
from ..widgets.plain_text import plain_label, plain_tooltip
from .compare_curves import COLOURS, CompareCurves
from .settings_table import SettingsTable

EMPTY = ("Train a network twice (say with two learning rates, or after removing a layer in "
         "Build) to compare the runs here, or open a saved run.")
ONE_RUN = "One run so far: train another one to compare it with."
OPEN_TIP = "Open a run saved with its checkpoints (.run.npz): its curves, settings and time machine."
SAVE_TIP = "Save run A with its curves, settings and checkpoints as one file."
REPLAY_TIP = "Scrub through run A's checkpoints with the time machine under the tabs."
MAX_ITEM_CHARS = 80
#: Narrower than this (px), the settings table goes under the curves instead of
#: beside them: beside, its two run columns would wrap every value word by word.
SIDE_BY_SIDE_MIN = 760
#: The pickers' keys: the run's letter and its line as drawn (solid, dashed).
KEYS = {"A": "A \u2501\u2501", "B": "B \u2505\u2505"}


def run_title(run: TrainingRun) -> str:
    """``"3. 98.91% · bench · sgd lr 0.05 · batch 64 · 2 epochs"``: the outcome
    (the final test accuracy, ``"85.67% (epoch 1)"`` when the run went on
    after its last test, else how it ended) right after the run's number, so
    a picker too narrow for the whole label still shows it; a label without a
    number (from a file) comes after the outcome."""
    acc = run.final_test_accuracy
    text = run.label or "run"
    if len(text) > MAX_ITEM_CHARS:
        text = text[:MAX_ITEM_CHARS - 1] + "\u2026"
    if acc is None:
        outcome = run.finished_reason
    else:
        epoch = f" (epoch {len(run.epoch_test_accuracy)})" if run.steps_after_last_test else ""
        outcome = f"{acc:.2%}{epoch}"
    numbered = _NUMBERED.match(text)
    if numbered:
        return f"{numbered.group(1)} {outcome} · {numbered.group(2)}"
    return f"{outcome} · {text}"


#: A label that starts with the run's number: ``"3. bench · …"``.
_NUMBERED = re.compile(r"^(\d+\.) (.*)$", re.DOTALL)


class RunsView(QWidget):
    """Two pickers, the curves and the settings table."""

    sigOpen = Signal()
    sigSave = Signal(object)
    sigReplay = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsView")
        self._runs: tuple[TrainingRun, ...] = ()
        self._split: Qt.Orientation | None = None     # the orientation last sized for
        self.pick_a, self.pick_b = QComboBox(), QComboBox()
        for pick, tip in ((self.pick_a, "Run A: drawn solid blue"),
                          (self.pick_b, "Run B: drawn dashed orange")):
            pick.setToolTip(plain_tooltip(tip))
            pick.setMinimumContentsLength(8)
            pick.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            pick.currentIndexChanged.connect(self._picked)
        self.open_button = QPushButton("Open run…")
        self.open_button.setToolTip(OPEN_TIP)
        self.save_button = QPushButton("Save run A…")
        self.save_button.setToolTip(SAVE_TIP)
        self.replay_button = QPushButton("Time machine")
        self.replay_button.setToolTip(REPLAY_TIP)
        self.message = plain_label(EMPTY, object_name="placeholder", word_wrap=True)
        self.curves = CompareCurves()
        self.table = SettingsTable()
        top = QHBoxLayout()
        top.setContentsMargins(6, 4, 6, 0)
        for key, pick in (("A", self.pick_a), ("B", self.pick_b)):
            key_label = plain_label(KEYS[key], object_name=f"runKey{key}")
            key_label.setStyleSheet("color: rgb({}, {}, {}); font-weight: bold;".format(*COLOURS[key]))
            key_label.setToolTip(plain_tooltip(pick.toolTip()))
            top.addWidget(key_label)
            top.addWidget(pick, 1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(6, 0, 6, 0)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.replay_button)
        buttons.addStretch(1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.curves)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)
        self.open_button.clicked.connect(lambda: self.sigOpen.emit())
        self.save_button.clicked.connect(lambda: self._emit_for_a(self.sigSave))
        self.replay_button.clicked.connect(lambda: self._emit_for_a(self.sigReplay))
        install_export_menu(self.curves, "run-comparison")
        self._refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._arrange()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _arrange(self) -> None:
        """The table beside the curves in a wide view, under them in a narrow
        one; on the first show and on each change of orientation the curves
        take 3/5 of the length, the table 2/5 (the splitter would otherwise
        give the table only its minimum). Sizes the learner drags are kept."""
        if not self.isVisible() or self.width() <= 0:
            return
        wide = self.width() >= SIDE_BY_SIDE_MIN
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if orientation == self._split:
            return
        self._split = orientation
        self.splitter.setOrientation(orientation)
        length = self.width() if wide else max(self.splitter.height(), 1)
        self.splitter.setSizes([length * 3 // 5, length - length * 3 // 5])

    # ------------------------------------------------------------ public
    def apply_theme(self, theme) -> None:
        self.curves.apply_theme(theme)
        self.table.apply_theme(theme)

    def set_runs(self, runs: tuple[TrainingRun, ...]) -> None:
        """Show these runs (oldest first). A new run is picked as B and the
        one before it as A, the way a learner compares "before" and "after"."""
        grew = len(runs) > len(self._runs)
        self._runs = tuple(runs)
        for pick in (self.pick_a, self.pick_b):
            pick.blockSignals(True)
            keep = pick.currentIndex()
            pick.clear()
            for run in self._runs:
                title = run_title(run)
                pick.addItem(title)
                pick.setItemData(pick.count() - 1, plain_tooltip(title), Qt.ItemDataRole.ToolTipRole)
            pick.setCurrentIndex(min(keep, len(self._runs) - 1))
            pick.blockSignals(False)
        n = len(self._runs)
        if grew and n:
            self.pick_b.blockSignals(True)
            self.pick_b.setCurrentIndex(n - 1)
            self.pick_b.blockSignals(False)
            self.pick_a.blockSignals(True)
            self.pick_a.setCurrentIndex(max(0, n - 2))
            self.pick_a.blockSignals(False)
        self._refresh()

    def choose(self, a: int, b: int) -> None:
        """Compare runs ``a`` and ``b`` (indices into the runs, oldest first)."""
        self.pick_a.setCurrentIndex(a)
        self.pick_b.setCurrentIndex(b)

    @property
    def run_a(self) -> TrainingRun | None:
        return self._run_at(self.pick_a.currentIndex())

    @property
    def run_b(self) -> TrainingRun | None:
        return self._run_at(self.pick_b.currentIndex())

    # ------------------------------------------------------------ internals
    def _run_at(self, index: int) -> TrainingRun | None:
        return self._runs[index] if 0 <= index < len(self._runs) else None

    def _picked(self, _index: int = 0) -> None:
        self._refresh()

    def _emit_for_a(self, signal) -> None:
        run = self.run_a
        if run is not None:
            signal.emit(run)

    def _refresh(self) -> None:
        n = len(self._runs)
        a, b = self.run_a, self.run_b
        if n >= 2 and a is b:
            b = None
        self.message.setText(EMPTY if n == 0 else ONE_RUN if n == 1 else "")
        self.message.setVisible(n < 2)
        self.save_button.setEnabled(a is not None)
        self.replay_button.setEnabled(a is not None and len(a.checkpoints) >= 2)
        self.curves.show_runs(a, b)
        self.table.show_runs(a, b)

"""The "Fine-tune on my handwriting" box of the My handwriting tab: the
button (disabled, saying what is missing, until there are enough samples),
progress with Stop while it runs, then the before/after numbers and "Keep
the new model" / "Go back"::

    Fine-tune on my handwriting   [Fine-tune]   3 more samples needed
    [=========      ] 120 of 240 steps          [Stop]
                         before    after
    your held-out samples (10)   60.0 %   100.0 %
    MNIST test (2,000)           99.6 %    99.5 %
    [Keep the new model]  [Go back]

It only shows and reports (``sigStart``, ``sigStop``, ``sigKeep``,
``sigBack``); :mod:`gui.window.personal_wiring` runs the fine-tune.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

from engine.personal import PersonalReport

from ..widgets.percent import percent
from ..widgets.plain_text import plain_label, plain_tooltip

START_TIP = ("Train a copy of the current model a little on your samples, mixed with MNIST "
             "digits so it does not forget them; then compare before and after and keep it or "
             "go back. Takes a few seconds and runs in the background.")
CAVEAT = ("\"Held-out\" samples were left out of the fine-tune that is scored on them, so the "
          "numbers are a fair test; the model you keep is fine-tuned on all your samples.")


class FineTuneBox(QFrame):
    """See the module docstring. ``start_button``, ``stop_button``,
    ``keep_button``, ``back_button``, ``progress``, ``status`` and the
    result cells (``cells[(row, col)]``) are public for tests."""

    sigStart = Signal()
    sigStop = Signal()
    sigKeep = Signal()
    sigBack = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 6)
        column.setSpacing(4)
        top = QHBoxLayout()
        title = plain_label("Fine-tune on my handwriting")
        title.setObjectName("panelTitle")
        self.start_button = QPushButton("Fine-tune")
        self.start_button.setObjectName("fineTuneButton")
        self.start_button.setToolTip(START_TIP)
        self.start_button.clicked.connect(self.sigStart)
        self.status = plain_label("", word_wrap=True)
        self.status.setObjectName("hint")
        top.addWidget(title)
        top.addWidget(self.start_button)
        top.addWidget(self.status, 1)
        column.addLayout(top)
        running = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop fine-tuning; the current model stays as it is")
        self.stop_button.clicked.connect(self.sigStop)
        running.addWidget(self.progress, 1)
        running.addWidget(self.stop_button)
        self._running = QWidget()
        self._running.setLayout(running)
        running.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._running)
        self._results = QWidget()
        grid = QGridLayout(self._results)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(1)
        self.cells: dict[tuple[int, int], object] = {}
        for r in range(3):
            for c in range(3):
                cell = plain_label("")
                if c:
                    cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r == 0:
                    cell.setObjectName("hint")
                grid.addWidget(cell, r, c)
                self.cells[(r, c)] = cell
        self.cells[(0, 1)].setText("before")
        self.cells[(0, 2)].setText("after")
        grid.setColumnStretch(3, 1)
        self._results.setToolTip(plain_tooltip(CAVEAT))
        column.addWidget(self._results)
        choice = QHBoxLayout()
        self.keep_button = QPushButton("Keep the new model")
        self.keep_button.setObjectName("keepButton")
        self.keep_button.setToolTip("Use the fine-tuned model from now on (the canvas, the "
                                    "panels and the status bar use it); Save model… keeps it in a file")
        self.keep_button.clicked.connect(self.sigKeep)
        self.back_button = QPushButton("Go back")
        self.back_button.setToolTip("Use the model you had before fine-tuning")
        self.back_button.clicked.connect(self.sigBack)
        choice.addWidget(self.keep_button)
        choice.addWidget(self.back_button)
        choice.addStretch(1)
        self._choice = QWidget()
        self._choice.setLayout(choice)
        choice.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._choice)
        self.show_idle(False, "")
        self.show_report(None)

    # ------------------------------------------------------------------ API
    def show_idle(self, can_start: bool, text: str) -> None:
        """Nothing running: the button (enabled if ``can_start``) and ``text``."""
        self.start_button.setEnabled(can_start)
        self.status.setText(text)
        self.status.setToolTip(plain_tooltip(text))
        self._running.setVisible(False)

    def show_running(self, done: int, total: int) -> None:
        """Fine-tuning: ``done`` of ``total`` steps."""
        self.start_button.setEnabled(False)
        self._running.setVisible(True)
        self.stop_button.setEnabled(True)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} of {total} steps" if total else "starting…")
        self.status.setText("Fine-tuning… the window stays usable; Stop ends it.")
        self._results.setVisible(False)
        self._choice.setVisible(False)

    def show_report(self, report: PersonalReport | None, kept: bool | None = None) -> None:
        """The before/after numbers of ``report`` (None: hide them); ``kept``:
        None while the choice is open (both buttons), True/False once made."""
        self._results.setVisible(report is not None)
        if report is not None:
            self.cells[(1, 0)].setText(f"your held-out samples ({report.held_out_count})")
            self.cells[(1, 1)].setText(percent(report.held_out_before, 1))
            self.cells[(1, 2)].setText(percent(report.held_out_after, 1))
            mnist = report.mnist_before is not None
            self.cells[(2, 0)].setText(f"MNIST test ({report.mnist_count:,})" if mnist
                                       else "MNIST test: not available")
            self.cells[(2, 1)].setText(percent(report.mnist_before, 1) if mnist else "")
            self.cells[(2, 2)].setText(percent(report.mnist_after, 1)
                                       if report.mnist_after is not None else "")
        self._choice.setVisible(report is not None and kept is not False)
        self.keep_button.setVisible(kept is None)
        self.back_button.setText("Go back" if kept is None else "Go back to the model before")

    def report_text(self) -> str:
        """The numbers as shown, one line per row (for tests and screen readers)."""
        return "\n".join(" ".join(self.cells[(r, c)].text() for c in range(3)) for r in range(3))

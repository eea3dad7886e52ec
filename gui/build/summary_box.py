"""The bottom of the architecture editor: the edited network's totals, the
caps it approaches, the measured time per epoch, the engine's explanation
when it is invalid, and "Train it" (enabled only for a valid network while
no run is on).

::

    Total: 403,242 parameters (1.5 MB), 728,832 multiply-adds and 74.5 KB of
    activations per image.   One epoch (60,000 images): about 42 s on this machine.
    Well within the app's limits ...
    [ the engine's explanation, on a warning background, when invalid ]
    [Train it]  with the Training tab's settings
"""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from engine.nn.architecture import byte_text

from ..widgets.plain_text import plain_label
from .caps import caps_text
from .draft import DraftCheck


def totals_text(check: DraftCheck, itemsize: int = 4) -> str:
    """The network's totals for one image, or why there are none."""
    summary = check.summary
    if summary is None:
        return "Total: not worked out while the network is invalid."
    return (f"Total: {summary.num_params:,} parameters "
            f"({byte_text(summary.num_params * itemsize)}), {summary.macs:,} multiply-adds and "
            f"{byte_text(summary.activation_values * itemsize)} of activations per image.")


class SummaryBox(QWidget):
    """Totals, caps, time estimate, problem and the Train button (public
    widgets: ``totals``, ``caps``, ``time_label``, ``problem``, ``train_button``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.totals = plain_label(object_name="buildTotals", word_wrap=True)
        self.time_label = plain_label(object_name="buildTime", word_wrap=True)
        self.caps = plain_label(object_name="buildCaps", word_wrap=True)
        self.problem = plain_label(object_name="buildProblem", word_wrap=True)
        self.problem.setVisible(False)
        self.train_button = QPushButton("Train it")
        self.train_button.setObjectName("trainItButton")
        self.train_button.setToolTip("Train this network from fresh random weights with the "
                                     "Training tab's settings (epochs, batch size, learning "
                                     "rate, data).")
        self.train_note = plain_label(object_name="hint", word_wrap=True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(4)
        for widget in (self.totals, self.time_label, self.caps, self.problem):
            column.addWidget(widget)
        row = QHBoxLayout()
        row.addWidget(self.train_button)
        row.addWidget(self.train_note, 1)
        column.addLayout(row)
        self._valid = False
        self._training = False

    def show_check(self, check: DraftCheck, batch: int) -> None:
        """Show what the engine says about the edited network (trained in
        batches of ``batch``)."""
        self._valid = check.valid
        self.totals.setText(totals_text(check))
        self.problem.setText(check.error or "")
        self.problem.setVisible(check.error is not None)
        if check.summary is not None:
            text, close = caps_text(check.summary, batch)
            self.caps.setText(text)
            self.caps.setProperty("close", close)
            self.caps.setVisible(True)
        else:
            self.caps.setVisible(False)
        self.caps.style().unpolish(self.caps)
        self.caps.style().polish(self.caps)
        self._update_button()

    def show_time(self, text: str) -> None:
        """The measured time per epoch (hidden when ``text`` is empty)."""
        self.time_label.setText(text)
        self.time_label.setVisible(bool(text))

    def set_training(self, on: bool) -> None:
        """A run is on (``on``): "Train it" waits for it to end."""
        self._training = on
        self._update_button()

    def _update_button(self) -> None:
        self.train_button.setEnabled(self._valid and not self._training)
        if not self._valid:
            note = "Fix the network first (see above)."
        elif self._training:
            note = "A run is on: wait for it to end, or stop it in the Training tab."
        else:
            note = "Fresh weights, with the Training tab's settings."
        self.train_note.setText(note)

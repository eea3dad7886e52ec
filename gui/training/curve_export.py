"""The training curves as CSV, from the curves' right-click menu ("Save
curves as CSV…", beside the PNG/SVG entries of :mod:`gui.widgets.export_menu`).

One row per point of the plots, in the order of the run: a row per training
batch (``step`` = its number in the run shown, from 1; ``epoch`` = its
position in epochs, 2.5 = half-way through the third; batch loss, the smoothed
loss and accuracy, the learning rate), and after the last batch of each epoch
a row for the epoch's end (``step`` empty, ``epoch`` the whole number; train
loss/accuracy = means over the epoch's batches, test loss/accuracy = the test
images at the epoch's end). Accuracies are fractions (0..1); empty cells mean
"not measured at this point". Written atomically (:func:`engine.system.atomic.atomic_write`).
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
from PySide6.QtWidgets import QWidget

from engine.system.atomic import atomic_write
from engine.training.reports import EpochReport
from gui.widgets.export_menu import AskPath, ask_in_documents, install_export_menu
from gui.widgets.file_dialogs import CSV_FILTER, show_error

CSV_TEXT = "Save curves as CSV\u2026"
COLUMNS = ("step", "epoch", "batch_loss", "smoothed_loss", "smoothed_accuracy", "learning_rate",
           "train_loss", "test_loss", "train_accuracy", "test_accuracy")


def _cell(value: float) -> str:
    """A number as CSV text: ``repr``-exact, empty when not finite (not measured)."""
    return repr(float(value)) if math.isfinite(value) else ""


def curve_rows(steps: Mapping[str, np.ndarray], epochs: Sequence[EpochReport]) -> list[list[str]]:
    """The CSV rows (without header) of the step arrays ``steps`` (``epoch``,
    ``loss``, ``smooth_loss``, ``smooth_accuracy``, ``lr``; one value per
    step) and the per-epoch reports: each epoch's row follows the steps at or
    before its end."""
    x = np.asarray(steps["epoch"], float)
    rows: list[list[str]] = []
    e = 0
    for i in range(len(x)):
        while e < len(epochs) and epochs[e].epoch < x[i] - 1e-9:
            rows.append(_epoch_row(epochs[e]))
            e += 1
        rows.append([str(i + 1), _cell(x[i]), _cell(steps["loss"][i]),
                     _cell(steps["smooth_loss"][i]), _cell(steps["smooth_accuracy"][i]),
                     _cell(steps["lr"][i]), "", "", "", ""])
    rows.extend(_epoch_row(r) for r in epochs[e:])
    return rows


def _epoch_row(report: EpochReport) -> list[str]:
    return ["", _cell(report.epoch), "", "", "", "", _cell(report.train_loss),
            _cell(report.test_loss), _cell(report.train_accuracy), _cell(report.test_accuracy)]


def curves_csv(steps: Mapping[str, np.ndarray], epochs: Sequence[EpochReport]) -> str:
    """The whole CSV text: the :data:`COLUMNS` header, then :func:`curve_rows`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(curve_rows(steps, epochs))
    return out.getvalue()


def save_curves_csv(plots, path: str) -> bool:
    """Write the curves of ``plots`` (a :class:`gui.training.plots.TrainingPlots`)
    to ``path``; an error box if that fails. True when written."""
    steps, epochs = plots.curve_points()
    try:
        with atomic_write(path) as f:
            f.write(curves_csv(steps, epochs).encode("utf-8"))
    except OSError as exc:
        show_error(plots, "Curves not saved", f"Could not write the curves to\n{path}\n\n{exc}")
        return False
    return True


def install_curve_export(plots: QWidget, ask_path: AskPath | None = None) -> None:
    """Give the training curves ``plots`` their right-click menu: PNG, SVG of
    the plot under the mouse, and the curves as CSV."""
    def save_csv() -> None:
        path = (ask_path or ask_in_documents)(plots, "Save curves as CSV", "training_curves.csv",
                                              CSV_FILTER)
        if path:
            save_curves_csv(plots, path)
    install_export_menu(plots, "training curves", ask_path, [(CSV_TEXT, save_csv)])

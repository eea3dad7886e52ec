"""Model ▸ Export to ONNX…: the shown model written as an ONNX file
(:func:`engine.export.onnx_export.export_onnx`) off the GUI thread, so other
tools (ONNX Runtime, Netron, PyTorch) can read it. The ``onnx`` package is
an optional extra: without it the command says how to install it."""
from __future__ import annotations

import importlib.util
import re

from PySide6.QtCore import QObject

from engine.export.onnx_export import export_onnx

from ..state.model_info import file_label, model_label
from ..widgets.file_dialogs import ask_save_path
from ..widgets.plain_text import show_message
from ..workers.call_job import CallJob

ONNX_FILTER = "ONNX models (*.onnx);;All files (*)"
MISSING = ("Exporting to ONNX needs the optional onnx package. Install it with\n\n"
           "    pip install \"cnn-playground[onnx]\"\n\nand try again.")
MESSAGE_MS = 8000


def suggested_onnx_name(label: str) -> str:
    """``"model.onnx"`` from a model label (a file name, or e.g. "bench trained
    here (not saved)" -> "bench-trained.onnx", "bench trained here in run 2
    (not saved)" -> "bench-trained-run-2.onnx")."""
    stem = re.sub(r" trained here(?: in run (\d+))? \(not saved\)",
                  lambda m: " trained" + (f" run {m.group(1)}" if m.group(1) else ""),
                  re.sub(r"\.npz$", "", label))
    stem = stem.replace(" (in memory)", "")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")[:48] or "model"
    return f"{stem}.onnx"


class OnnxExport(QObject):
    """Owns the export command of one window (``job`` public for tests)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window, self._state = window, window.state
        self._settings = window.settings
        self._status = window.statusBar()
        self.job: CallJob | None = None
        window.export_onnx_action.triggered.connect(lambda _=False: self.export())

    def export(self, path: str | None = None) -> bool:
        """Write the shown model to ``path`` (a dialog asks when None). False
        if nothing was chosen or an export is under way."""
        if self.job is not None:
            return False
        if importlib.util.find_spec("onnx") is None:
            show_message(self._window, "information", "ONNX export", MISSING)
            return False
        model = self._state.shown_model.clone()        # its weights may change meanwhile
        path = path or ask_save_path(self._window, "Export to ONNX", self._settings.last_folder(),
                                     suggested_onnx_name(model_label(model)), ONNX_FILTER)
        if not path:
            return False
        name = file_label(path)
        self._status.showMessage(f"Exporting to {name}…", MESSAGE_MS)
        job = self.job = CallJob(lambda _checkpoint: export_onnx(model, path), "onnx export")
        job.sigFinished.connect(lambda size: self._done(name, size))
        job.sigFailed.connect(lambda message: self._failed(name, message))
        job.sigDone.connect(self._ended)
        self.destroyed.connect(job.cancel)
        job.start()
        return True

    def _done(self, name: str, size: int) -> None:
        self._status.showMessage(f"Exported {name} ({size / 1024:,.0f} kB): inputs (N, 1, 28, 28) "
                                 "in [0, 1], outputs the class scores.", MESSAGE_MS)

    def _failed(self, name: str, message: str) -> None:
        self._status.clearMessage()
        self._window.show_error("Could not export to ONNX", f"{name}:\n\n{message}")

    def _ended(self) -> None:
        self.job = None


def connect_onnx_export(window) -> OnnxExport:
    """Connect Model ▸ Export to ONNX… of ``window`` (a :class:`~gui.window.main_window.MainWindow`)."""
    return OnnxExport(window)

"""Where the training data comes from: MNIST's status (found, missing, or a
data location that cannot be used), the one-time download with progress and
Cancel, and the loaded :class:`~engine.data.dataset.Dataset`, kept for every
later run.

The data location is ``data_dir`` if given, else ``CNN_PLAYGROUND_DATA``, else
the per-user cache (:func:`engine.data.mnist.resolve_data_dir`). Whatever the
environment holds, the box shows a status and never raises.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWidget

from engine.data.dataset import Dataset
from engine.data.mnist import FILES, data_dir_problem, missing_files, resolve_data_dir

from ..widgets.plain_text import plain_label, plain_tooltip
from ..workers.call_job import CallJob
from ..workers.download_job import DownloadJob
from ..workers.training_worker import MnistSource


class DataBox(QWidget):
    """MNIST status and download; the dataset once loaded.

    :param data_dir: MNIST folder; None = ``CNN_PLAYGROUND_DATA``, else the cache
    :param data: an already loaded dataset (nothing is read from disk)

    Signals: ``sigChanged()`` - availability changed (downloaded, loaded,
    download started or ended); ``sigStatus(text, detail)`` - a message for
    the run box (``detail`` may be empty).
    """

    sigChanged = Signal()
    sigStatus = Signal(str, str)

    def __init__(self, data_dir: str | None = None, data: Dataset | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = data_dir
        self._dataset = data
        self._download: DownloadJob | None = None
        self._loader: CallJob | None = None
        self._after_load: Callable[[], None] | None = None
        self.label = plain_label()
        self.label.setWordWrap(True)
        self.label.setObjectName("hint")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.download_button = QPushButton("Download MNIST (11 MB)")
        self.download_button.setObjectName("downloadButton")
        self.download_button.setToolTip("Download the four MNIST files once into the data "
                                        "folder (checked with SHA-256)")
        self.download_progress = QProgressBar()
        self.download_progress.setObjectName("downloadProgress")
        self.download_progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelDownloadButton")
        self.cancel_button.setToolTip("Stop the download; nothing half-written is kept")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.download_button)
        row = QHBoxLayout()
        row.addWidget(self.download_progress, 1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.refresh()

    # ------------------------------------------------------------------ state
    @property
    def dataset(self) -> Dataset | None:
        return self._dataset

    def set_dataset(self, data: Dataset) -> None:
        """Use an already loaded dataset (nothing more is read from disk)."""
        self._dataset = data
        self.refresh()

    @property
    def downloading(self) -> bool:
        return self._download is not None

    def status(self) -> tuple[Path | None, tuple[str, ...], str | None]:
        """``(folder, missing file names, problem)``; ``problem`` says why the
        data location cannot be used (then folder may be None)."""
        try:
            folder = resolve_data_dir(self.data_dir)
            problem = data_dir_problem(folder)
            if problem is not None:
                return None, tuple(f.name for f in FILES), problem
            return folder, missing_files(folder), None
        except (OSError, ValueError) as exc:
            return None, tuple(f.name for f in FILES), f"{type(exc).__name__}: {exc}"

    @property
    def loading(self) -> bool:
        """True while the dataset is being loaded for :meth:`load_then`."""
        return self._loader is not None

    def ready(self) -> bool:
        """Training can start: the dataset is loaded, or all four files are
        there and nothing is downloading or loading them right now."""
        if self._dataset is not None:
            return True
        if self.downloading or self.loading:
            return False
        folder, missing, problem = self.status()
        return problem is None and not missing

    def source(self):
        """The loaded :class:`Dataset`, else an :class:`MnistSource` that loads it
        in the training thread (the run hands the dataset back to :meth:`set_dataset`)."""
        return self._dataset if self._dataset is not None else MnistSource(self.data_dir)

    # ----------------------------------------------------------------- display
    def refresh(self) -> None:
        """Re-read the data location and show its state."""
        missing: tuple = ()
        problem = None
        if self._dataset is not None:
            self.label.setText("MNIST loaded.")
        else:
            folder, missing, problem = self.status()
            if problem is not None:
                self.label.setText(f"The MNIST data location cannot be used: {problem}. Point "
                                   f"CNN_PLAYGROUND_DATA at a folder holding the four MNIST files.")
            elif missing:
                self.label.setText(f"MNIST is not in {folder} ({len(missing)} of 4 files "
                                   f"missing). Download it once (about 11 MB), or point "
                                   f"CNN_PLAYGROUND_DATA at a folder holding it.")
            else:
                self.label.setText(f"MNIST: {folder}")
            missing = missing if problem is None else ()
        # all is well (loaded, or found): the path is in the tooltip, the line is free for settings
        self.label.setToolTip(plain_tooltip(self.label.text()))
        self.label.setVisible(self._dataset is None and (bool(missing) or problem is not None
                                                         or self.downloading or self.loading))
        self.download_button.setVisible(bool(missing) and not self.downloading)
        self.download_progress.setVisible(self.downloading)
        self.cancel_button.setVisible(self.downloading)
        self.sigChanged.emit()

    # ---------------------------------------------------------------- download
    def start_download(self) -> None:
        """Download the missing MNIST files (progress bar, Cancel)."""
        if self._download is not None:
            return
        try:
            job = DownloadJob(self.data_dir)
        except (OSError, ValueError) as exc:
            self.sigStatus.emit("Cannot download MNIST.", str(exc))
            return
        job.sigProgress.connect(self._download_progress)
        job.sigFinished.connect(self._download_finished)
        job.sigCancelled.connect(self._download_cancelled)
        job.sigFailed.connect(self._download_failed)
        self._download = job
        self.download_progress.setRange(0, 0)
        self.refresh()
        self.label.setText(f"Downloading MNIST into {job.folder}\u2026")
        job.start()

    def cancel_download(self) -> None:
        if self._download is not None:
            self._download.cancel()
            self.label.setText("Cancelling\u2026")

    def _download_progress(self, done: int, total: int, name: str) -> None:
        if total > 0:
            self.download_progress.setRange(0, 1000)
            self.download_progress.setValue(int(1000 * min(done, total) / total))
            self.download_progress.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _download_ended(self, text: str, detail: str = "") -> None:
        self._download = None
        self.refresh()
        self.sigStatus.emit(text, detail)

    def _download_finished(self, folder: str) -> None:
        self._download_ended("MNIST downloaded and verified.")

    def _download_cancelled(self) -> None:
        self._download_ended("Download cancelled; nothing was kept.")

    def _download_failed(self, message: str) -> None:
        self._download_ended("The download failed.", message)

    # ------------------------------------------------------------------ load
    def load_then(self, then: Callable[[], None]) -> None:
        """Call ``then()`` once the dataset is loaded (loading it off the GUI thread)."""
        if self._dataset is not None:
            then()
            return
        self._after_load = then
        if self._loader is not None:
            return
        if not self.ready():
            self._after_load = None
            self.sigStatus.emit("MNIST is missing: download it first.", "")
            return
        loader = CallJob(lambda _checkpoint: MnistSource(self.data_dir)(), "mnist-loader")
        loader.sigFinished.connect(self._loaded)
        loader.sigFailed.connect(self._load_failed)
        loader.sigDone.connect(self._loader_done)
        self._loader = loader
        self.sigStatus.emit("Loading MNIST\u2026", "")
        loader.start()
        self.sigChanged.emit()

    def _loaded(self, data: Dataset) -> None:
        self.set_dataset(data)
        then, self._after_load = self._after_load, None
        if then is not None:
            then()

    def _load_failed(self, message: str) -> None:
        self._after_load = None
        self.sigStatus.emit("Could not load MNIST.", message)

    def _loader_done(self) -> None:
        self._loader = None
        self.sigChanged.emit()

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Cancel a download (its daemon thread may be left) and wait for loading."""
        ok = True
        if self._download is not None:
            self._download.cancel()
            ok &= self._download.wait(min(timeout_ms, 1000))
        if self._loader is not None:
            self._after_load = None
            self._loader.wait()
        return ok

"""The app's file dialogs, in one place: which files a model dialog offers,
where it starts, and how problems with files are reported (as plain text)."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

import engine

from .plain_text import show_message

MODEL_FILTER = "Model files (*.npz);;All files (*)"
PICTURE_FILTER = "PNG (*.png)"
SVG_FILTER = "SVG (*.svg)"
CSV_FILTER = "CSV (*.csv)"
PERSONAL_FILTER = "Handwriting samples (*.npz);;All files (*)"


def documents_folder() -> str:
    """The user's documents folder if it exists, else the home folder (never
    the working directory, which may be the app's own folder)."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and os.path.isdir(documents):
        return documents
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)
    return home if home and os.path.isdir(home) else str(Path.home())


def ask_open_path(parent: QWidget, title: str, folder: str,
                  file_filter: str = MODEL_FILTER) -> str | None:
    """A file to open chosen by the user (a model file unless ``file_filter``
    says otherwise), or None. It starts in ``folder`` if that exists, else in
    :func:`documents_folder`."""
    start = folder if folder and os.path.isdir(folder) else documents_folder()
    path, _ = QFileDialog.getOpenFileName(parent, title, start, file_filter)
    return path or None


def installed_folders() -> list[Path]:
    """The folders the app is installed in (its packages and the bundled model's)."""
    return [Path(engine.__file__).resolve().parent, Path(__file__).resolve().parents[1],
            engine.bundled_model_path().resolve().parent]


def save_folder(folder: str | None) -> str:
    """Where a Save dialog starts: ``folder`` if it is an existing folder outside
    the app's installation, else the documents folder (a save never offers to
    overwrite the bundled model or a file of the app)."""
    if folder:
        try:
            chosen = Path(folder).resolve()
            inside = any(chosen == f or f in chosen.parents for f in installed_folders())
            if chosen.is_dir() and not inside:
                return str(chosen)
        except (OSError, RuntimeError, ValueError):
            pass
    return documents_folder()


def ask_save_path(parent: QWidget, title: str, folder: str | None, name: str,
                  file_filter: str = MODEL_FILTER) -> str | None:
    """Where to save (``name`` proposed in :func:`save_folder` of ``folder``), or None."""
    start = os.path.join(save_folder(folder), Path(name).name or "model.npz")
    path, _ = QFileDialog.getSaveFileName(parent, title, start, file_filter)
    return path or None


def show_warning(parent: QWidget, title: str, text: str) -> None:
    """A warning whose text (it may quote file names and errors) is plain."""
    show_message(parent, "warning", title, text)


def show_error(parent: QWidget, title: str, text: str) -> None:
    """An error whose text (it may quote file names and errors) is plain."""
    show_message(parent, "critical", title, text)

"""The app's file dialogs and message boxes, in one place: which files a model
dialog offers, where it starts, and how problems are reported."""
from __future__ import annotations

import os

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

MODEL_FILTER = "Model files (*.npz);;All files (*)"
PICTURE_FILTER = "PNG (*.png)"


def documents_folder() -> str:
    """The user's documents folder (else the working directory)."""
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) \
        or os.getcwd()


def ask_open_path(parent: QWidget, title: str, folder: str) -> str | None:
    """A model file chosen by the user, or None."""
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, MODEL_FILTER)
    return path or None


def ask_save_path(parent: QWidget, title: str, folder: str | None, name: str,
                  file_filter: str = MODEL_FILTER) -> str | None:
    """Where to save (``name`` proposed in ``folder``, default: the documents
    folder), or None."""
    start = os.path.join(folder or documents_folder(), name)
    path, _ = QFileDialog.getSaveFileName(parent, title, start, file_filter)
    return path or None


def show_warning(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def show_error(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)

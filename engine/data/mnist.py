"""MNIST: locate, download (verified) and load the four IDX files.

The face of three modules: :mod:`engine.data.mnist_files` (which files, where
they live, the errors), :mod:`engine.data.idx` (reading and checking the IDX
format: structure, counts, SHA-256 of the decompressed bytes; nothing is ever
unpickled) and :mod:`engine.data.download` (fetching missing files into the
data folder, renamed into place only once verified).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .download import download_mnist
from .idx import load_folder, load_idx
from .mnist_files import (ENV_VAR, FILES, IMAGE_SIZE, MAX_IDX_BYTES, MIRRORS, DownloadCancelled,
                          MnistData, MnistDownloadError, MnistError, MnistFile,
                          MnistNotFoundError, PathLike, Progress, data_dir_problem, find_file,
                          how_to_point, missing_files, resolve_data_dir)

__all__ = [
    "ENV_VAR", "FILES", "IMAGE_SIZE", "MAX_IDX_BYTES", "MIRRORS", "DownloadCancelled",
    "MnistData", "MnistDownloadError", "MnistError", "MnistFile", "MnistNotFoundError",
    "MNIST_CLASSES", "MNIST_SHAPE", "check_mnist_model", "data_dir_problem", "download_mnist",
    "ensure_mnist", "find_file", "load_idx", "load_mnist", "missing_files",
    "mnist_model_problem", "resolve_data_dir",
]


def _ensure_files(data_dir: PathLike | None, download: bool, progress: Progress,
                  base_urls: Sequence[str], timeout: float) -> Path:
    folder = resolve_data_dir(data_dir)
    missing = [f.name for f in FILES if find_file(folder, f.name) is None]
    if missing:
        if not download:
            raise MnistNotFoundError(
                f"MNIST files missing from {folder}: "
                + ", ".join(f"{n}(.gz)" for n in missing)
                + " (download disabled). " + how_to_point())
        download_mnist(folder, base_urls=base_urls, progress=progress, timeout=timeout)
    return folder


def ensure_mnist(data_dir: PathLike | None = None, *, download: bool = True,
                 progress: Progress = True, base_urls: Sequence[str] = MIRRORS,
                 timeout: float = 30.0) -> Path:
    """Return the folder holding all four MNIST files, verified (structure,
    counts and SHA-256), downloading missing ones first if ``download``.
    Arguments as for :func:`download_mnist`. Raises
    :class:`MnistNotFoundError` if files are missing and ``download`` is
    false, :class:`MnistError` if a present file is invalid."""
    folder = _ensure_files(data_dir, download, progress, base_urls, timeout)
    load_folder(folder)
    return folder


def load_mnist(data_dir: PathLike | None = None, *, download: bool = True,
               progress: Progress = True, base_urls: Sequence[str] = MIRRORS,
               timeout: float = 30.0) -> MnistData:
    """Load MNIST as a verified :class:`MnistData`.

    Shapes: train images ``(60000, 28, 28)``, train labels ``(60000,)``,
    test images ``(10000, 28, 28)``, test labels ``(10000,)``; all uint8,
    read-only; pixels 0..255, labels 0..9. Missing files are downloaded
    first when ``download`` is true (see :func:`download_mnist`), otherwise
    :class:`MnistNotFoundError` is raised. Takes about half a second.
    """
    folder = _ensure_files(data_dir, download, progress, base_urls, timeout)
    return load_folder(folder)


#: What a model trained or evaluated on MNIST reads and scores.
MNIST_SHAPE, MNIST_CLASSES = (1, IMAGE_SIZE, IMAGE_SIZE), 10


def mnist_model_problem(model, what: str = "the model") -> str | None:
    """Why ``model`` cannot be trained or evaluated on MNIST, in words, or None.
    It must read ``(1, 28, 28)`` digits and score at least the 10 digits (more
    classes are allowed: the extra ones are never the answer in MNIST)."""
    if tuple(model.input_shape) != MNIST_SHAPE:
        return (f"{what} reads inputs of shape {tuple(model.input_shape)}; MNIST digits are "
                f"{MNIST_SHAPE}")
    if model.num_classes < MNIST_CLASSES:
        return (f"{what} has {model.num_classes} classes; MNIST has {MNIST_CLASSES} "
                f"(digits 0 to 9)")
    return None


def check_mnist_model(model, what: str = "the model") -> None:
    """Raise ``ValueError`` with :func:`mnist_model_problem`'s words, if any."""
    problem = mnist_model_problem(model, what)
    if problem is not None:
        raise ValueError(problem)

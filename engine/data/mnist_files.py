"""Where the MNIST files are, what they must hold, and what goes wrong.

The four files (:data:`FILES`: name, kind, split, count and the SHA-256 of the
*decompressed* IDX bytes), the folder they live in (:func:`resolve_data_dir`:
an explicit folder, else ``CNN_PLAYGROUND_DATA``, else
``<user cache dir>/cnn-playground/mnist``; a folder may hold ``name.gz`` or the
uncompressed ``name``), and the errors: :class:`MnistError` (a ``ValueError``)
for bad data, :class:`MnistNotFoundError` (also a ``FileNotFoundError``) for
missing files, :class:`MnistDownloadError` when every mirror failed,
:class:`DownloadCancelled` when the progress callback cancelled.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np

from ..system.paths import folder_problem

PathLike = str | os.PathLike
Kind = Literal["images", "labels"]
#: ``progress(done_bytes, total_bytes_or_None, filename)``; return ``False``
#: (or raise :class:`DownloadCancelled`) to cancel the download.
ProgressCallback = Callable[[int, int | None, str], object]
Progress = bool | None | ProgressCallback


# ---------------------------------------------------------------- configuration

ENV_VAR = "CNN_PLAYGROUND_DATA"
APP_NAME = "cnn-playground"
#: Public mirrors, tried in order; each serves ``<base><name>.gz``.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
IMAGE_SIZE = 28
IMAGES_MAGIC = 0x00000803  # 2051
LABELS_MAGIC = 0x00000801  # 2049
UBYTE = 0x08  # IDX element type: unsigned byte
#: Refuse to decompress more than this (the largest MNIST file is 47,040,016 B).
MAX_IDX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class MnistFile:
    """One of the four MNIST files.

    ``name`` is the file name without ``.gz``; ``sha256`` is the hash of the
    decompressed IDX bytes; ``count`` the number of images or labels.
    """

    name: str
    kind: Kind
    split: Literal["train", "test"]
    count: int
    sha256: str

    @property
    def nbytes(self) -> int:
        """Size of the decompressed IDX file in bytes (header + data)."""
        if self.kind == "images":
            return 16 + self.count * IMAGE_SIZE * IMAGE_SIZE
        return 8 + self.count


FILES: tuple[MnistFile, ...] = (
    MnistFile("train-images-idx3-ubyte", "images", "train", 60000,
              "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    MnistFile("train-labels-idx1-ubyte", "labels", "train", 60000,
              "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    MnistFile("t10k-images-idx3-ubyte", "images", "test", 10000,
              "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    MnistFile("t10k-labels-idx1-ubyte", "labels", "test", 10000,
              "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
)


# ---------------------------------------------------------------- errors


class MnistError(ValueError):
    """An MNIST file is invalid (message names the file and the problem)."""


class MnistNotFoundError(MnistError, FileNotFoundError):
    """MNIST files are missing; the message says where we looked and how to
    point at a folder (``--data-dir`` or ``CNN_PLAYGROUND_DATA``)."""


class MnistDownloadError(MnistNotFoundError):
    """Files are missing and downloading them failed on every mirror (offline,
    HTTP error, interrupted transfer or content failing verification)."""


class DownloadCancelled(Exception):
    """The progress callback cancelled the download (not an error: nothing
    was written to the data folder)."""


# ---------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class MnistData:
    """The MNIST training and test sets, verified.

    Arrays are read-only views of the decompressed file bytes (copy before
    modifying); pixels are uint8 0 (background) .. 255 (ink), labels 0..9.
    """

    train_images: np.ndarray = field(repr=False)  #: (60000, 28, 28) uint8
    train_labels: np.ndarray = field(repr=False)  #: (60000,) uint8
    test_images: np.ndarray = field(repr=False)   #: (10000, 28, 28) uint8
    test_labels: np.ndarray = field(repr=False)   #: (10000,) uint8
    source: Path  #: folder the files were read from


# ---------------------------------------------------------------- locations


def resolve_data_dir(data_dir: PathLike | None = None) -> Path:
    """Folder for the MNIST files: ``data_dir`` if given, else the
    ``CNN_PLAYGROUND_DATA`` environment variable (if non-empty), else
    ``platformdirs.user_cache_dir("cnn-playground") / "mnist"``.
    The folder need not exist. Returns an absolute path; raises ``ValueError``
    when a ``~user`` in it names no home folder."""
    if data_dir is not None and str(data_dir) != "":
        path = Path(data_dir)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir(APP_NAME)) / "mnist"
    try:
        path = path.expanduser()
    except RuntimeError:     # "~nosuchuser/...": a ValueError, as for any unusable path
        raise ValueError(f"{path}: there is no home folder for {path.parts[0]!r}") from None
    return Path(os.path.abspath(path))


def find_file(folder: PathLike, name: str) -> Path | None:
    """``folder/name.gz`` if it exists, else ``folder/name`` (uncompressed),
    else ``None``."""
    folder = Path(folder)
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def missing_files(data_dir: PathLike | None = None) -> tuple[str, ...]:
    """Names (without ``.gz``) of the MNIST files absent from the data folder
    (existence only; contents are checked when loading)."""
    folder = resolve_data_dir(data_dir)
    return tuple(f.name for f in FILES if find_file(folder, f.name) is None)


#: Why a folder cannot serve as the MNIST folder, in words, or None (a missing
#: one is fine: a download creates it).
data_dir_problem = folder_problem


def how_to_point() -> str:
    """How to point the app at a local copy of the four files (for error messages)."""
    names = ", ".join(f"{f.name}.gz" for f in FILES)
    return (f"To use a local copy, put the four files ({names}; gzip-compressed "
            f"or not) in a folder and pass it with --data-dir FOLDER or set "
            f"the environment variable {ENV_VAR}=FOLDER.")

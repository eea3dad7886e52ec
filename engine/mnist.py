"""MNIST: locate, download (verified) and load the four IDX files.

Data layout (the original IDX format, big-endian header, gzip or not):

* images: magic 2051 (``0x00000803``: unsigned bytes, 3 dims), then
  ``N, 28, 28`` as uint32, then ``N*28*28`` pixel bytes, 0 (black background)
  .. 255 (white ink), row-major;
* labels: magic 2049 (``0x00000801``: unsigned bytes, 1 dim), then ``N``,
  then ``N`` label bytes 0..9.

Every file is checked structurally (magic, element type, number of
dimensions, 28x28, header count vs. data length, labels <= 9, image/label
counts agree, 60000 train / 10000 test) and then by the SHA-256 of its
*decompressed* bytes, so the gzip wrapper may differ from the public mirrors.
Nothing is ever unpickled.

Where the files live (:func:`resolve_data_dir`): an explicit folder
(the GUI's ``--data-dir`` option), else the ``CNN_PLAYGROUND_DATA``
environment variable, else ``<user cache dir>/cnn-playground/mnist``.
A folder may hold ``name.gz`` or the uncompressed ``name`` for each file.

Downloads (:func:`download_mnist`) go through pooch's HTTP downloader into a
temporary folder inside the data folder; a file becomes visible (atomic
``os.replace``) only after it passed every check, so a failed, corrupt or
cancelled download leaves nothing behind and a retry starts clean.

Errors: :class:`MnistError` (a ``ValueError``) for bad data, with the file
and the problem in the message; :class:`MnistNotFoundError` (also a
``FileNotFoundError``) when files are missing and download is off;
:class:`MnistDownloadError` (a :class:`MnistNotFoundError`) when every mirror
failed; :class:`DownloadCancelled` when the progress callback cancelled.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal, Optional, Sequence, Union

import numpy as np

__all__ = [
    "ENV_VAR",
    "FILES",
    "MIRRORS",
    "DownloadCancelled",
    "MnistData",
    "MnistDownloadError",
    "MnistError",
    "MnistFile",
    "MnistNotFoundError",
    "download_mnist",
    "ensure_mnist",
    "find_file",
    "load_idx",
    "load_mnist",
    "missing_files",
    "resolve_data_dir",
]

PathLike = Union[str, "os.PathLike[str]"]
Kind = Literal["images", "labels"]
#: ``progress(done_bytes, total_bytes_or_None, filename)``; return ``False``
#: (or raise :class:`DownloadCancelled`) to cancel the download.
ProgressCallback = Callable[[int, Optional[int], str], object]
Progress = Union[bool, None, ProgressCallback]


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
_UBYTE = 0x08
#: Refuse to decompress more than this (the largest MNIST file is 47,040,016 B).
MAX_IDX_BYTES = 64 * 1024 * 1024
_TMP_PREFIX = ".download-"
_STALE_TMP_SECONDS = 24 * 3600
_CHUNK = 64 * 1024


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


def resolve_data_dir(data_dir: Optional[PathLike] = None) -> Path:
    """Folder for the MNIST files: ``data_dir`` if given, else the
    ``CNN_PLAYGROUND_DATA`` environment variable (if non-empty), else
    ``platformdirs.user_cache_dir("cnn-playground") / "mnist"``.
    The folder need not exist. Returns an absolute path."""
    if data_dir is not None and str(data_dir) != "":
        path = Path(data_dir)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir(APP_NAME)) / "mnist"
    return Path(os.path.abspath(path.expanduser()))


def find_file(folder: PathLike, name: str) -> Optional[Path]:
    """``folder/name.gz`` if it exists, else ``folder/name`` (uncompressed),
    else ``None``."""
    folder = Path(folder)
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def missing_files(data_dir: Optional[PathLike] = None) -> tuple[str, ...]:
    """Names (without ``.gz``) of the MNIST files absent from the data folder
    (existence only; contents are checked when loading)."""
    folder = resolve_data_dir(data_dir)
    return tuple(f.name for f in FILES if find_file(folder, f.name) is None)


def _how_to_point() -> str:
    names = ", ".join(f"{f.name}.gz" for f in FILES)
    return (f"To use a local copy, put the four files ({names}; gzip-compressed "
            f"or not) in a folder and pass it with --data-dir FOLDER or set "
            f"the environment variable {ENV_VAR}=FOLDER.")


# ---------------------------------------------------------------- reading


def _read_idx_bytes(path: Path) -> bytes:
    """The decompressed bytes of an IDX file (gzip detected by its magic).
    Raises MnistError for empty, non-gzip ``.gz``, corrupt or truncated gzip,
    or oversized files."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise MnistError(f"{path} is empty (0 bytes)")
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            if head == b"\x1f\x8b":
                try:
                    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                        data = gz.read(MAX_IDX_BYTES + 1)
                except EOFError:
                    raise MnistError(
                        f"truncated gzip stream in {path}: the file is incomplete "
                        f"(interrupted download or copy?)") from None
                except (gzip.BadGzipFile, zlib.error) as exc:
                    raise MnistError(f"corrupt gzip data in {path}: {exc}") from None
            elif path.suffix == ".gz":
                raise MnistError(f"{path} is not a gzip file (starts with {head!r}, "
                                 f"expected b'\\x1f\\x8b')")
            else:
                if size > MAX_IDX_BYTES:
                    raise MnistError(f"{path} is too large for an MNIST file "
                                     f"({size} bytes > {MAX_IDX_BYTES})")
                data = fh.read()
    except FileNotFoundError:
        raise MnistNotFoundError(f"{path} does not exist") from None
    if len(data) > MAX_IDX_BYTES:
        raise MnistError(f"{path} decompresses to more than {MAX_IDX_BYTES} bytes; "
                         f"not an MNIST file")
    return data


def _parse_idx(data: bytes, kind: Kind, where: object) -> np.ndarray:
    """Validate the IDX structure of ``data`` and return a read-only uint8
    view: images ``(N, 28, 28)``, labels ``(N,)`` with values 0..9."""
    if kind not in ("images", "labels"):
        raise ValueError(f"kind must be 'images' or 'labels', not {kind!r}")
    expected_magic, ndim = (IMAGES_MAGIC, 3) if kind == "images" else (LABELS_MAGIC, 1)
    if len(data) < 4:
        raise MnistError(f"truncated IDX header in {where}: only {len(data)} bytes")
    magic = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0:
        raise MnistError(f"bad magic number 0x{magic:08x} in {where} "
                         f"(expected {expected_magic}); not an IDX file")
    if data[2] != _UBYTE:
        raise MnistError(f"unsupported element type 0x{data[2]:02x} in {where} "
                         f"(expected 0x08, unsigned byte; magic 0x{magic:08x})")
    if data[3] != ndim:
        hint = {1: " (a labels file?)", 3: " (an images file?)"}.get(data[3], "")
        raise MnistError(f"bad magic number 0x{magic:08x} in {where} "
                         f"(expected {expected_magic}): {data[3]} dimensions, "
                         f"{kind} have {ndim}{hint}")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise MnistError(f"truncated IDX header in {where}: {len(data)} bytes, "
                         f"need {header_len}")
    dims = struct.unpack(f">{ndim}I", data[4:header_len])
    if kind == "images" and dims[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise MnistError(f"images in {where} are {dims[1]}x{dims[2]} pixels, "
                         f"expected {IMAGE_SIZE}x{IMAGE_SIZE}")
    count = dims[0]
    payload = count * (IMAGE_SIZE * IMAGE_SIZE if kind == "images" else 1)
    actual = len(data) - header_len
    if actual < payload:
        raise MnistError(f"truncated {kind} file {where}: header says {count} {kind} "
                         f"= {payload} data bytes, only {actual} present")
    if actual > payload:
        raise MnistError(f"header count does not match data length in {where}: "
                         f"header says {count} {kind} = {payload} data bytes, "
                         f"{actual} present")
    arr = np.frombuffer(data, dtype=np.uint8, count=payload, offset=header_len)
    arr = arr.reshape(dims)
    if kind == "labels" and count and int(arr.max()) > 9:
        bad = int(np.flatnonzero(arr > 9)[0])
        raise MnistError(f"label {int(arr[bad])} at index {bad} in {where} is out of "
                         f"range (labels must be 0..9)")
    return arr


def _check_sha256(data: bytes, expected: str, where: object, hint: bool = True) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        advice = (" The file is corrupt or not the original MNIST; replace it (files "
                  "deleted from the cache folder are downloaded again).") if hint else ""
        raise MnistError(f"SHA-256 mismatch for {where}: decompressed content hashes "
                         f"to {got}, expected {expected}.{advice}")


def load_idx(path: PathLike, kind: Kind, *, expected_count: Optional[int] = None,
             sha256: Optional[str] = None) -> np.ndarray:
    """Load one IDX file (gzip or uncompressed) after validating it.

    ``kind="images"`` -> ``(N, 28, 28)`` uint8 pixels 0..255;
    ``kind="labels"`` -> ``(N,)`` uint8 labels 0..9. The array is read-only.
    ``expected_count`` and ``sha256`` (of the decompressed bytes) are checked
    when given. Raises :class:`MnistError` naming the file and the problem.
    """
    path = Path(path)
    data = _read_idx_bytes(path)
    arr = _parse_idx(data, kind, path)
    if expected_count is not None and arr.shape[0] != expected_count:
        raise MnistError(f"{path} holds {arr.shape[0]} {kind}, expected {expected_count}")
    if sha256 is not None:
        _check_sha256(data, sha256, path)
    return arr


def _load_split(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify the images and labels of ``split`` in ``folder``:
    structure of each file, then images/labels counts agree, then the
    expected count, then SHA-256. Returns ``(images, labels)``."""
    specs = [next(f for f in FILES if f.split == split and f.kind == kind)
             for kind in ("images", "labels")]
    paths = []
    for spec in specs:
        path = find_file(folder, spec.name)
        if path is None:
            raise MnistNotFoundError(f"{spec.name}(.gz) is missing from {folder}. "
                                     + _how_to_point())
        paths.append(path)
    raw = [_read_idx_bytes(path) for path in paths]
    arrays = [_parse_idx(data, spec.kind, path) for data, spec, path in zip(raw, specs, paths)]
    n_img, n_lab = arrays[0].shape[0], arrays[1].shape[0]
    if n_img != n_lab:
        raise MnistError(f"count mismatch in the {split} set: {n_img} images in "
                         f"{paths[0]} but {n_lab} labels in {paths[1]}")
    for spec, path, arr in zip(specs, paths, arrays):
        if arr.shape[0] != spec.count:
            raise MnistError(f"{path} holds {arr.shape[0]} {spec.kind}, expected "
                             f"{spec.count} for the MNIST {split} set")
    for spec, path, data in zip(specs, paths, raw):
        _check_sha256(data, spec.sha256, path)
    return arrays[0], arrays[1]


def _load_folder(folder: Path) -> MnistData:
    """Read and verify the four files in ``folder`` (the small test set first,
    so a bad test file is reported quickly)."""
    test_images, test_labels = _load_split(folder, "test")
    train_images, train_labels = _load_split(folder, "train")
    return MnistData(train_images=train_images, train_labels=train_labels,
                     test_images=test_images, test_labels=test_labels, source=folder)


# ---------------------------------------------------------------- progress


class _TextProgress:
    """Progress on stderr: tqdm if installed, else a plain ``\\r`` line."""

    def __init__(self, filename: str, url: str) -> None:
        self._name = filename
        self._last = None
        self._bar = None
        self._stream = sys.stderr
        try:
            from tqdm import tqdm  # optional
        except ImportError:
            tqdm = None
        self._tqdm = tqdm
        if tqdm is None and self._stream is not None:
            print(f"Downloading {url}", file=self._stream, flush=True)

    def __call__(self, done: int, total: Optional[int]) -> None:
        if self._tqdm is not None:
            if self._bar is None:
                self._bar = self._tqdm(total=total, unit="B", unit_scale=True,
                                       desc=self._name, ncols=79,
                                       ascii=sys.platform == "win32")
            self._bar.update(done - self._bar.n)
            return
        if self._stream is None:
            return
        if total:
            key = 100 * done // total
            text = f"\r  {self._name}: {key:3d}% ({done / 1e6:.1f} of {total / 1e6:.1f} MB)"
        else:
            key = done // 1_000_000
            text = f"\r  {self._name}: {done / 1e6:.1f} MB"
        if key != self._last:
            self._last = key
            self._stream.write(text)
            self._stream.flush()

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._tqdm is None and self._last is not None and self._stream is not None:
            self._stream.write("\n")
            self._stream.flush()


class _DownloadSink:
    """Target for ``pooch.HTTPDownloader``: a writable file that counts the
    bytes really written, and pooch's progress-bar protocol (``total``,
    ``update``, ``reset``, ``close``) from which only ``total`` is used
    (pooch's ``update`` counts chunk sizes, not bytes). Reports
    ``report(done, total)`` on every change; ``report`` may raise
    :class:`DownloadCancelled`, which aborts the transfer."""

    def __init__(self, fh, report: Callable[[int, Optional[int]], None]) -> None:
        self._fh = fh
        self._report = report
        self._total: Optional[int] = None
        self.done = 0

    @property
    def total(self) -> Optional[int]:
        return self._total

    @total.setter
    def total(self, value: int) -> None:  # set by pooch once headers arrived
        self._total = int(value) or None
        self._report(self.done, self._total)

    def update(self, n: int) -> None:
        pass

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass

    def write(self, chunk: bytes) -> int:
        written = self._fh.write(chunk)
        self.done += len(chunk)
        self._report(self.done, self._total)
        return written

    def flush(self) -> None:
        self._fh.flush()


def _reporter(progress: Progress, filename: str, url: str):
    """``(report(done, total), finish())`` for one file download."""
    if progress is None or progress is False:
        return (lambda done, total: None), (lambda: None)
    if progress is True:
        text = _TextProgress(filename, url)
        return text, text.finish
    if not callable(progress):
        raise TypeError(f"progress must be a bool or a callable, not {type(progress).__name__}")

    def report(done: int, total: Optional[int]) -> None:
        if progress(done, total, filename) is False:
            raise DownloadCancelled(f"download of {filename} cancelled")

    return report, (lambda: None)


# ---------------------------------------------------------------- download


def _remove_stale_temp_dirs(folder: Path) -> None:
    """Remove temp download folders left by killed processes (> 1 day old)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name.startswith(_TMP_PREFIX) and entry.is_dir():
                with contextlib.suppress(OSError):
                    if now - entry.stat().st_mtime > _STALE_TMP_SECONDS:
                        shutil.rmtree(entry, ignore_errors=True)


def _fetch_verified(url: str, spec: MnistFile, tmp_dir: Path, folder: Path,
                    progress: Progress, timeout: float) -> Path:
    """Download ``url`` into ``tmp_dir``, verify it as ``spec`` and move it
    into ``folder``. Returns the final path. Leaves nothing in ``tmp_dir``."""
    import pooch

    tmp = tmp_dir / f"{spec.name}.part"
    report, finish = _reporter(progress, f"{spec.name}.gz", url)
    try:
        with open(tmp, "wb") as fh:
            sink = _DownloadSink(fh, report)
            downloader = pooch.HTTPDownloader(progressbar=sink, chunk_size=_CHUNK,
                                              timeout=timeout)
            downloader(url, sink, None)
            fh.flush()
            os.fsync(fh.fileno())
        with open(tmp, "rb") as fh:
            gzipped = fh.read(2) == b"\x1f\x8b"
        # A server may have sent Content-Encoding: gzip, which requests undoes:
        # keep whatever form we received, under the matching name.
        final_name = f"{spec.name}.gz" if gzipped else spec.name
        checked = tmp_dir / final_name
        os.replace(tmp, checked)
        tmp = checked
        data = _read_idx_bytes(checked)
        arr = _parse_idx(data, spec.kind, url)
        if arr.shape[0] != spec.count:
            raise MnistError(f"{url} holds {arr.shape[0]} {spec.kind}, expected {spec.count}")
        _check_sha256(data, spec.sha256, url, hint=False)
        final = folder / final_name
        os.replace(checked, final)
        return final
    finally:
        finish()
        with contextlib.suppress(OSError):
            tmp.unlink()


def download_mnist(data_dir: Optional[PathLike] = None, *,
                   base_urls: Sequence[str] = MIRRORS, progress: Progress = True,
                   timeout: float = 30.0) -> Path:
    """Download the MNIST files missing from the data folder; return the folder.

    ``data_dir`` is resolved by :func:`resolve_data_dir` and created if
    needed. Each missing file is fetched as ``<base>/<name>.gz`` from the
    ``base_urls`` in order until one passes verification (IDX structure,
    counts, SHA-256 of the decompressed bytes). Files are written to a
    temporary folder inside the data folder and renamed into place only once
    verified; a failure or cancellation removes the temporary data (files
    already verified stay). ``progress``: ``True`` prints to stderr, ``False``
    is silent, a callable gets ``(done_bytes, total_bytes or None, filename)``
    per received chunk and cancels by returning ``False`` or raising
    :class:`DownloadCancelled`. ``timeout`` (seconds) applies per connection
    and read.

    Raises :class:`MnistDownloadError` when every mirror failed for a file
    (the message lists the URLs tried, why each failed, the folder, and how
    to point at a local copy), :class:`DownloadCancelled` when cancelled.
    """
    folder = resolve_data_dir(data_dir)
    missing = [f for f in FILES if find_file(folder, f.name) is None]
    if not missing:
        return folder
    if isinstance(base_urls, str):
        base_urls = (base_urls,)
    if not base_urls:
        raise MnistDownloadError(f"MNIST files missing from {folder} and no download "
                                 f"URLs given. " + _how_to_point())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_temp_dirs(folder)
        tmp_dir = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=folder))
    except OSError as exc:
        raise MnistDownloadError(f"cannot download MNIST into {folder}: {exc}. "
                                 + _how_to_point()) from None
    try:
        for spec in missing:
            failures = []
            for base in base_urls:
                url = base.rstrip("/") + f"/{spec.name}.gz"
                try:
                    _fetch_verified(url, spec, tmp_dir, folder, progress, timeout)
                    break
                except (OSError, ValueError) as exc:  # requests errors are OSErrors
                    failures.append(f"  {url}: {type(exc).__name__}: {exc}")
            else:
                raise MnistDownloadError(
                    f"MNIST file {spec.name}.gz is not in {folder} and could not be "
                    f"downloaded. Tried:\n" + "\n".join(failures) + "\n"
                    + _how_to_point())
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return folder


def _ensure_files(data_dir: Optional[PathLike], download: bool, progress: Progress,
                  base_urls: Sequence[str], timeout: float) -> Path:
    folder = resolve_data_dir(data_dir)
    missing = [f.name for f in FILES if find_file(folder, f.name) is None]
    if missing:
        if not download:
            raise MnistNotFoundError(
                f"MNIST files missing from {folder}: "
                + ", ".join(f"{n}(.gz)" for n in missing)
                + " (download disabled). " + _how_to_point())
        download_mnist(folder, base_urls=base_urls, progress=progress, timeout=timeout)
    return folder


def ensure_mnist(data_dir: Optional[PathLike] = None, *, download: bool = True,
                 progress: Progress = True, base_urls: Sequence[str] = MIRRORS,
                 timeout: float = 30.0) -> Path:
    """Return the folder holding all four MNIST files, verified (structure,
    counts and SHA-256), downloading missing ones first if ``download``.
    Arguments as for :func:`download_mnist`. Raises
    :class:`MnistNotFoundError` if files are missing and ``download`` is
    false, :class:`MnistError` if a present file is invalid."""
    folder = _ensure_files(data_dir, download, progress, base_urls, timeout)
    _load_folder(folder)
    return folder


def load_mnist(data_dir: Optional[PathLike] = None, *, download: bool = True,
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
    return _load_folder(folder)

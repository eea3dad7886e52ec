"""Downloading the MNIST files, verified before they become visible.

Downloads go through pooch's HTTP downloader into a temporary folder inside
the data folder; a file is renamed into place (atomic ``os.replace``) only
after it passed every check of :mod:`engine.data.idx`, so a failed, corrupt
or cancelled download leaves nothing behind and a retry starts clean.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

from .idx import check_sha256, parse_idx, read_idx_bytes
from .mnist_files import (FILES, MIRRORS, DownloadCancelled, MnistDownloadError, MnistError,
                          MnistFile, PathLike, Progress, find_file, how_to_point,
                          resolve_data_dir)

_TMP_PREFIX = ".download-"
#: Inside every temporary download folder: proves that a download made it.
_MARKER = ".cnn-playground-download"
_MARKER_TEXT = b"cnn-playground MNIST download in progress; safe to delete once stale\n"
_STALE_TMP_SECONDS = 24 * 3600
_CHUNK = 64 * 1024


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

    def __call__(self, done: int, total: int | None) -> None:
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

    def __init__(self, fh, report: Callable[[int, int | None], None]) -> None:
        self._fh = fh
        self._report = report
        self._total: int | None = None
        self.done = 0

    @property
    def total(self) -> int | None:
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

    def report(done: int, total: int | None) -> None:
        if progress(done, total, filename) is False:
            raise DownloadCancelled(f"download of {filename} cancelled")

    return report, (lambda: None)


def _make_temp_dir(folder: Path) -> Path:
    """A new temporary download folder in ``folder``, marked as ours."""
    tmp_dir = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=folder))
    (tmp_dir / _MARKER).write_bytes(_MARKER_TEXT)
    return tmp_dir


def _ours_and_stale(entry: Path, now: float) -> bool:
    """A temporary folder a download of ours left (killed midway) more than a
    day ago: our name prefix, a real folder (not a link), our marker inside,
    and nothing in it but the marker and MNIST files or their ``.part``s."""
    if not entry.name.startswith(_TMP_PREFIX) or entry.is_symlink() or not entry.is_dir():
        return False
    marker = entry / _MARKER
    if marker.is_symlink() or not marker.is_file() or marker.stat().st_size != len(_MARKER_TEXT) \
            or marker.read_bytes() != _MARKER_TEXT:
        return False
    names = {f.name for f in FILES}
    allowed = {_MARKER} | names | {f"{n}.gz" for n in names} | {f"{n}.part" for n in names}
    contents = list(entry.iterdir())
    if any(p.name not in allowed or p.is_symlink() or not p.is_file() for p in contents):
        return False
    return now - entry.stat().st_mtime > _STALE_TMP_SECONDS


def _remove_stale_temp_dirs(folder: Path) -> None:
    """Remove temporary download folders that our killed downloads left more
    than a day ago - and nothing else (see :func:`_ours_and_stale`)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            with contextlib.suppress(OSError):
                if _ours_and_stale(entry, now):
                    shutil.rmtree(entry)


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
        data = read_idx_bytes(checked)
        arr = parse_idx(data, spec.kind, url)
        if arr.shape[0] != spec.count:
            raise MnistError(f"{url} holds {arr.shape[0]} {spec.kind}, expected {spec.count}")
        check_sha256(data, spec.sha256, url, hint=False)
        final = folder / final_name
        os.replace(checked, final)
        return final
    finally:
        finish()
        with contextlib.suppress(OSError):
            tmp.unlink()


def download_mnist(data_dir: PathLike | None = None, *,
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
                                 f"URLs given. " + how_to_point())
    in_the_way = [p for spec in missing for p in (folder / f"{spec.name}.gz", folder / spec.name)
                  if os.path.lexists(p)]     # not a regular file (else it is not missing)
    if in_the_way:
        raise MnistDownloadError(f"cannot download MNIST into {folder}: {in_the_way[0].name} is "
                                 f"there but is not a regular file (a link, folder or pipe); it "
                                 f"is left alone: move it away, or " + how_to_point()[0].lower()
                                 + how_to_point()[1:])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale_temp_dirs(folder)
        tmp_dir = _make_temp_dir(folder)
    except OSError as exc:
        raise MnistDownloadError(f"cannot download MNIST into {folder}: {exc}. "
                                 + how_to_point()) from None
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
                    + how_to_point())
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return folder

"""Downloading MNIST off the GUI thread, with progress and cancel.

The engine does the work (:func:`engine.data.mnist.ensure_mnist`: mirrors,
SHA-256 checks, files renamed into place only once verified, so a cancelled
or failed download leaves nothing half-written).

The job has the interface of every background job of the app (``start``,
``cancel``, ``wait(timeout_ms)``, ``running``, ``sig*`` signals queued to the
GUI thread, like :class:`~gui.workers.call_job.CallJob`). It is the one job
that runs in a *daemon* thread rather than a ``QThread``, on purpose: a
network read can block for its whole timeout, and a daemon thread never
holds up quitting the app (a ``QThread`` still running at exit aborts the
process)::

    job = DownloadJob()                     # folder: resolve_data_dir(None)
    job.sigProgress.connect(box.show_progress)    # done, total, file name
    job.sigFinished.connect(box.downloaded)       # folder
    job.start()
    job.cancel()                            # from the GUI thread, any time

Connect the signals to methods of GUI-thread QObjects (as above): Qt queues
those to the GUI thread, whereas a lambda would run in the download thread.
"""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal

from engine.data.mnist import (DownloadCancelled, MnistError, ensure_mnist, missing_files,
                               resolve_data_dir)

#: Progress signals at most this often (s).
PROGRESS_INTERVAL_S = 0.05


class DownloadJob(QObject):
    """Download the missing MNIST files into ``data_dir`` (resolved by
    :func:`engine.data.mnist.resolve_data_dir`: ``CNN_PLAYGROUND_DATA`` wins, else
    the per-user cache).

    Signals (queued to the GUI thread):

    * ``sigProgress(int done, int total, str file)`` - bytes over all missing
      files (``total`` is an estimate from the compressed sizes until known);
    * ``sigFinished(str folder)`` - all four files present and verified;
    * ``sigCancelled()``; ``sigFailed(str message)``.
    """

    sigProgress = Signal(int, int, str)
    sigFinished = Signal(str)
    sigCancelled = Signal()
    sigFailed = Signal(str)

    #: Approximate gzip sizes, for an overall progress bar before headers arrive.
    APPROX_GZ_BYTES = {"train-images-idx3-ubyte": 9_912_422, "train-labels-idx1-ubyte": 28_881,
                       "t10k-images-idx3-ubyte": 1_648_877, "t10k-labels-idx1-ubyte": 4_542}

    def __init__(self, data_dir: str | None = None, **download_kwargs):
        super().__init__()
        self.folder = resolve_data_dir(data_dir)
        self._kwargs = download_kwargs
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = 0.0
        self._finished_bytes = 0
        self._current: str | None = None
        self._current_done = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mnist-download", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Abort at the next received chunk (nothing is left in the data folder)."""
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread ended (``timeout_ms < 0``: forever); True if it did."""
        if self._thread is not None:
            self._thread.join(None if timeout_ms < 0 else timeout_ms / 1000)
        return not self.running

    def _total(self) -> int:
        names = set(missing_files(self.folder)) | ({self._current} if self._current else set())
        return self._finished_bytes + sum(self.APPROX_GZ_BYTES.get(n, 0) for n in names)

    def _progress(self, done: int, total: int | None, filename: str) -> bool:
        if self._cancel.is_set():
            raise DownloadCancelled("cancelled")
        name = filename.removesuffix(".gz")
        if name != self._current:
            if self._current is not None:
                self._finished_bytes += self._current_done
            self._current = name
        self._current_done = done
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last = now
            overall_total = max(self._total(), self._finished_bytes + (total or 0))
            self.sigProgress.emit(min(self._finished_bytes + done, 2**31 - 1),
                                  min(overall_total, 2**31 - 1), filename)
        return True

    def _run(self) -> None:
        try:
            folder = ensure_mnist(self.folder, download=True, progress=self._progress, **self._kwargs)
        except DownloadCancelled:
            self.sigCancelled.emit()
        except (MnistError, OSError) as exc:
            self.sigFailed.emit(str(exc))
        except Exception as exc:  # pragma: no cover - unexpected
            self.sigFailed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.sigFinished.emit(str(folder))

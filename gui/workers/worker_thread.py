"""A worker ``QObject`` on its own ``QThread``: the one way the GUI runs work
in the background (training, evaluation, loading MNIST).

The worker's ``run()`` slot starts when the thread starts; the thread quits
when the worker emits ``sigDone``. Worker signals must be connected to
methods of QObjects living in the GUI thread (Qt then queues them there); a
plain function or lambda would run in the worker thread.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QThread, Signal


class WorkerThread(QObject):
    """Owns a ``QThread`` running one worker's ``run()``; the thread quits when the
    worker emits ``sigDone``. Keep a reference until :attr:`running` is false
    (or use :meth:`wait`): a ``QThread`` destroyed while running aborts the
    process.

    ``sigDone()`` (GUI thread) fires after the thread really finished.
    """

    sigDone = Signal()

    def __init__(self, worker: QObject, name: str = "worker"):
        super().__init__()
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        # direct: quit() must not wait for the GUI thread, which may be blocked in wait()
        worker.sigDone.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.thread.finished.connect(self.sigDone)

    def start(self) -> None:
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread ended; ``timeout_ms < 0`` waits forever."""
        if timeout_ms < 0:
            return self.thread.wait()
        return self.thread.wait(int(timeout_ms))

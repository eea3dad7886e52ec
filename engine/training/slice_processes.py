"""Starting, hearing from and ending the slice processes of
:class:`~engine.training.process_parallel.ProcessParallel`, and the file
they share.

* :func:`shared_file`: a private file of a given size whose pages are
  reserved up front (a full ``/dev/shm`` is an ``OSError`` here, not a
  ``SIGBUS`` at the first write through the memory map);
* :func:`start_worker`: one ``python -m engine.training.slice_worker`` with
  one BLAS thread, this engine importable whatever the current folder, in
  its own session (Ctrl+C in a terminal reaches the training process only;
  it ends them by closing their pipes) and without a console window;
* :func:`receive`: one answer, waiting in short slices so a process that
  died, or a stop request, ends the wait (POSIX; elsewhere the read blocks);
* :func:`end_workers`: close the pipes, reap, kill what does not end.
"""
from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .slice_layout import DONE, LENGTH, MAX_ERROR_BYTES, read_exactly

_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
#: how often a wait for an answer looks at the process and the stop request (s)
POLL_S = 0.1
_ROOT = str(Path(__file__).resolve().parents[2])


class SliceFailed(RuntimeError):
    """A slice process reported an error (its text) or broke the protocol."""


class StepAbandoned(SliceFailed):
    """A stop was requested while a step ran: its answers were not awaited."""


def shared_file(size: int) -> str:
    """A new private (0600) file of ``size`` bytes, in memory (/dev/shm) where there is one."""
    shm = "/dev/shm"
    folder = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    fd, path = tempfile.mkstemp(prefix="cnn-playground-slices-", suffix=".bin", dir=folder)
    try:
        if hasattr(os, "posix_fallocate"):
            os.posix_fallocate(fd, 0, max(size, 1))
        else:
            os.ftruncate(fd, max(size, 1))
    except OSError:
        os.close(fd)
        remove_file(path)
        raise
    os.close(fd)
    return path


def remove_file(path: str | None) -> None:
    if path is not None:
        try:
            os.unlink(path)
        except OSError:       # gone already, or (Windows) still mapped: retried at the end
            pass


def worker_environment() -> dict[str, str]:
    """The slice processes' environment: one BLAS thread each, this engine first on the path."""
    env = dict(os.environ)
    env.update({name: "1" for name in _ONE_THREAD})
    env["PYTHONPATH"] = os.pathsep.join([_ROOT] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                                                   else []))
    return env


def can_start_workers() -> bool:
    """A Python interpreter to run the workers with (not a frozen application)."""
    return bool(sys.executable) and not getattr(sys, "frozen", False)


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    """One slice process with unbuffered binary pipes on stdin and stdout."""
    if os.name == "nt":
        flags = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP
                 | subprocess.CREATE_NO_WINDOW}
    else:
        flags = {"start_new_session": True}
    return subprocess.Popen(
        [sys.executable, "-m", "engine.training.slice_worker"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=None if sys.stderr is not None else subprocess.DEVNULL,
        bufsize=0, cwd=_ROOT, env=env, **flags)


def send(proc: subprocess.Popen, message: bytes) -> None:
    view = memoryview(message)
    while view:
        view = view[proc.stdin.write(view):]


def receive(proc: subprocess.Popen, stop: threading.Event | None) -> tuple[float, int]:
    """The next answer ``(loss, correct)``; :class:`SliceFailed` with the
    process's error text, ``EOFError`` if it ended, :class:`StepAbandoned`
    if ``stop`` is set while the answer is still awaited."""
    if os.name == "posix":
        while not select.select([proc.stdout], [], [], POLL_S)[0]:
            if proc.poll() is not None:
                raise EOFError(f"slice process {proc.pid} ended (code {proc.returncode})")
            if stop is not None and stop.is_set():
                raise StepAbandoned("stopped while a step was running")
    status, loss, correct = DONE.unpack(read_exactly(proc.stdout, DONE.size))
    if status:
        (length,) = LENGTH.unpack(read_exactly(proc.stdout, LENGTH.size))
        if length > MAX_ERROR_BYTES:
            raise SliceFailed(f"an error message of {length} bytes")
        raise SliceFailed(read_exactly(proc.stdout, length).decode("utf-8", "replace"))
    return loss, correct


def end_workers(procs: list[subprocess.Popen], path: str | None) -> None:
    """Close the pipes (each process then exits), reap them (killing any
    that does not end within 2 s), remove the file."""
    for proc in procs:
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
    for proc in procs:
        try:
            proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    remove_file(path)

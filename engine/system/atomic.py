"""Atomic file writes that respect the file system: a temporary file in the
same folder, flush + fsync, rename over the target.

What the target may be (checked before anything is written):

* missing: created, with the default permissions (``0666 & ~umask``);
* a regular file: replaced, keeping its permissions - unless it is
  write-protected (no write permission bit, or not writable by this user),
  which raises ``PermissionError``;
* a symbolic link: written *through*: the file the link points to is
  replaced (atomically, in its own folder) and the link stays a link;
* anything else (a folder, a device such as ``/dev/null``, a FIFO, a socket):
  refused with ``IsADirectoryError`` / ``OSError``; it is never replaced.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator


def _umask() -> int:
    """The process umask, read without changing it (Linux); 022 elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def writable_target(path: str | os.PathLike) -> tuple[Path, int]:
    """``(the file to replace, the permissions it gets)`` for a write to
    ``path`` (a symbolic link resolved to its target); raises ``OSError``
    subclasses for targets that must not be replaced (see the module docstring)."""
    if os.fspath(path) == "":
        raise FileNotFoundError(errno.ENOENT, "no file name given", "")
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = target.stat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "the folder does not exist",
                                    os.fspath(target.parent)) from None
        return target, 0o666 & ~_umask()
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "a folder is in the way", os.fspath(path))
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file (a device, pipe or socket); refused",
                      os.fspath(path))
    mode = info.st_mode & 0o7777
    if not mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is write-protected; refused",
                              os.fspath(path))
    return target, mode & 0o777


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary binary file beside the target of ``path``; on success
    rename it over the target (see the module docstring for what is refused).

    Readers see either the old file or the complete new one, never a partial
    write; on an exception (or a killed process) the old file is untouched and
    the temp file is removed (or left as an ignorable ``.*.tmp``).
    """
    target, mode = writable_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        f = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            os.fchmod(f.fileno(), mode)  # mkstemp makes 0600
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

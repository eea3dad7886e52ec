"""Atomic file writes that respect the file system: a temporary file in the
same folder, flush + fsync, rename over the target.

What the target may be (checked before anything is written):

* missing: created, with the default permissions (``0666 & ~umask``);
* a regular file: replaced, keeping its permissions - unless it is
  write-protected (no write permission bit, or not writable by this user),
  which raises ``PermissionError``;
* a symbolic link: written *through*: the file the link points to is
  replaced (atomically, in its own folder) and the link stays a link;
* anything else (a folder, a device such as ``/dev/null``, a FIFO, a socket),
  or a path ending in ``/``: refused with ``IsADirectoryError`` / ``OSError``;
  it is never replaced.

The folder must let us create and rename files (written to, and, with the
sticky bit as on ``/tmp``, a file of another user may not be replaced); an
overwritten file keeps its permissions (set-group-ID included) and, where the
process may (root), its owner and group. A file with other hard links gets a
new inode: this name holds the new content, the other names keep the old.
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
    text = os.fspath(path)
    if text == "":
        raise FileNotFoundError(errno.ENOENT, "no file name given", "")
    if text.endswith(("/", os.sep)):
        raise IsADirectoryError(errno.EISDIR, "the path names a folder (it ends with /)", text)
    path = Path(path)
    if len(os.fsencode(path.name)) > 255:
        raise OSError(errno.ENAMETOOLONG, "the file name is longer than 255 bytes", text)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = target.stat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "the folder does not exist",
                                    os.fspath(target.parent)) from None
        _check_folder(target.parent, None, text)
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
    _check_folder(target.parent, info, text)
    return target, mode


def _check_folder(folder: Path, existing: os.stat_result | None, path: str) -> None:
    """Raise ``PermissionError`` unless a file can be created in ``folder`` and
    renamed over ``existing`` (the target's stat, None when it is new)."""
    folder = folder if str(folder) else Path(".")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "the folder cannot be written", path)
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if existing is None or euid in (None, 0):
        return
    folder_info = folder.stat()
    if folder_info.st_mode & stat.S_ISVTX and euid not in (existing.st_uid, folder_info.st_uid):
        raise PermissionError(errno.EPERM, "the folder has the sticky bit (like /tmp) and the "
                              "file belongs to another user; refused", path)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary binary file beside the target of ``path``; on success
    rename it over the target (see the module docstring for what is refused).

    Readers see either the old file or the complete new one, never a partial
    write; on an exception (or a killed process) the old file is untouched and
    the temp file is removed (or left as an ignorable ``.*.tmp``).
    """
    target, mode = writable_target(path)
    owner = _owner(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:          # a short temporary name: a 255-byte target name must still work
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:32]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _about(exc, path) from None
    try:
        f = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            if owner is not None:                  # root: the file keeps its owner
                with contextlib.suppress(OSError):
                    os.fchown(f.fileno(), *owner)
            os.fchmod(f.fileno(), mode)  # mkstemp makes 0600; after chown (it clears set-ID)
            yield f
            f.flush()
            os.fsync(f.fileno())
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _about(exc, path) from None
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


def _owner(target: Path) -> tuple[int, int] | None:
    """``(uid, gid)`` an overwritten file keeps: only when running as root and
    they differ from what a new file would get; else None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        info = target.stat()
    except OSError:
        return None
    return (info.st_uid, info.st_gid) if (info.st_uid, info.st_gid) != (0, 0) else None


def _about(exc: OSError, path) -> OSError:
    """``exc`` re-told about the user's ``path`` (not our temporary file)."""
    return type(exc)(exc.errno, exc.strerror or str(exc), os.fspath(path))

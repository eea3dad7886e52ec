"""What an atomic save may replace: a missing file or a regular, writable
file (its permissions kept); a symbolic link is written *through* (the link
stays, its target is replaced); everything else - a device such as
/dev/null, a FIFO, a socket, a folder, a write-protected file - is refused
and left exactly as it was, with no temp file left behind."""
from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from engine.system.atomic import atomic_write, writable_target

pytestmark = pytest.mark.reliability


def write(path, data: bytes = b"new") -> None:
    with atomic_write(path) as f:
        f.write(data)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero", "/dev/full"])
def test_a_device_is_never_replaced(device):
    before = os.stat(device)
    with pytest.raises(OSError, match="not a regular file"):
        write(device)
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_fifo_a_socket_and_a_folder_are_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    try:
        for path, error in ((fifo, OSError), (sock_path, OSError), (folder, IsADirectoryError)):
            with pytest.raises(error):
                write(path)
        assert stat.S_ISFIFO(fifo.stat().st_mode) and stat.S_ISSOCK(sock_path.stat().st_mode)
        assert folder.is_dir() and not leftovers(tmp_path)
    finally:
        server.close()


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000, 0o555])
def test_a_write_protected_file_is_refused_and_kept(tmp_path, mode):
    path = tmp_path / "model.npz"
    path.write_bytes(b"old")
    path.chmod(mode)
    try:
        with pytest.raises(PermissionError, match="write-protected"):
            write(path)
        assert stat.S_IMODE(path.stat().st_mode) == mode
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == b"old" and not leftovers(tmp_path)


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "model.npz"
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    chain = tmp_path / "chain.npz"          # a link to a link
    chain.symlink_to(link)
    write(chain, b"through two links")
    assert link.is_symlink() and chain.is_symlink()
    assert target.read_bytes() == b"through two links"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640          # permissions kept
    assert not leftovers(tmp_path) and not leftovers(real_dir)


def test_links_to_what_may_not_be_replaced_are_refused(tmp_path):
    to_device = tmp_path / "null.npz"
    to_device.symlink_to("/dev/null")
    to_folder = tmp_path / "dir.npz"
    to_folder.symlink_to(tmp_path)
    loop_a, loop_b = tmp_path / "a.npz", tmp_path / "b.npz"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    for path in (to_device, to_folder, loop_a):
        with pytest.raises(OSError):
            write(path)
    assert to_device.is_symlink() and os.readlink(to_device) == "/dev/null"
    assert not leftovers(tmp_path)


def test_missing_folders_and_empty_names_are_refused(tmp_path):
    for path in ("", tmp_path / "no" / "such" / "m.npz"):
        with pytest.raises(FileNotFoundError):
            writable_target(path)


def test_a_new_file_gets_the_default_permissions_and_an_old_one_keeps_its_own(tmp_path):
    fresh = tmp_path / "fresh.npz"
    write(fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    kept = tmp_path / "kept.npz"
    kept.write_bytes(b"old")
    kept.chmod(0o600)
    write(kept)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_bytes() == b"new"


def test_a_path_ending_in_a_slash_names_a_folder_and_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="ends with /"):
        write(str(tmp_path / "model.npz") + "/")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("length", [200, 250, 255])
def test_the_longest_file_names_can_be_saved(tmp_path, length):
    path = tmp_path / ("L" * (length - 4) + ".npz")
    write(path, b"long")
    assert path.read_bytes() == b"long" and leftovers(tmp_path) == []


def test_a_name_longer_than_the_file_system_allows_names_the_users_path(tmp_path):
    path = tmp_path / ("L" * 300 + ".npz")
    with pytest.raises(OSError, match="longer than 255 bytes") as info:
        write(path)
    assert info.value.filename == str(path) and leftovers(tmp_path) == []


IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root")
def test_an_overwritten_file_keeps_its_owner_and_set_group_id(tmp_path):
    path = tmp_path / "shared.npz"
    path.write_bytes(b"old")
    os.chown(path, 1000, 1000)
    path.chmod(0o2664)
    write(path)
    info = path.stat()
    assert (info.st_uid, info.st_gid) == (1000, 1000)
    assert stat.S_IMODE(info.st_mode) == 0o2664 and path.read_bytes() == b"new"


@pytest.mark.skipif(not IS_ROOT, reason="giving files to other users needs root")
def test_another_users_file_in_a_sticky_folder_is_refused_before_writing(tmp_path, monkeypatch):
    """As on /tmp: the rename would fail after the work; it is refused first.
    (The check runs as if this process were user 1002; root may replace anything.)"""
    folder = tmp_path / "sticky"
    folder.mkdir()
    folder.chmod(0o1777)
    os.chown(folder, 1001, 1001)
    theirs, mine = folder / "theirs.npz", folder / "mine.npz"
    for path, uid in ((theirs, 1000), (mine, 1002)):
        path.write_bytes(b"old")
        os.chown(path, uid, uid)
        path.chmod(0o666)
    monkeypatch.setattr(os, "geteuid", lambda: 1002)
    with pytest.raises(PermissionError, match="sticky bit"):
        writable_target(theirs)
    assert writable_target(mine)[0] == mine          # one's own file: fine
    assert writable_target(folder / "new.npz")[0] == folder / "new.npz"
    assert theirs.read_bytes() == b"old"

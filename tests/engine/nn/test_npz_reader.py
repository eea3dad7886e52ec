"""engine.nn.npz_reader: ``.npy`` members of an untrusted zip are read header
first (declared size checked against the member's real size, no object
dtypes, no oversized headers) and never unpickled; the zip's entry count is
read from its end record before ``zipfile`` parses the directory.

The first two tests go through ``load_model`` (what a user opens); the rest
call the reader's functions directly.
"""
from __future__ import annotations

import io
import pickle
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.nn.model_file import ModelFileError
from engine.nn.npz_reader import (MAX_HEADER_BYTES, read_member, read_member_header,
                                  zip_entry_count)
from tests.support.model_files import good_members, load_error, npy_bytes, write_npz

reliability = pytest.mark.reliability


class _TouchOnUnpickle:
    """Unpickling this creates ``path`` (stands in for arbitrary code execution)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _object_array_npy(marker: Path) -> bytes:
    arr = np.empty(1, dtype=object)
    arr[0] = _TouchOnUnpickle(marker)
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


@reliability
@pytest.mark.parametrize("member", ["conv1.K", "architecture"])
def test_object_array_is_never_unpickled(tmp_path, member):
    # positive control: this payload really does run when unpickled
    control_marker = tmp_path / "control-ran"
    control = write_npz(tmp_path / "control.npz", {"x": _object_array_npy(control_marker)})
    with np.load(control, allow_pickle=True) as z:
        z["x"]
    assert control_marker.exists()
    assert pickle.dumps(_TouchOnUnpickle("p"))  # picklable by construction

    marker = tmp_path / "pwned"
    members = good_members()
    members[member] = _object_array_npy(marker)
    path = write_npz(tmp_path / "evil.npz", members)
    load_error(path, "Python objects|pickle")
    assert not marker.exists(), "loading a model file ran code from a pickle"


def _huge_header_npy(shape=(100000, 100000, 8), descr="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + b"\x00" * 64


@reliability
@pytest.mark.parametrize("member, descr", [("conv1.K", "<f4"), ("architecture", "|u1")])
def test_huge_declared_shape_rejected_without_allocating(tmp_path, member, descr):
    members = good_members()
    members[member] = _huge_header_npy(descr=descr)
    path = write_npz(tmp_path / "huge.npz", members)
    tracemalloc.start()
    try:
        load_error(path, "declares shape")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"peak allocation {peak / 2**20:.1f} MiB"


def _zip(path: Path, members: dict[str, bytes]) -> zipfile.ZipFile:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return zipfile.ZipFile(path)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["<f4", "<f8", "|u1"])
def test_header_and_data_of_a_good_member(tmp_path, dtype, order):
    """``read_member_header`` gives ``(shape, dtype, fortran_order)`` as written;
    ``read_member`` gives the array back."""
    rng = np.random.default_rng(7)
    array = np.asarray(rng.integers(0, 200, (3, 4, 5)), dtype=dtype, order=order)
    with _zip(tmp_path / "a.npz", {"w.npy": npy_bytes(array)}) as zf:
        info = zf.getinfo("w.npy")
        assert read_member_header(zf, info) == ((3, 4, 5), np.dtype(dtype), order == "F")
        np.testing.assert_array_equal(read_member(zf, info), array)


def test_version_2_header_is_read(tmp_path):
    buf = io.BytesIO()
    array = np.arange(6, dtype="<f4").reshape(2, 3)
    np.lib.format.write_array(buf, array, version=(2, 0))
    with _zip(tmp_path / "a.npz", {"w.npy": buf.getvalue()}) as zf:
        assert read_member_header(zf, zf.getinfo("w.npy")) == ((2, 3), np.dtype("<f4"), False)


@reliability
def test_header_longer_than_the_limit_is_refused_before_parsing(tmp_path):
    data = b"\x93NUMPY\x02\x00" + struct.pack("<I", MAX_HEADER_BYTES + 1) + b" " * 64
    with _zip(tmp_path / "a.npz", {"w.npy": data}) as zf:
        with pytest.raises(ModelFileError, match=rf"'w\.npy': \.npy header of {MAX_HEADER_BYTES + 1} "
                                                  r"bytes; refused"):
            read_member_header(zf, zf.getinfo("w.npy"))


@reliability
def test_declared_size_beyond_the_member_is_refused(tmp_path):
    """A header declaring 1000 float64 values over a member holding 100 bytes."""
    data = npy_bytes(np.zeros(1000))[:128 + 100]
    with _zip(tmp_path / "a.npz", {"w.npy": data}) as zf:
        with pytest.raises(ModelFileError, match=r"declares shape \(1000,\) of float64 \(8000 bytes\) "
                                                  r"but the member holds only 228 bytes"):
            read_member_header(zf, zf.getinfo("w.npy"))


@reliability
def test_object_member_is_refused_by_both_readers(tmp_path):
    """The header check refuses object dtypes; ``read_member`` alone (no pickle
    allowed) refuses them too rather than unpickling."""
    data = npy_bytes(np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with _zip(tmp_path / "a.npz", {"o.npy": data}) as zf:
        info = zf.getinfo("o.npy")
        with pytest.raises(ModelFileError, match=r"'o\.npy' holds Python objects"):
            read_member_header(zf, info)
        with pytest.raises(ModelFileError, match=r"'o\.npy' could not be read"):
            read_member(zf, info)


def test_zip_entry_count_from_the_end_record(tmp_path):
    path = tmp_path / "a.npz"
    _zip(path, {f"m{i}.npy": npy_bytes(np.zeros(i)) for i in range(7)}).close()
    assert zip_entry_count(path) == 7
    with zipfile.ZipFile(path, "a") as zf:
        zf.comment = b"x" * 1000           # a comment after the end record's fixed part
    assert zip_entry_count(path) == 7
    _zip(tmp_path / "empty.npz", {}).close()
    assert zip_entry_count(tmp_path / "empty.npz") == 0
    (tmp_path / "noise.npz").write_bytes(np.random.default_rng(0).bytes(5000).replace(b"PK", b"pk"))
    assert zip_entry_count(tmp_path / "noise.npz") is None
    (tmp_path / "short.npz").write_bytes(b"PK\x05\x06\x00")  # an end record cut short
    assert zip_entry_count(tmp_path / "short.npz") is None

"""Matrix products of the convolutions, cut into cache-sized column blocks.

A convolution's products are short and very wide: ``(D, C*k*k) @ (C*k*k, P)``
with ``P = Ho*Wo*N`` in the tens of thousands. When ``C*k*k`` and ``D`` are
small (a first layer: ``C = 1``), OpenBLAS streams such a product through
memory at a fraction of its speed; the same product done block by block,
each block's operands and result within a few hundred KB (the per-core L2
cache), runs ~1.4x (forward) to ~2x (kernel gradient) faster. Products with
many rows (``C*k*k`` in the hundreds) are compute-bound and run whole: their
blocks would be too narrow to pay.

Results equal the unblocked products up to float rounding (a block-wise sum
adds the same terms in another order).
"""
from __future__ import annotations

import numpy as np

#: Bytes of operands and result that one block should touch (fits a 512 KB+ L2).
BLOCK_BYTES = 256 * 1024
#: Narrower blocks than this do not pay: the product then runs whole.
MIN_BLOCK = 1024


def block_width(rows: int, columns: int, itemsize: int) -> int | None:
    """Columns per block for a product touching ``rows`` rows of ``columns``
    columns in all (operand rows plus result rows), or None to run it whole."""
    width = (BLOCK_BYTES // (itemsize * rows)) // 128 * 128
    return width if MIN_BLOCK <= width < columns else None


def wide_product(a: np.ndarray, b: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``a: (M, K) @ b: (K, P)`` (+ ``bias: (M,)`` on every column) -> ``(M, P)``, block by block."""
    m, p = a.shape[0], b.shape[1]
    width = block_width(m + a.shape[1], p, b.itemsize)
    if width is None:
        out = a @ b
    else:
        out = np.empty((m, p), dtype=np.result_type(a, b))
        for s in range(0, p, width):
            np.matmul(a, b[:, s:s + width], out=out[:, s:s + width])
    if bias is not None:
        out += bias.reshape(m, 1)   # once: per block (while in cache) measured 1.6x slower
    return out


def wide_product_t(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a: (M, P) @ b: (D, P).T`` -> ``(M, D)``: a sum over the long axis ``P``,
    in blocks of columns whose partial products are added up."""
    m, p = a.shape
    d = b.shape[0]
    width = block_width(m + d, p, a.itemsize)
    if width is None:
        return a @ b.T
    blocks = p // width
    whole = blocks * width
    parts = np.matmul(a[:, :whole].reshape(m, blocks, width).transpose(1, 0, 2),
                      b[:, :whole].reshape(d, blocks, width).transpose(1, 2, 0))  # (blocks, M, D)
    out = parts.sum(axis=0)
    if whole < p:
        out += a[:, whole:] @ b[:, whole:].T
    return out

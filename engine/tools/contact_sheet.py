"""Contact sheets of misclassified drawings, written as PNG without any image
library: per digit the canvas, the 28 x 28 model input, the true label
(green) and the prediction (red), in 3 x 5 pixel-font digits."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["contact_sheet", "write_png"]

_GLYPHS = ["111101101101111", "010110010010111", "111001111100111", "111001111001111", "101101111001001",
           "111100111001111", "111100111101111", "111001001001001", "111101111101111", "111101111001111"]


def _glyph(d: int, scale: int) -> np.ndarray:
    """Digit ``d`` in a 3 x 5 pixel font -> ``(5*scale, 3*scale)`` bool."""
    g = np.array([int(c) for c in _GLYPHS[d]], bool).reshape(5, 3)
    return np.kron(g, np.ones((scale, scale), bool))


def contact_sheet(canvases: Sequence[np.ndarray], inputs: np.ndarray, labels: Sequence[int],
                  preds: Sequence[int], cols: int = 8, thumb: int = 112) -> np.ndarray:
    """Tile failures into one RGB image.

    ``canvases``: K square ``(S, S)`` uint8 drawings (area-downsampled to
    ``thumb`` px when ``S`` is a multiple of it, else nearest);
    ``inputs: (K, 1, 28, 28)`` float in [0, 1] (shown 4x); ``labels``,
    ``preds``: K digits 0..9. Returns ``(rows * (thumb + 26), cols * (2*thumb
    + 12), 3)`` uint8, ``rows = max(1, ceil(K / cols))``, on dark grey.
    """
    n = len(canvases)
    rows = max(1, -(-n // cols))
    cell_w, cell_h = 2 * thumb + 12, thumb + 26
    sheet = np.full((rows * cell_h, cols * cell_w, 3), 40, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        y, x = r * cell_h + 4, c * cell_w + 4
        cv = canvases[k].astype(np.float32)
        f = cv.shape[0] // thumb if cv.shape[0] % thumb == 0 else None
        if f:
            small = cv.reshape(thumb, f, thumb, f).mean((1, 3))
        else:
            idx = (np.arange(thumb) * cv.shape[0] / thumb).astype(int)
            small = cv[np.ix_(idx, idx)]
        sheet[y:y + thumb, x:x + thumb] = small.astype(np.uint8)[..., None]
        inp = np.kron(inputs[k, 0], np.ones((4, 4), np.float32))  # (112, 112)
        sheet[y:y + thumb, x + thumb + 4:x + 2 * thumb + 4] = (inp * 255).astype(np.uint8)[..., None]
        for j, (digit, colour) in enumerate(((labels[k], (0, 220, 0)), (preds[k], (255, 60, 60)))):
            g = _glyph(int(digit), 3)
            gy, gx = y + thumb + 4, x + j * 16
            sheet[gy:gy + g.shape[0], gx:gx + g.shape[1]][g] = colour
    return sheet


def write_png(path, img: np.ndarray) -> None:
    """Write ``img`` - ``(H, W)`` grey or ``(H, W, 3)`` RGB, uint8 - as an
    8-bit PNG (zlib level 6, no filtering)."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape[:2]
    ctype = 0 if img.ndim == 2 else 2
    raw = b"".join(b"\x00" + img[i].tobytes() for i in range(h))

    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF)

    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))

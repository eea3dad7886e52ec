#!/usr/bin/env python3
"""Offline proxy of the "real pen-drawn digits replayed into the canvas" check.

MNIST test digits are turned into pen strokes and re-drawn the way the app's
canvas draws a mouse stroke, then go through ``engine.preprocess.to_model_input``
and the model, exactly as a drawing does in the app::

    MNIST test digit (28x28 uint8)
      |  4x bilinear upsampling (112x112), binarised at 0.5
      |  Zhang-Suen thinning (vectorised over the whole batch: a 256-entry
      |  deletion table per sub-iteration indexed by the 8-neighbour code)
      |  skeleton -> graph (4-neighbour edges, diagonal edges only where no
      |  4-path exists), spurs shorter than 6 px (1.5 MNIST px) ending at a
      |  junction removed, 3 Laplacian smoothing passes on degree-2 nodes
      |  (removes the pixel staircase), traced into polylines (pen strokes)
      |  and simplified (Ramer-Douglas-Peucker, 0.05 MNIST px)
    strokes (polylines in MNIST pixel units)
      |  writer variation: slant (horizontal shear +-0.15 about the centre),
      |  digit height (ink bbox height, stroke width included) as a fraction
      |  of the canvas side, pen width, random position where the ink fits
      |  (2 px margin); a digit too wide for the canvas is shrunk to fit
    canvas (side x side) uint8, white on black, like the app's Grayscale8
      |  QImage: constant-width round pen = union of round-capped segments,
      |  anti-aliased: intensity = clip(pen/2 + 0.5 - distance, 0, 1)
      |  (the QPainter coverage of a round pen, up to its 8-bit rounding)
    to_model_input(canvas) -> model.predict_proba

Pen widths are given in the app's *reference pixels* (the brush slider:
pixels of a 280 px canvas; the app scales them with the canvas side), so a
25 px pen on the 400 px canvas is 35.7 device pixels. The default brush is
25 px (8.9 % of the side).

Reported (``--n`` digits, default 2000, a fixed random subset of the test set):

* the original MNIST digits on the same indices, fed directly and through
  ``to_model_input`` after 10x nearest upsampling (the renderer-free baseline);
* a renderer control: the strokes drawn at the digit's own MNIST scale and
  position on a 280 px canvas with a per-digit pen matching the digit's MNIST
  stroke width (what the thinning + round pen alone cost);
* the grid: canvas {280, 400} x pen {12, 25, 40} x digit height
  {35, 50, 65, 80, 90} % of the side;
* the realistic mix: height ~ U(40 %, 85 %), default pen, random position,
  on both canvases, and once more with the height measured on the pen path
  (centre-line) instead of the ink, i.e. strokes ~10 % thinner relative to
  the digit;
* the most common confusions on the mix, how many of its mistakes the
  control makes too (those come from the stroke reconstruction or are
  ambiguous digits, not from size/pen/slant), and a contact sheet of its
  failures (``--failures PNG``: canvas, model input, true label green,
  prediction red; most confident mistakes first).

Each condition draws its own random heights/positions from a seed derived
from its name, so a line's numbers do not depend on which other conditions
run. Slants are per digit, shared by all conditions.

Known limits of the proxy: thinning cannot recover strokes MNIST scanned
faintly (binarised at 0.5 they break into pieces) nor loops the writer's pen
filled in, and a few MNIST digits are ambiguous. The control measures that
floor (98.8 % against 99.6-99.8 % for the MNIST originals); a fine-tune on
re-drawn training digits does not lift it, so it is mostly information the
reconstruction lost, and the proxy is pessimistic by about that much.

Every accuracy is also given for each extra preprocessing function passed as
``--preprocess module:function`` (same signature as ``to_model_input``), on
the very same canvases; ``--width-stats`` adds the median stroke width of the
model input (2 * area / perimeter of the > 0.5 mask, 4-neighbour edge count;
MNIST test: median 1.84 px, 5-95 % 1.22-2.88 px in this metric).

``--qt-check K`` redraws K digits with the app's own QPainter code
(``gui.canvas._paint_points``: quadratic smoothing through midpoints, round
cap/join, anti-aliasing) and reports how far the NumPy renderer is from it.

Run from the repository root (one BLAS thread, ~5 ms per canvas)::

    .venv/bin/python scripts/stroke_replay.py --n 2000 --failures /tmp/failures.png
"""
from __future__ import annotations

import argparse
import importlib
import json
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine import load_model  # noqa: E402
from engine.mnist import load_mnist  # noqa: E402
from engine.preprocess import to_model_input  # noqa: E402
from engine.runtime import blas_threads  # noqa: E402

REFERENCE_SIDE = 280.0
DEFAULT_PEN = 25.0
UPSAMPLE = 4

# --------------------------------------------------------------------------- skeleton


def upsample_bilinear(x: np.ndarray, k: int) -> np.ndarray:
    """``(N, h, w)`` float -> ``(N, h*k, w*k)``, bilinear, pixel centres aligned."""
    def mat(n):
        t = (np.arange(n * k) + 0.5) / k - 0.5
        i0 = np.floor(t).astype(int)
        f = (t - i0).astype(np.float32)
        A = np.zeros((n * k, n), np.float32)
        rows = np.arange(n * k)
        for idx, wgt in ((i0, 1 - f), (i0 + 1, f)):
            ok = (idx >= 0) & (idx < n)
            A[rows[ok], idx[ok]] += wgt[ok]
        return A

    _, h, w = x.shape
    return np.einsum("ih,nhw,jw->nij", mat(h), x.astype(np.float32), mat(w), optimize=True)


def _zhang_suen_tables() -> tuple[np.ndarray, np.ndarray]:
    """Deletion tables of the two Zhang-Suen sub-iterations, indexed by the
    8-neighbour code (bit 0 = P2 north, then clockwise: NE, E, SE, S, SW, W, NW)."""
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1  # P2..P9
    B = bits.sum(1)
    A = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(1)  # 0->1 transitions P2..P9,P2
    P2, P4, P6, P8 = bits[:, 0], bits[:, 2], bits[:, 4], bits[:, 6]
    base = (B >= 2) & (B <= 6) & (A == 1)
    return (base & (P2 * P4 * P6 == 0) & (P4 * P6 * P8 == 0),
            base & (P2 * P4 * P8 == 0) & (P2 * P6 * P8 == 0))


_ZS_TABLES = _zhang_suen_tables()


def _neighbour_code(p: np.ndarray) -> np.ndarray:
    """``(N, H+2, W+2)`` uint8 0/1 (zero border) -> ``(N, H, W)`` 8-neighbour code."""
    c = p[:, :-2, 1:-1].copy()
    for bit, (dy, dx) in enumerate([(-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)], 1):
        c |= p[:, 1 + dy:p.shape[1] - 1 + dy, 1 + dx:p.shape[2] - 1 + dx] << bit
    return c


def zhang_suen(mask: np.ndarray, max_iter: int = 200) -> np.ndarray:
    """Zhang-Suen thinning of a batch of binary images ``(N, H, W)`` -> bool skeletons.
    Only the images still changing are processed in each iteration."""
    N, H, W = mask.shape
    p = np.zeros((N, H + 2, W + 2), np.uint8)
    p[:, 1:-1, 1:-1] = mask
    active = np.arange(N)
    for _ in range(max_iter):
        if active.size == 0:
            break
        q = p[active]
        changed = np.zeros(active.size, bool)
        for table in _ZS_TABLES:
            rem = (q[:, 1:-1, 1:-1] == 1) & table[_neighbour_code(q)]
            q[:, 1:-1, 1:-1][rem] = 0
            changed |= rem.reshape(active.size, -1).any(1)
        p[active] = q
        active = active[changed]
    return p[:, 1:-1, 1:-1].astype(bool)


def skeleton_graph(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skeleton ``(H, W)`` bool -> node positions ``(K, 2)`` (row, col of pixel
    centres) and undirected edges ``(E, 2)``: 4-neighbours, and diagonal
    neighbours only where no 4-connected path through a shared neighbour exists."""
    H, W = S.shape
    ys, xs = np.nonzero(S)
    idx = -np.ones((H + 2, W + 2), np.int64)
    idx[ys + 1, xs + 1] = np.arange(ys.size)
    P = np.zeros((H + 2, W + 2), bool)
    P[1:-1, 1:-1] = S

    def nb(dy, dx):
        return P[1 + dy:H + 1 + dy, 1 + dx:W + 1 + dx], idx[1 + dy:H + 1 + dy, 1 + dx:W + 1 + dx]

    c = idx[1:-1, 1:-1]
    E = []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        m, j = nb(dy, dx)
        m = m & S
        if dy and dx:
            m &= ~nb(0, dx)[0] & ~nb(dy, 0)[0]
        E.append(np.stack([c[m], j[m]], 1))
    return np.stack([ys, xs], 1).astype(np.float64) + 0.5, np.concatenate(E, 0)


def _adjacency(K: int, edges: np.ndarray) -> list[list[int]]:
    adj: list[list[int]] = [[] for _ in range(K)]
    for a, b in edges.tolist():
        adj[a].append(b)
        adj[b].append(a)
    return adj


def prune_spurs(pos: np.ndarray, edges: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Delete chains of fewer than ``length`` nodes running from an end point
    to a junction (thinning artefacts at blunt corners and stroke ends)."""
    K = len(pos)
    adj = _adjacency(K, edges)
    dead = np.zeros(K, bool)
    for e in [k for k in range(K) if len(adj[k]) == 1]:
        chain, prev, cur = [e], -1, e
        while len(chain) <= length:
            if cur != e and len(adj[cur]) >= 3:
                chain.pop()  # keep the junction
                dead[chain] = True
                break
            nxt = [v for v in adj[cur] if v != prev]
            if not nxt or (cur != e and len(adj[cur]) == 1):
                break
            prev, cur = cur, nxt[0]
            chain.append(cur)
    if not dead.any():
        return pos, edges
    keep = ~dead
    remap = -np.ones(K, np.int64)
    remap[keep] = np.arange(keep.sum())
    e = edges[keep[edges[:, 0]] & keep[edges[:, 1]]]
    return pos[keep], remap[e]


def smooth(pos: np.ndarray, edges: np.ndarray, iters: int = 3) -> np.ndarray:
    """Laplacian smoothing (factor 1/2) of degree-2 nodes; ends and junctions stay."""
    if not edges.size:
        return pos
    deg = np.bincount(edges.ravel(), minlength=len(pos))
    mov = (deg == 2)[:, None]
    for _ in range(iters):
        s = np.zeros_like(pos)
        np.add.at(s, edges[:, 0], pos[edges[:, 1]])
        np.add.at(s, edges[:, 1], pos[edges[:, 0]])
        pos = np.where(mov, 0.5 * pos + 0.5 * s / np.maximum(deg, 1)[:, None], pos)
    return pos


def trace_polylines(pos: np.ndarray, edges: np.ndarray) -> list[np.ndarray]:
    """Graph -> polylines (``(n, 2)`` arrays) between end points / junctions;
    closed loops become closed polylines; isolated nodes single points."""
    K = len(pos)
    adj = _adjacency(K, edges)
    used: set[tuple[int, int]] = set()
    lines = []

    def walk(a, b):
        line = [a]
        used.add((min(a, b), max(a, b)))
        prev, cur = a, b
        while len(adj[cur]) == 2 and cur != a:
            nxt = adj[cur][0] if adj[cur][0] != prev else adj[cur][1]
            key = (min(cur, nxt), max(cur, nxt))
            if key in used:
                break
            used.add(key)
            line.append(cur)
            prev, cur = cur, nxt
        line.append(cur)
        return line

    for k in range(K):
        if len(adj[k]) == 0:
            lines.append([k])
        elif len(adj[k]) != 2:
            for v in adj[k]:
                if (min(k, v), max(k, v)) not in used:
                    lines.append(walk(k, v))
    for a, b in edges.tolist():  # what is left are loops of degree-2 nodes
        if (min(a, b), max(a, b)) not in used:
            lines.append(walk(a, b))
    return [pos[line] for line in lines]


def rdp(line: np.ndarray, tol: float) -> np.ndarray:
    """Ramer-Douglas-Peucker simplification of a polyline ``(n, 2)``."""
    if len(line) < 3:
        return line
    keep = np.zeros(len(line), bool)
    keep[[0, -1]] = True
    stack = [(0, len(line) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = line[i], line[j]
        d = b - a
        L = np.hypot(*d)
        seg = line[i + 1:j] - a
        dist = np.abs(seg[:, 0] * d[1] - seg[:, 1] * d[0]) / L if L > 1e-9 else np.hypot(seg[:, 0], seg[:, 1])
        k = int(np.argmax(dist))
        if dist[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return line[keep]


def extract_strokes(images: np.ndarray, prune: int = 6, smooth_iters: int = 3,
                    tol: float = 0.05) -> list[list[np.ndarray]]:
    """MNIST digits ``(N, 28, 28)`` uint8 -> per digit a list of polylines
    ``(n, 2)`` (row, col) in MNIST pixel units (pixel ``i`` covers ``[i, i+1)``)."""
    x = images.astype(np.float32) / 255.0
    out = []
    for start in range(0, len(x), 500):
        up = upsample_bilinear(x[start:start + 500], UPSAMPLE)
        skel = zhang_suen(up > 0.5)
        for S in skel:
            pos, edges = skeleton_graph(S)
            if prune:
                pos, edges = prune_spurs(pos, edges, prune)
            pos = smooth(pos, edges, smooth_iters)
            lines = [rdp(p / UPSAMPLE, tol) for p in trace_polylines(pos, edges)]
            out.append(lines)
    return out


# --------------------------------------------------------------------------- rendering


def render_segments(a: np.ndarray, b: np.ndarray, pen: float, side: int) -> np.ndarray:
    """Round-capped anti-aliased segments ``a -> b`` (``(P, 2)`` row, col in canvas
    pixels; pixel ``i`` covers ``[i, i+1)``) on a black ``side x side`` uint8 canvas.

    Intensity = clip(pen/2 + 0.5 - distance from the pixel centre to the
    nearest segment, 0, 1): the union of the segments, as a round pen with
    round joins strokes a path. Each segment fills its own window.
    """
    r = pen / 2.0
    lo = np.floor(np.minimum(a, b) - r - 1).astype(np.int64)
    K = int(np.ceil(np.abs(a - b).max() + 2 * r + 3))
    g = np.arange(K, dtype=np.float32) + 0.5
    M = K + 2
    canvas = np.zeros((side + 2 * M, side + 2 * M), np.float32)
    a32 = (a - lo).astype(np.float32)
    d = (b - a).astype(np.float32)
    L2 = np.maximum((d * d).sum(1), 1e-12)[:, None, None]
    Y = g[None, :, None] - a32[:, 0, None, None]
    X = g[None, None, :] - a32[:, 1, None, None]
    dy, dx = d[:, 0, None, None], d[:, 1, None, None]
    t = np.clip((Y * dy + X * dx) / L2, 0.0, 1.0)
    ey = Y - t * dy
    ex = X - t * dx
    cov = np.clip(np.float32(r + 0.5) - np.sqrt(ey * ey + ex * ex), 0.0, 1.0)
    for k in range(len(a)):
        y0, x0 = lo[k] + M
        w = canvas[y0:y0 + K, x0:x0 + K]
        np.maximum(w, cov[k], out=w)
    return np.round(canvas[M:M + side, M:M + side] * 255).astype(np.uint8)


def place(lines: list[np.ndarray], side: int, pen: float, height: float, slant: float,
          rng: np.random.Generator) -> list[np.ndarray]:
    """Strokes (MNIST units) -> canvas pixels: slant, scale so the ink
    (centre-line extent + pen) is ``height * side`` tall (shrunk when too wide
    to fit), random position with the ink 2 px inside the canvas."""
    allp = np.concatenate(lines, 0)
    cy = allp[:, 0].mean()
    sheared = [np.stack([p[:, 0], p[:, 1] - slant * (p[:, 0] - cy)], 1) for p in lines]
    allp = np.concatenate(sheared, 0)
    lo, hi = allp.min(0), allp.max(0)
    ext = np.maximum(hi - lo, 1e-3)
    s = (height * side - pen) / ext[0]
    s = min(s, (side - 4 - pen) / ext[1], (side - 4 - pen) / ext[0])
    ink = ext * s + pen
    origin = np.array([rng.uniform(2, max(2.0, side - 2 - ink[0])), rng.uniform(2, max(2.0, side - 2 - ink[1]))])
    off = origin + pen / 2.0 - lo * s
    return [p * s + off for p in sheared]


def lines_to_segments(lines: list[np.ndarray], max_len: float) -> tuple[np.ndarray, np.ndarray]:
    """Polylines -> segment end points, long segments split to at most ``max_len``."""
    A, B = [], []
    for p in lines:
        if len(p) == 1:
            A.append(p)
            B.append(p)
            continue
        a, b = p[:-1], p[1:]
        n = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / max_len)).astype(int)
        rep = np.repeat(np.arange(len(a)), n)
        frac0 = np.concatenate([np.arange(k) / k for k in n])
        frac1 = np.concatenate([np.arange(1, k + 1) / k for k in n])
        d = (b - a)[rep]
        A.append(a[rep] + frac0[:, None] * d)
        B.append(a[rep] + frac1[:, None] * d)
    return np.concatenate(A), np.concatenate(B)


def draw(lines: list[np.ndarray], side: int, pen: float) -> np.ndarray:
    a, b = lines_to_segments(lines, max(2.0 * pen / 2.0, 4.0))
    return render_segments(a, b, pen, side)


def draw_qt(lines: list[np.ndarray], side: int, pen: float) -> np.ndarray:
    """The same strokes through the app's own painting code (QPainter)."""
    from PySide6.QtGui import QImage, QPainter

    from gui.canvas import _paint_points
    img = QImage(side, side, QImage.Format.Format_Grayscale8)
    img.fill(0)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for p in lines:
        _paint_points(painter, [(c / side, r / side) for r, c in p], pen, False, side)
    painter.end()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * side)
    return buf.reshape(side, img.bytesPerLine())[:, :side].copy()


# --------------------------------------------------------------------------- measuring


def stroke_width(x: np.ndarray) -> np.ndarray:
    """2 * area / perimeter of the > 0.5 mask (perimeter = 4-neighbour edges), per image."""
    m = x.reshape(-1, x.shape[-2], x.shape[-1]) > 0.5
    p = np.pad(m, ((0, 0), (1, 1), (1, 1)))
    per = (p[:, 1:, :] != p[:, :-1, :]).sum((1, 2)) + (p[:, :, 1:] != p[:, :, :-1]).sum((1, 2))
    return 2.0 * m.sum((1, 2)) / np.maximum(per, 1)


def predict(model, x: np.ndarray) -> np.ndarray:
    return np.concatenate([model.predict_proba(x[i:i + 500]) for i in range(0, len(x), 500)])


class Condition:
    """One drawing condition. ``height``: a fraction of the side, or a (lo, hi)
    range drawn per digit when ``mix``; ``path_height``: the height is that of
    the pen path (centre-line) instead of the ink (path + pen width)."""

    def __init__(self, name: str, side: int, pen_ref: float | None, height, mix: bool = False,
                 path_height: bool = False):
        self.name, self.side, self.pen_ref, self.height, self.mix = name, side, pen_ref, height, mix
        self.path_height = path_height
        self.seed = zlib.crc32(name.encode())  # same digits, same draw whatever else is run


def run_condition(cond: Condition, strokes, slants, preprocs, seed: int, keep_canvas: bool = False):
    """Render every digit for one condition and preprocess it with each function.
    Returns {preproc name: (N, 1, 28, 28)} (+ the canvases when asked)."""
    xs = {name: np.zeros((len(strokes), 1, 28, 28), np.float32) for name in preprocs}
    canvases = [] if keep_canvas else None
    pen = (cond.pen_ref or DEFAULT_PEN) * cond.side / REFERENCE_SIDE
    for i, lines in enumerate(strokes):
        rng = np.random.default_rng([seed, cond.seed, i])
        h = rng.uniform(*cond.height) if cond.mix else cond.height
        if cond.path_height:
            h += pen / cond.side
        canvas = draw(place(lines, cond.side, pen, h, slants[i], rng), cond.side, pen)
        if keep_canvas:
            canvases.append(canvas)
        for name, fn in preprocs.items():
            y = fn(canvas)
            if y is not None:
                xs[name][i] = y
    return xs, canvases


# --------------------------------------------------------------------------- output


_GLYPHS = ["111101101101111", "010110010010111", "111001111100111", "111001111001111", "101101111001001",
           "111100111001111", "111100111101111", "111001001001001", "111101111101111", "111101111001111"]


def _glyph(d: int, scale: int) -> np.ndarray:
    g = np.array([int(c) for c in _GLYPHS[d]], bool).reshape(5, 3)
    return np.kron(g, np.ones((scale, scale), bool))


def contact_sheet(canvases, inputs, labels, preds, cols: int = 8, thumb: int = 112) -> np.ndarray:
    """RGB uint8 sheet: per failure the canvas (area-downsampled), the 28x28
    model input (x4), the true label (green) and the prediction (red)."""
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
        inp = np.kron(inputs[k, 0], np.ones((4, 4), np.float32))
        sheet[y:y + thumb, x + thumb + 4:x + 2 * thumb + 4] = (inp * 255).astype(np.uint8)[..., None]
        for j, (digit, colour) in enumerate(((labels[k], (0, 220, 0)), (preds[k], (255, 60, 60)))):
            g = _glyph(int(digit), 3)
            gy, gx = y + thumb + 4, x + j * 16
            sheet[gy:gy + g.shape[0], gx:gx + g.shape[1]][g] = colour
    return sheet


def write_png(path, img: np.ndarray) -> None:
    """Minimal PNG writer (8-bit grey or RGB) with zlib."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = img.shape[:2]
    ctype = 0 if img.ndim == 2 else 2
    raw = b"".join(b"\x00" + img[i].tobytes() for i in range(h))

    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xFFFFFFFF)

    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def _load_fn(spec: str):
    mod, _, fn = spec.partition(":")
    return getattr(importlib.import_module(mod), fn or "to_model_input")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "datasets" / "mnist"))
    ap.add_argument("--model", default=None, help="model file (default: the bundled one)")
    ap.add_argument("--n", type=int, default=2000, help="number of MNIST test digits")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grid", choices=["full", "small", "none"], default="full")
    ap.add_argument("--preprocess", action="append", default=[],
                    help="extra preprocessing function module:function to compare (repeatable)")
    ap.add_argument("--width-stats", action="store_true", help="median model-input stroke width per condition")
    ap.add_argument("--failures", default=None, help="PNG contact sheet of failures on the 280 px mix")
    ap.add_argument("--qt-check", type=int, default=0, help="compare K digits with the app's QPainter")
    ap.add_argument("--json", default=None, help="write all numbers to this JSON file")
    args = ap.parse_args(argv)

    t_start = time.time()
    data = load_mnist(args.data_dir, download=False, progress=False)
    rng = np.random.default_rng(args.seed)
    n = min(args.n, len(data.test_labels))
    sel = np.sort(rng.choice(len(data.test_labels), n, replace=False))
    images, labels = np.asarray(data.test_images[sel]), np.asarray(data.test_labels[sel]).astype(np.int64)
    slants = rng.uniform(-0.15, 0.15, n)
    model = load_model(args.model)
    preprocs = {"to_model_input": to_model_input}
    for spec in args.preprocess:
        preprocs[spec] = _load_fn(spec)
    results: dict = {"n": n, "seed": args.seed, "conditions": {}}

    def acc_line(name, xs, extra=""):
        row = {}
        cells = []
        for pname, x in xs.items():
            p = predict(model, x)
            a = float((p.argmax(1) == labels).mean())
            row[pname] = {"accuracy": a}
            cell = f"{100 * a:6.2f}"
            if args.width_stats:
                w = float(np.median(stroke_width(x)))
                row[pname]["width_median"] = w
                cell += f" (w {w:.2f})"
            cells.append(cell)
        results["conditions"][name] = row
        print(f"| {name:<34} | " + " | ".join(cells) + f" |{extra}", flush=True)
        return row

    with blas_threads(1):
        print(f"{n} MNIST test digits (seed {args.seed}); columns: " + ", ".join(preprocs))
        print("| condition | " + " | ".join(preprocs) + " |")
        raw = images.astype(np.float32)[:, None] / 255.0
        p = predict(model, raw)
        print(f"| {'MNIST original (direct)':<34} | {100 * (p.argmax(1) == labels).mean():6.2f} |")
        results["conditions"]["mnist_direct"] = {"accuracy": float((p.argmax(1) == labels).mean())}
        up = {name: np.stack([fn(np.kron(im, np.ones((10, 10), np.uint8))) for im in images])
              for name, fn in preprocs.items()}
        acc_line("MNIST 10x nearest -> preprocess", up)

        t0 = time.time()
        strokes = extract_strokes(images)
        print(f"(strokes extracted in {time.time() - t0:.1f} s)", flush=True)

        # Renderer control: strokes at their own MNIST place and scale (x10), pen = the
        # digit's own MNIST stroke width x10 (2*area/perimeter of the >0.5 mask, times
        # pi/4 to undo the 4-neighbour perimeter's overcount of slanted edges).
        own_w = stroke_width(raw) * 4.0 / np.pi
        xs = {name: np.zeros((n, 1, 28, 28), np.float32) for name in preprocs}
        for i, lines in enumerate(strokes):
            canvas = draw([p * 10.0 for p in lines], 280, 10.0 * own_w[i])
            for name, fn in preprocs.items():
                y = fn(canvas)
                if y is not None:
                    xs[name][i] = y
        acc_line("control: MNIST place, own width", xs)
        control_ok = predict(model, xs["to_model_input"]).argmax(1) == labels

        conds = []
        if args.grid != "none":
            heights = [0.35, 0.5, 0.65, 0.8, 0.9]
            sides = [280, 400] if args.grid == "full" else [280]
            for side in sides:
                for pen in (12.0, 25.0, 40.0):
                    for h in heights:
                        conds.append(Condition(f"{side}px pen {pen:g} height {int(h * 100)}%", side, pen, h))
        mixes = [Condition(f"MIX {side}px pen 25 height U(40,85)%", side, 25.0, (0.40, 0.85), mix=True)
                 for side in (280, 400)]
        mixes.append(Condition("mix, path height U(40,85)%, 280px", 280, 25.0, (0.40, 0.85), mix=True,
                               path_height=True))
        mix_x = {}
        for cond in conds + mixes:
            keep = cond is mixes[0]
            xs, canv = run_condition(cond, strokes, slants, preprocs, args.seed, keep_canvas=keep)
            acc_line(cond.name, xs)
            if keep:
                mix_x, mix_canvases = xs, canv

        # Confusions and failures on the 280 px mix with the app's preprocessing.
        x = mix_x["to_model_input"]
        prob = predict(model, x)
        pred = prob.argmax(1)
        wrong = np.flatnonzero(pred != labels)
        pairs: dict = {}
        for i in wrong:
            pairs[(int(labels[i]), int(pred[i]))] = pairs.get((int(labels[i]), int(pred[i])), 0) + 1
        top = sorted(pairs.items(), key=lambda kv: -kv[1])[:10]
        print("most common mistakes on the 280 px mix (true -> predicted: count): "
              + ", ".join(f"{a}->{b}: {c}" for (a, b), c in top))
        shared = int((~control_ok[wrong]).sum())
        print(f"{len(wrong)} mistakes on the 280 px mix, {shared} of them also made on the control "
              f"(stroke reconstruction / ambiguous digit), {len(wrong) - shared} specific to size/pen/slant")
        results["mix_confusions"] = [[a, b, c] for (a, b), c in top]
        results["mix_mistakes_shared_with_control"] = shared
        results["mix_failures"] = [int(sel[i]) for i in wrong]
        if args.failures:
            order = wrong[np.argsort(-prob[wrong].max(1))]  # most confident mistakes first
            sheet = contact_sheet([mix_canvases[i] for i in order], x[order], labels[order], pred[order])
            write_png(args.failures, sheet)
            print(f"failure sheet ({len(order)} digits): {args.failures}")

        if args.qt_check:
            k = min(args.qt_check, n)
            diffs, agree, in_diffs = [], 0, []
            for i in range(k):
                rng_i = np.random.default_rng([args.seed, 999, i])
                pen = DEFAULT_PEN
                lines = place(strokes[i], 280, pen, rng_i.uniform(0.4, 0.85), slants[i], rng_i)
                a, b = draw(lines, 280, pen), draw_qt(lines, 280, pen)
                diffs.append(np.abs(a.astype(int) - b.astype(int)).mean())
                ya, yb = to_model_input(a), to_model_input(b)
                in_diffs.append(np.abs(ya - yb).mean())
                agree += int(predict(model, ya).argmax() == predict(model, yb).argmax())
            print(f"Qt check on {k} digits: canvas mean |numpy - QPainter| = {np.mean(diffs):.2f}/255, "
                  f"model input mean abs diff {np.mean(in_diffs):.4f}, same prediction {agree}/{k}")
            results["qt_check"] = {"k": k, "canvas_mad": float(np.mean(diffs)),
                                   "input_mad": float(np.mean(in_diffs)), "same_prediction": agree}
    print(f"(total {time.time() - t_start:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

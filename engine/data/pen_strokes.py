"""Pen strokes recovered from MNIST digits (pure NumPy).

A scanned MNIST digit is turned back into the polylines a pen could have
drawn, so it can be re-drawn with a round pen (:mod:`engine.data.pen_render`)
at any size and pen width::

    digits (N, 28, 28) uint8
      |  upsample_bilinear: 4x (112 x 112), binarised at 0.5
      |  zhang_suen: thinning to a 1-px, 8-connected skeleton (whole batch at once)
      |  skeleton_graph: pixels -> nodes, 4-neighbour edges (diagonal edges only
      |      where no 4-path through a shared neighbour exists)
      |  prune_spurs: end chains shorter than 6 px (1.5 MNIST px) that run into
      |      a junction are thinning artefacts and go
      |  smooth_skeleton: 3 Laplacian passes on degree-2 nodes (no pixel staircase)
      |  trace_polylines: the graph cut at end points and junctions
      |  rdp: Ramer-Douglas-Peucker simplification, 0.05 MNIST px
    strokes: per digit a list of (n, 2) float arrays (row, col), MNIST px

Coordinates are (row, col) with pixel ``i`` covering ``[i, i+1)``, so a pixel
centre sits at ``i + 0.5``. Thinning cannot recover strokes MNIST scanned
faintly (binarised at 0.5 they break into pieces) nor loops the writer's pen
filled in; :func:`stroke_width` measures the width a re-drawing pen needs.
"""
from __future__ import annotations

import numpy as np

__all__ = ["UPSAMPLE", "upsample_bilinear", "zhang_suen", "skeleton_graph", "prune_spurs",
           "smooth_skeleton", "trace_polylines", "rdp", "extract_strokes", "stroke_width"]

#: Thinning works on digits upsampled by this factor (28 -> 112 px).
UPSAMPLE = 4
_BATCH = 500  # digits thinned together; bounds the memory of the vectorised thinning


def upsample_bilinear(x: np.ndarray, k: int) -> np.ndarray:
    """Bilinear upsampling by an integer factor, pixel centres aligned.

    ``x: (N, h, w)`` any real dtype -> ``(N, h*k, w*k)`` float32. Output pixel
    ``i`` samples the input at ``(i + 0.5) / k - 0.5`` (input pixel units);
    outside the image the missing neighbour counts as 0.
    """
    def mat(n):  # (n*k, n) interpolation matrix
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
    """Deletion tables ``(256,)`` bool of the two Zhang-Suen sub-iterations,
    indexed by the 8-neighbour code (bit 0 = P2 north, then clockwise: NE, E,
    SE, S, SW, W, NW)."""
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1  # (256, 8): P2..P9
    B = bits.sum(1)
    A = ((bits == 0) & (np.roll(bits, -1, axis=1) == 1)).sum(1)  # 0->1 transitions P2..P9,P2
    P2, P4, P6, P8 = bits[:, 0], bits[:, 2], bits[:, 4], bits[:, 6]
    base = (B >= 2) & (B <= 6) & (A == 1)
    return (base & (P2 * P4 * P6 == 0) & (P4 * P6 * P8 == 0),
            base & (P2 * P4 * P8 == 0) & (P2 * P6 * P8 == 0))


_ZS_TABLES = _zhang_suen_tables()


def _neighbour_code(p: np.ndarray) -> np.ndarray:
    """``p: (N, H+2, W+2)`` uint8 0/1 with a zero border -> ``(N, H, W)`` uint8
    8-neighbour code of every inner pixel (bit order as the tables)."""
    c = p[:, :-2, 1:-1].copy()
    for bit, (dy, dx) in enumerate([(-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)], 1):
        c |= p[:, 1 + dy:p.shape[1] - 1 + dy, 1 + dx:p.shape[2] - 1 + dx] << bit
    return c


def zhang_suen(mask: np.ndarray, max_iter: int = 200) -> np.ndarray:
    """Zhang-Suen thinning of a batch of binary images.

    ``mask: (N, H, W)`` bool or 0/1 -> ``(N, H, W)`` bool skeletons, 1 px wide
    and 8-connected. Each sub-iteration looks its deletions up in a 256-entry
    table indexed by the 8-neighbour code; only the images still changing are
    processed, and at most ``max_iter`` iterations run.
    """
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
    """A skeleton as an undirected graph.

    ``S: (H, W)`` bool -> ``pos: (K, 2)`` float64 (row, col) of the pixel
    centres, in pixels, and ``edges: (E, 2)`` int64 node indices. Edges join
    4-neighbours, and diagonal neighbours only where no 4-connected path
    through a shared neighbour exists (so a staircase is one chain, not a
    chain of triangles).
    """
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
    """Delete spurs: chains of fewer than ``length`` nodes running from an
    end point to a junction (thinning artefacts at blunt corners and stroke
    ends). The junction stays.

    ``pos: (K, 2)``, ``edges: (E, 2)`` as :func:`skeleton_graph` ->
    ``(K', 2)``, ``(E', 2)`` with the surviving nodes renumbered.
    """
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


def smooth_skeleton(pos: np.ndarray, edges: np.ndarray, iters: int = 3) -> np.ndarray:
    """Laplacian smoothing of the nodes of degree 2: each pass moves a node
    half-way to the mean of its two neighbours; end points and junctions stay.

    ``pos: (K, 2)``, ``edges: (E, 2)`` -> new ``pos: (K, 2)`` (same units).
    """
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
    """Cut a graph into pen strokes.

    ``pos: (K, 2)``, ``edges: (E, 2)`` -> list of ``(n, 2)`` polylines (rows
    of ``pos``), each running between end points / junctions; every edge is
    used once. Closed loops of degree-2 nodes become closed polylines (first
    point repeated at the end), isolated nodes single-point strokes.
    """
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
    """Ramer-Douglas-Peucker simplification.

    ``line: (n, 2)`` -> ``(m, 2)``, ``m <= n``, a subset of the points with
    both ends kept, every dropped point within ``tol`` (same units as the
    points) of the chord that replaces it.
    """
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
    """MNIST-like digits -> their pen strokes.

    ``images: (N, H, W)`` uint8 0..255 (white ink on black; MNIST: 28 x 28)
    -> per digit a list of ``(n, 2)`` float64 polylines (row, col) in input
    pixel units (pixel ``i`` covers ``[i, i+1)``). ``prune``: spur length in
    upsampled pixels (0: keep spurs); ``smooth_iters``: smoothing passes;
    ``tol``: RDP tolerance in input pixels. A digit with no ink above half
    scale gives an empty list. About 2 ms per MNIST digit.
    """
    x = images.astype(np.float32) / 255.0
    out = []
    for start in range(0, len(x), _BATCH):
        up = upsample_bilinear(x[start:start + _BATCH], UPSAMPLE)  # (n, 4H, 4W)
        skel = zhang_suen(up > 0.5)
        for S in skel:
            pos, edges = skeleton_graph(S)
            if prune:
                pos, edges = prune_spurs(pos, edges, prune)
            pos = smooth_skeleton(pos, edges, smooth_iters)
            out.append([rdp(p / UPSAMPLE, tol) for p in trace_polylines(pos, edges)])
    return out


def stroke_width(x: np.ndarray) -> np.ndarray:
    """Stroke width per image: ``2 * area / perimeter`` of the > 0.5 mask,
    the perimeter counted as 4-neighbour pixel edges (which overcounts
    slanted edges: multiply by ``pi / 4`` for a pen width).

    ``x: (..., H, W)`` float in [0, 1] -> ``(M,)`` float64 in pixels, ``M`` the
    number of images. MNIST test digits: median 2.00 px, 5-95 % 1.32-3.12 px.
    """
    m = x.reshape(-1, x.shape[-2], x.shape[-1]) > 0.5
    p = np.pad(m, ((0, 0), (1, 1), (1, 1)))
    per = (p[:, 1:, :] != p[:, :-1, :]).sum((1, 2)) + (p[:, :, 1:] != p[:, :, :-1]).sum((1, 2))
    return 2.0 * m.sum((1, 2)) / np.maximum(per, 1)

"""Hand-made example digits 0-9 as pen strokes in canvas units (``(x, y)`` in
[0, 1], y down), drawn through the canvas like a person would. Used by the
Examples menu, the screenshot and the latency benchmark.

Each digit is ~0.6 of the canvas tall, so the default 25/280 pen is ~13 % of
its height, the MNIST stroke width (see :mod:`engine.data.preprocess`).
"""
from __future__ import annotations

import math

Point = tuple[float, float]


def catmull_rom(points: list[Point], samples: int = 10) -> list[Point]:
    """A smooth curve through ``points`` (centripetal-free, uniform Catmull-Rom)."""
    if len(points) < 3:
        return list(points)
    pts = [points[0]] + list(points) + [points[-1]]
    out: list[Point] = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for s in range(samples):
            t = s / samples
            t2, t3 = t * t, t * t * t
            out.append(tuple(
                0.5 * (2 * p1[k] + (-p0[k] + p2[k]) * t + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                       + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3) for k in range(2)))
    out.append(points[-1])
    return out


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float,
        steps: int = 40) -> list[Point]:
    """Points on an ellipse from angle ``a0`` to ``a1`` degrees (0 = right,
    90 = down: increasing angles run clockwise on screen)."""
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / steps)),
             cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / steps)))
            for i in range(steps + 1)]


def line(*points: Point, steps: int = 12) -> list[Point]:
    """A polyline through ``points`` with ``steps`` samples per segment."""
    out: list[Point] = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        out += [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(1, steps + 1)]
    return out


EXAMPLES: dict[int, list[list[Point]]] = {
    0: [arc(0.50, 0.50, 0.19, 0.29, -100, 265, 60)],
    1: [line((0.47, 0.26), (0.54, 0.20), (0.51, 0.80))],
    2: [arc(0.50, 0.35, 0.17, 0.15, 190, 380, 30)
        + catmull_rom([(0.655, 0.41), (0.55, 0.56), (0.42, 0.69), (0.32, 0.80)])
        + line((0.32, 0.80), (0.71, 0.79))],
    3: [arc(0.49, 0.34, 0.17, 0.135, 200, 440, 36)
        + arc(0.49, 0.635, 0.20, 0.165, -95, 155, 40)],
    4: [line((0.58, 0.20), (0.30, 0.62), (0.74, 0.62)),
        line((0.61, 0.38), (0.61, 0.82))],
    5: [line((0.69, 0.20), (0.39, 0.20), (0.36, 0.46))
        + arc(0.50, 0.62, 0.19, 0.18, -135, 150, 40)],
    6: [catmull_rom([(0.64, 0.19), (0.50, 0.30), (0.39, 0.47), (0.35, 0.64), (0.41, 0.78),
                     (0.54, 0.81), (0.64, 0.71), (0.62, 0.57), (0.50, 0.52), (0.38, 0.59)])],
    7: [line((0.30, 0.22), (0.70, 0.22), (0.46, 0.82))],
    8: [catmull_rom([(0.62, 0.25), (0.50, 0.20), (0.37, 0.26), (0.38, 0.38), (0.50, 0.48),
                     (0.63, 0.57), (0.67, 0.69), (0.58, 0.80), (0.44, 0.80), (0.33, 0.70),
                     (0.37, 0.57), (0.50, 0.48), (0.61, 0.40), (0.64, 0.30), (0.59, 0.22)])],
    9: [arc(0.50, 0.36, 0.16, 0.145, 0, -360, 48)
        + catmull_rom([(0.66, 0.36), (0.65, 0.55), (0.62, 0.70), (0.58, 0.82)])],
}
"""``{digit: [stroke, ...]}``, each stroke a list of canvas-unit points."""

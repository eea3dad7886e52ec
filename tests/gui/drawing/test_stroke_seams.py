"""No seam inside a stroke: on a large canvas a slow, shaky mouse stroke (one
pixel steps, tremor, a hairpin that runs back over itself) is full ink
everywhere inside, live and after release (within 2 %: 8-bit blending where
the painted pieces overlap; the seams were 10-100 % dark).

QPainter strokes a path by filling its outline with the non-zero rule; where
tiny or reversing segments make that outline wind the other way, the
anti-aliased rasteriser cancels coverage and leaves hairline seams (and even
holes) inside the ink. The canvas avoids such outlines (see
:mod:`gui.drawing.painting`); these tests look at the pixels."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from engine.data.pen_render import draw
from gui.drawing.painting import paint_stroke, smooth_path, stroke_pieces
from gui.drawing.strokes import REFERENCE_SIDE
from gui.tools.mouse import move, press, release

SIDE = 1200
MARGIN_PX = 4.0     # the interior: at least this far inside the pen's edge


@pytest.fixture
def big_canvas(make_canvas):
    widget = make_canvas(SIDE)
    assert widget.image_side() == SIDE
    return widget


def shaky_path(seed: int) -> list[QPointF]:
    """Whole-pixel mouse positions of a slow wavy stroke with hand tremor,
    ending in a hairpin that goes back over the last stretch."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, 1600)
    xs = (0.2 + 0.6 * t) * SIDE + rng.normal(0, 0.6, t.size)
    ys = (0.45 + 0.2 * np.sin(2 * np.pi * t)) * SIDE + rng.normal(0, 0.6, t.size)
    back = np.linspace(0.0, 1.0, 200)
    xs = np.concatenate([xs, xs[-1] - 0.25 * SIDE * back])
    ys = np.concatenate([ys, np.full(back.size, ys[-1])])
    return [QPointF(round(x), round(y)) for x, y in zip(xs, ys)]


def interior(points, pen_px: float) -> np.ndarray:
    """``(SIDE, SIDE)`` bool: pixels at least MARGIN_PX inside the ink of a
    round pen along the centre line the canvas paints for ``points`` (canvas
    units; its smoothed pieces, flattened), measured without QPainter."""
    px = [(x * SIDE, y * SIDE) for x, y in points]
    lines = [np.array([(q.y(), q.x()) for q in polygon])
             for first, last in stroke_pieces(px)
             for polygon in smooth_path(px[first:last + 1], -1, None).toSubpathPolygons()]
    return draw(lines, SIDE, pen_px - 2 * MARGIN_PX) == 255


def test_a_slow_shaky_stroke_has_no_seam_inside(big_canvas):
    path = shaky_path(0)
    press(big_canvas, path[0])
    for pos in path[1:]:
        move(big_canvas, pos)
    live = big_canvas.to_array()
    release(big_canvas, path[-1])
    final = big_canvas.to_array()
    stroke = big_canvas.strokes()[0]
    inside = interior(stroke.points, stroke.width * SIDE)
    assert inside.sum() > 50_000                   # a long, wide stroke
    for image in (live, final):
        assert image[inside].min() >= 250, \
            f"{np.count_nonzero(image[inside] < 250)} pixels inside the stroke are darker than ink"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sharp_turns_and_hairpins_stay_solid(seed):
    """Strokes with random sharp turns, some straight back, painted the way
    the canvas paints them."""
    from PySide6.QtGui import QImage, QPainter
    rng = np.random.default_rng(seed)
    pen = 25 / REFERENCE_SIDE * SIDE
    angle, pos, points = 0.0, np.array([0.5, 0.5]), []
    for _ in range(60):
        angle += rng.choice([0.3, -0.3, 1.8, -1.8, np.pi])
        pos = np.clip(pos + 0.06 * np.array([np.cos(angle), np.sin(angle)]), 0.15, 0.85)
        points.append((float(pos[0]), float(pos[1])))
    image = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_stroke(painter, points, pen, False, SIDE)
    painter.end()
    buf = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    pixels = buf.reshape(SIDE, image.bytesPerLine())[:, :SIDE]
    inside = interior(points, pen)
    assert pixels[inside].min() >= 250, \
        f"{np.count_nonzero(pixels[inside] < 250)} pixels inside the stroke are darker than ink"

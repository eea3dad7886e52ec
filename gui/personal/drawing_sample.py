"""Which drawings may become a handwriting sample, and what is kept of them.

Only a digit the person drew by hand counts: not a "make it a ..." preview,
not a placed MNIST test digit (alone or with strokes drawn over it), not an
empty or too faint canvas, and not the plain-resize framing (a sample is the
network input as the network normally sees a drawing: framed like MNIST).
:func:`sample_problem` says why a result cannot be added (None: it can).

What is kept (:func:`drawing_sample`): the network input of the result,
``(1, 28, 28)`` float32 in [0, 1], and the ink strokes as ``(n, 2)`` float32
points in canvas fractions (``(0, 0)`` top-left, ``(1, 1)`` bottom-right,
clipped to the square; eraser strokes are not kept).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtGui import QImage, QPainter

from ..drawing.canvas import DrawingCanvas
from ..drawing.painting import grey_pixels, paint_actions
from ..state.prediction import PredictionResult

EMPTY = "Draw a digit first: only your own drawings can teach it your handwriting."
PREVIEW = "A changed preview is shown, not your drawing: press Esc or draw to go back."
PLACED = "A placed MNIST digit is not your handwriting: draw a digit yourself."
PLAIN = ("Plain resize is on: samples are kept as the network normally sees a drawing. "
         "Switch plain resize off (View menu) to add it.")
DRAWING = "Finish the stroke first."
#: Ink on the canvas that no stroke explains (share of the pixels): a placed digit under strokes.
FOREIGN_INK = 0.002


def sample_problem(result: PredictionResult, canvas: DrawingCanvas,
                   has_foreign_ink: Callable[[DrawingCanvas], bool] | None = None) -> str | None:
    """Why ``result`` (the newest prediction) cannot be added as a sample, or None.

    ``has_foreign_ink`` answers :func:`foreign_ink` for the canvas (default:
    that function; an owner of the drawing may answer it from a cache, as it
    costs a repaint of every stroke)."""
    if result.preview:
        return PREVIEW
    if result.framing == "exact":
        return PLACED
    if canvas.is_drawing():
        return DRAWING
    if result.empty or result.image is None:
        return result.problem or EMPTY
    if result.framing != "mnist":
        return PLAIN
    if (foreign_ink if has_foreign_ink is None else has_foreign_ink)(canvas):
        return PLACED
    return None


def ink_strokes(canvas: DrawingCanvas) -> list[np.ndarray]:
    """The canvas's visible ink strokes as ``(n, 2)`` float32 arrays of points
    in canvas fractions, clipped to [0, 1] (eraser strokes left out)."""
    out = []
    for stroke in canvas.strokes():
        if stroke.erase or not stroke.points:
            continue
        out.append(np.clip(np.asarray(stroke.points, np.float32).reshape(-1, 2), 0.0, 1.0))
    return out


def drawing_sample(result: PredictionResult, canvas: DrawingCanvas) -> tuple[np.ndarray, list]:
    """``(image (1, 28, 28) float32, strokes)`` of a result :func:`sample_problem`
    accepts (see the module docstring)."""
    image = np.array(result.image, dtype=np.float32, copy=True)[None]
    return image, ink_strokes(canvas)


def foreign_ink(canvas: DrawingCanvas) -> bool:
    """True when the canvas shows ink its strokes do not paint (a placed image
    under them): the strokes are painted alone, exactly as the canvas paints
    them, and compared."""
    shown = canvas.to_array()                       # (S, S) uint8
    side = shown.shape[0]
    image = QImage(side, side, QImage.Format.Format_Grayscale8)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_actions(painter, [tuple(canvas.strokes())], side)
    painter.end()
    alone = grey_pixels(image)
    extra = np.count_nonzero((shown > 127) & (alone < 64))
    return extra > FOREIGN_INK * side * side

"""The NumPy round pen (:mod:`engine.data.pen_render`, used offline by
``python -m engine.tools.stroke_replay``) draws what the app's canvas draws:
the same strokes through :func:`gui.drawing.painting.paint_stroke` on an
anti-aliased Grayscale8 QImage differ by a fraction of a grey level on
average and give the same prediction.

The two differ by design at sharp corners: the canvas smooths a stroke with
quadratic curves through the segment midpoints, which cuts the corners of the
sparse (RDP-simplified) polylines (turns of up to 90 degrees; sharper ones
start a new piece of the stroke and stay sharp, see gui.drawing.painting);
about 2/3 of the difference goes when the polylines are densified to 4 px
steps.

Thresholds, measured on test digits 0-23 (and on digits 0-999), canvas mean
absolute difference in grey levels (0-255):

==========  ===============  ================  ===============  ===========
side / pen  mean, 24 digits  worst, 24 digits  mean, 1000       worst, 1000
==========  ===============  ================  ===============  ===========
280 / 25    0.32             0.72              0.33             0.90
280 / 12    0.35             0.78              0.36             0.98
400 / 40    0.26             0.61              0.26             0.77
==========  ===============  ================  ===============  ===========

Model-input mean absolute difference: 0.006-0.010 (worst digit 0.09); same
prediction 24/24 for each, 2999/3000 on the 1000 digits. A NumPy pen 0.5 px
too wide already gives a mean of 0.55-0.73, 1 px 0.9-1.3.
"""
from __future__ import annotations

import numpy as np
import pytest

from engine import load_model
from engine.data.pen_render import draw, pen_px, place, random_slants
from engine.data.pen_strokes import extract_strokes
from engine.data.preprocess import to_model_input

N_DIGITS = 24
MAX_MEAN_DIFF = 0.6  # grey levels, mean over digits (measured <= 0.36)
MAX_DIGIT_DIFF = 1.5  # grey levels, any one digit (measured <= 0.98)
MAX_INPUT_DIFF = 0.02  # model input, mean over digits (measured <= 0.010)
MAX_DISAGREEMENTS = 1  # of N_DIGITS (measured 0)


def draw_with_qpainter(lines, side: int, pen: float) -> np.ndarray:
    """Strokes (row, col canvas pixels) painted by the app's code -> (side, side) uint8."""
    from PySide6.QtGui import QImage, QPainter

    from gui.drawing.painting import paint_stroke
    img = QImage(side, side, QImage.Format.Format_Grayscale8)
    img.fill(0)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for p in lines:
        paint_stroke(painter, [(c / side, r / side) for r, c in p], pen, False, side)  # canvas units (x, y)
    painter.end()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * side)
    return buf.reshape(side, img.bytesPerLine())[:, :side].copy()


@pytest.fixture(scope="module")
def strokes(mnist_data):
    return extract_strokes(np.asarray(mnist_data.test_images[:N_DIGITS]))


@pytest.mark.parametrize("side, pen_ref", [(280, 25.0), (280, 12.0), (400, 40.0)])
def test_numpy_pen_matches_the_canvas_painting(qapp, strokes, side, pen_ref):
    model = load_model()
    pen = pen_px(pen_ref, side)
    slants = random_slants(np.random.default_rng(0), N_DIGITS)
    canvas_diff, input_diff, disagreements = [], [], []
    for i, digit in enumerate(strokes):
        rng = np.random.default_rng([1, i])
        lines = place(digit, side, pen, rng.uniform(0.4, 0.85), slants[i], rng)
        ours, app = draw(lines, side, pen), draw_with_qpainter(lines, side, pen)
        assert app.max() == 255 and app.shape == ours.shape
        canvas_diff.append(np.abs(ours.astype(int) - app.astype(int)).mean())
        x_ours, x_app = to_model_input(ours), to_model_input(app)
        input_diff.append(np.abs(x_ours - x_app).mean())
        if model.predict_proba(x_ours).argmax() != model.predict_proba(x_app).argmax():
            disagreements.append(i)
    worst = int(np.argmax(canvas_diff))
    assert np.mean(canvas_diff) < MAX_MEAN_DIFF, np.round(canvas_diff, 2)
    assert canvas_diff[worst] < MAX_DIGIT_DIFF, f"digit {worst}: {canvas_diff[worst]:.2f}"
    assert np.mean(input_diff) < MAX_INPUT_DIFF
    assert len(disagreements) <= MAX_DISAGREEMENTS, f"different predictions for digits {disagreements}"

"""A thin colour scale with numbers: which value each colour of a map stands for.

One line: ``-2.1 [blue … 0 … red] 2.1`` for a diverging map, ``0 [black …
yellow] 2.2`` for a sequential one, and, when every map is scaled to its own
peak, ``each map: -peak [… 0 …] +peak``. The numbers are the levels the image
was coloured with, rounded to two significant digits; the widget repaints only
when the rounded text changes, so it costs nothing while panels are re-rendered
~20 times a second during drawing. All text is painted as plain text.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .plain_text import plain_tooltip

#: Narrowest gradient (pixels) before the "each map" prefix is dropped.
MIN_GRADIENT = 24
#: Widest gradient (pixels): a wide panel does not get a long stripe.
MAX_GRADIENT = 160


def short_number(value: float) -> str:
    """``value`` with two significant digits, without an exponent between
    0.001 and 10,000: ``2.2``, ``0.093``, ``140``, ``3.1e+05``; ``-`` is the
    minus sign U+2212 (the hyphen is too short to read next to a bar)."""
    v = float(value)
    if not math.isfinite(v):
        return "?"
    a = abs(v)
    if a == 0.0:
        text = "0"
    elif a >= 1e4 or a < 1e-3:
        text = f"{v:.1e}"
    elif a >= 100:
        text = f"{v:.0f}"
    else:
        text = f"{v:.2g}"
    return text.replace("-", "\u2212")


def scale_texts(levels: tuple[float, float], each: bool = False) -> tuple[str, str, str, str]:
    """``(prefix, low, middle, high)`` written on the bar for colour ``levels``
    ``(lo, hi)``: diverging (``lo < 0``) ``("", "-m", "0", "m")``, sequential
    ``("", "0", "", "max")``; ``each=True`` (every map scaled to its own
    peak): ``("each map:", "-max", "0", "+max")`` / ``("each map:", "0", "", "max")``."""
    lo, hi = float(levels[0]), float(levels[1])
    signed = lo < 0.0
    if each:
        return ("each map:", "\u2212max" if signed else "0", "0" if signed else "", "+max" if signed
                else "max")
    return ("", short_number(lo), "0" if signed else "", short_number(hi))


class ColourBar(QWidget):
    """One line: low number, a gradient of the colour map, high number (and a
    ``0`` in the middle of a diverging gradient).

    :meth:`set_scale` takes the levels and the ``(256, 4)`` index LUT the
    image was drawn with (:mod:`gui.widgets.theme`: entry 0 transparent,
    1..255 the ramp). Text colours come from the palette (muted for the
    numbers)."""

    def __init__(self, align_right: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self._align_right = align_right
        self._texts: tuple[str, str, str, str] = ("", "", "", "")
        self._lut: np.ndarray | None = None
        self._ramp: QImage | None = None
        self._mid_dark = False      # the gradient's middle colour is dark: light "0"
        font = self.font()
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.85))
        self.setFont(font)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 2)

    # ------------------------------------------------------------------ API
    def texts(self) -> tuple[str, str, str, str]:
        """``(prefix, low, middle, high)`` as shown (see :func:`scale_texts`)."""
        return self._texts

    def set_scale(self, levels: tuple[float, float] | None, lut: np.ndarray | None,
                  each: bool = False) -> None:
        """Show the scale of an image coloured with ``lut`` over ``levels``
        (``None``: nothing shown). Repaints only when the rounded numbers or
        the colour map change."""
        texts = ("", "", "", "") if levels is None or lut is None else scale_texts(levels, each)
        changed = texts != self._texts
        if lut is not None and lut is not self._lut:
            self._set_lut(lut)
            changed = True
        if changed:
            self._texts = texts
            self._update_tooltip()
            self.update()

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        prefix, low, _, high = self._texts
        words = fm.horizontalAdvance(f"{prefix} {low}  {high}")
        return QSize(words + MAX_GRADIENT // 2, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.height())

    # ------------------------------------------------------------- internals
    def _set_lut(self, lut: np.ndarray) -> None:
        self._lut = lut
        ramp = np.ascontiguousarray(lut[1:, :3])                 # (255, 3) uint8 RGB
        self._ramp = QImage(ramp.tobytes(), len(ramp), 1, 3 * len(ramp),
                            QImage.Format.Format_RGB888).copy()
        r, g, b = (int(v) for v in lut[128, :3])
        self._mid_dark = 0.299 * r + 0.587 * g + 0.114 * b < 128

    def _update_tooltip(self) -> None:
        prefix, low, middle, high = self._texts
        if not low:
            self.setToolTip("")
        elif prefix:
            self.setToolTip("Colour scale: each map is scaled to its own largest value, so the "
                            "colours compare places within a map, not between maps.")
        else:
            zero = ", the middle colour 0" if middle else ""
            self.setToolTip(plain_tooltip(f"Colour scale: the left colour stands for {low} or "
                                          f"less{zero}, the right colour for {high} or more."))

    def paintEvent(self, event) -> None:
        prefix, low, middle, high = self._texts
        if not low or self._ramp is None:
            return
        p = QPainter(self)
        fm = self.fontMetrics()
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        h = self.height()
        left_w, right_w = fm.horizontalAdvance(low), fm.horizontalAdvance(high)
        pad = 4
        prefix_w = fm.horizontalAdvance(prefix + " ") if prefix else 0
        room = self.width() - left_w - right_w - 2 * pad
        if prefix and room - prefix_w < MIN_GRADIENT:
            prefix, prefix_w = "", 0
        bar_w = max(8, min(MAX_GRADIENT, room - prefix_w))
        total = prefix_w + left_w + bar_w + right_w + 2 * pad
        x = max(0, self.width() - total) if self._align_right else 0
        p.setPen(muted)
        if prefix:
            p.drawText(QRect(x, 0, prefix_w, h), Qt.AlignmentFlag.AlignVCenter, prefix)
            x += prefix_w
        p.drawText(QRect(x, 0, left_w, h), Qt.AlignmentFlag.AlignVCenter, low)
        x += left_w + pad
        bar = QRectF(x, 2.5, bar_w, h - 5)
        p.drawImage(bar, self._ramp)
        p.setPen(QPen(muted, 1.0))
        p.drawRect(bar.adjusted(-0.5, -0.5, 0.5, 0.5))
        if middle and bar_w >= fm.horizontalAdvance(middle) + 6:
            p.setPen(QColor("#f2f2f2") if self._mid_dark else QColor("#202020"))
            p.drawText(bar, Qt.AlignmentFlag.AlignCenter, middle)
        p.setPen(muted)
        p.drawText(QRect(int(bar.right()) + pad, 0, right_w + 2, h),
                   Qt.AlignmentFlag.AlignVCenter, high)
        p.end()

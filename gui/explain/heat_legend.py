"""A one-line key to the saliency overlay's colours, for under the network
input: the method's short name and its colours (signed maps: blue "−" and
red "+"; non-negative maps: a ramp from clear to yellow over black, as the overlay
lies over the input's black background), painted as plain text."""
from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.explain import METHOD_INFO

from .heat_colours import MAX_ALPHA, NEGATIVE, POSITIVE, WARM_HIGH, WARM_LOW

SHORT_NAMES = {"gradient": "Gradient", "gradient_x_input": "Grad×input",
               "smoothgrad": "SmoothGrad", "gradcam": "Grad-CAM", "occlusion": "Occlusion"}
"""Names that fit under a narrow picture (the menus use ``METHOD_INFO`` labels)."""


def short_name(method: str) -> str:
    """A short name of a saliency method (its ``METHOD_INFO`` label if it has none)."""
    return SHORT_NAMES.get(method) or METHOD_INFO[method].label


def legend_text(method: str) -> str:
    """What the colours mean, in words, e.g. ``"Gradient: red +, blue −"``."""
    if METHOD_INFO[method].signed:
        return f"{short_name(method)}: red +, blue −"
    return f"{short_name(method)}: yellow = strongest"


class HeatLegend(QWidget):
    """``set_method(method | None)``: the key for that method's colours (None: blank)."""

    swatch = 10        # side of a colour square (px)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._method: str | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 2)

    def method(self) -> str | None:
        return self._method

    def set_method(self, method: str | None) -> None:
        if method is not None and method not in METHOD_INFO:
            raise ValueError(f"unknown saliency method {method!r}")
        if method != self._method:
            self._method = method
            self.update()

    def text(self) -> str:
        """The key in words (empty when no method is shown)."""
        return "" if self._method is None else legend_text(self._method)

    def sizeHint(self) -> QSize:
        return QSize(120, self.height())

    def paintEvent(self, event) -> None:
        if self._method is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        s, y = self.swatch, (self.height() - self.swatch) / 2.0
        key_width = 2 * s + fm.horizontalAdvance("−+") + 8 if METHOD_INFO[self._method].signed \
            else 3 * s
        x = self.width() - key_width
        p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        name = fm.elidedText(short_name(self._method), Qt.TextElideMode.ElideRight,
                             max(0, int(x) - 6))
        p.drawText(QRectF(0, 0, max(0.0, x - 6), self.height()),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        if METHOD_INFO[self._method].signed:
            for rgb, sign in ((NEGATIVE, "−"), (POSITIVE, "+")):
                p.fillRect(QRectF(x, y, s, s), QColor(*rgb, MAX_ALPHA))
                x += s + 1
                p.drawText(QRectF(x, 0, fm.horizontalAdvance(sign) + 2, self.height()),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, sign)
                x += fm.horizontalAdvance(sign) + 4
        else:
            ramp = QLinearGradient(x, 0, x + 3 * s, 0)
            ramp.setColorAt(0.0, QColor(*WARM_LOW, 0))
            ramp.setColorAt(1.0, QColor(*WARM_HIGH, MAX_ALPHA))
            box = QRectF(x, y, 3 * s, s)
            # over black, as the overlay lies over the input's black background:
            # its clear end reads as "nothing", not as the panel's colour
            p.fillRect(box, QColor(0, 0, 0))
            p.fillRect(box, ramp)
        p.end()

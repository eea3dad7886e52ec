"""The teacher's remarks on the run, above the dynamics plots: one line per
:class:`engine.training.dynamics_report.DynamicsWarning` (a marker, what is
wrong, the layer, the step, the message cut to the line), the whole message
in its tooltip; a click on a line chooses its layer.

Nothing is shown without warnings, until enough samples have arrived to say
so: then one muted line, "No warnings: gradients and updates look healthy".
Every text is painted as plain text (a message may quote a layer name from
a model file). The warnings are given (the engine's ``diagnose``): nothing
is judged here.
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from engine.training.dynamics_report import DynamicsWarning

from ..widgets.plain_text import plain_tooltip
from ..widgets.text_line import TextLine
from ..widgets.theme import LIGHT, Theme

#: Marker and title of each kind of warning.
KINDS = {"exploding": ("\u25b2", "Exploding gradients"),
         "vanishing": ("\u25bc", "Vanishing gradients"),
         "dead": ("\u2715", "Dead units"),
         "lr_too_high": ("\u26a0", "Learning rate too high"),
         "lr_too_low": ("\u26a0", "Learning rate too low")}
#: Most warning lines shown; the rest are summed up in one more line.
MAX_LINES = 3
#: Samples needed before the strip says that all looks healthy (the engine
#: samples steps 1-3, then every 200th: this is step 400 of such a run).
HEALTHY_AFTER = 5
HEALTHY_TEXT = "No warnings: gradients and updates look healthy"
PADDING = 6          # px left and right of a line's text
MARKER_GAP = 6       # px between the marker and the text


def warning_text(warning: DynamicsWarning) -> tuple[str, str, str]:
    """``(marker, one-line text, tooltip text)`` of ``warning`` (plain text)."""
    marker, title = KINDS.get(warning.kind, ("\u26a0", warning.kind.replace("_", " ")))
    where = warning.layer if warning.layer is not None else "whole network"
    line = f"{title} \u00b7 {where} \u00b7 step {warning.step:,}: {warning.message}"
    tip = f"{title} ({where}, step {warning.step:,})\n{warning.message}"
    return marker, line, tip


class WarningLine(QWidget):
    """One remark: a coloured marker, then the text (elided to the width),
    on the banner colour; ``sigClicked(layer)`` on a left click when it
    concerns a layer."""

    sigClicked = Signal(str)

    def __init__(self, marker: str, text: str, tip: str, layer: str | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dynamicsWarning")
        self._marker, self._text, self.layer = marker, text, layer
        self._colours = (QColor(LIGHT.banner), QColor(LIGHT.banner_text), QColor(LIGHT.positive))
        self.setToolTip(plain_tooltip(tip))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().height() + 6)
        if layer is not None:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def text(self) -> str:
        return self._text

    def marker(self) -> str:
        return self._marker

    def set_colours(self, theme: Theme) -> None:
        self._colours = (QColor(theme.banner), QColor(theme.banner_text), QColor(theme.positive))
        self.update()

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(2 * PADDING + fm.horizontalAdvance(self._marker) + MARKER_GAP
                     + fm.horizontalAdvance(self._text), self.height())

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.layer is not None:
            self.sigClicked.emit(self.layer)
            event.accept()
            return
        super().mousePressEvent(event)

    def paintEvent(self, event) -> None:
        background, text, mark = self._colours
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(background)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0, 1, 0, -1), 4, 4)
        fm = self.fontMetrics()
        x = PADDING
        p.setPen(mark)
        p.drawText(self.rect().adjusted(x, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self._marker)
        x += fm.horizontalAdvance(self._marker) + MARKER_GAP
        p.setPen(text)
        shown = fm.elidedText(self._text, Qt.TextElideMode.ElideRight,
                              max(0, self.width() - x - PADDING))
        p.drawText(self.rect().adjusted(x, 0, -PADDING, 0), Qt.AlignmentFlag.AlignVCenter, shown)
        p.end()


class WarningsStrip(QWidget):
    """The remarks (:meth:`set_warnings`), or the healthy line once
    :meth:`set_samples` reports :data:`HEALTHY_AFTER` samples, or nothing
    (hidden). ``sigLayerClicked(name)``: a remark about a layer was clicked."""

    sigLayerClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("warningsStrip")
        self._warnings: list[DynamicsWarning] = []
        self._samples = 0
        self._theme: Theme = LIGHT
        self.lines: list[WarningLine] = []
        self.healthy = TextLine(HEALTHY_TEXT, muted=True)
        self.healthy.setObjectName("healthyLine")
        self.healthy.setToolTip("The run so far shows no exploding or vanishing gradients, no "
                                "dead layer and a learning rate in the healthy range")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.healthy)
        self._update_visible()

    # ------------------------------------------------------------------ API
    def set_warnings(self, warnings: Sequence[DynamicsWarning]) -> None:
        """Show ``warnings`` (in the given order; at most :data:`MAX_LINES`
        lines, then one line counting the others, their messages in its tooltip)."""
        warnings = list(warnings)
        if warnings == self._warnings:
            return
        self._warnings = warnings
        for line in self.lines:
            self._layout.removeWidget(line)
            line.deleteLater()
        self.lines = []
        shown = warnings if len(warnings) <= MAX_LINES else warnings[:MAX_LINES - 1]
        for warning in shown:
            marker, text, tip = warning_text(warning)
            self._add_line(WarningLine(marker, text, tip, warning.layer))
        rest = warnings[len(shown):]
        if rest:
            tip = "\n\n".join(warning_text(w)[2] for w in rest)
            self._add_line(WarningLine("\u2026", f"{len(rest)} more warnings (hover to read them)",
                                       tip, None))
        self._update_visible()

    def set_samples(self, count: int) -> None:
        """``count`` samples have arrived (the healthy line needs :data:`HEALTHY_AFTER`)."""
        if count != self._samples:
            self._samples = count
            self._update_visible()

    def clear(self) -> None:
        self.set_warnings([])
        self.set_samples(0)

    @property
    def warnings(self) -> list[DynamicsWarning]:
        return list(self._warnings)

    def texts(self) -> list[str]:
        """The lines shown (the healthy line included), top to bottom."""
        texts = [line.text() for line in self.lines]
        if self.healthy.isVisibleTo(self):
            texts.append(self.healthy.text())
        return texts

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        for line in self.lines:
            line.set_colours(theme)

    # -------------------------------------------------------------- helpers
    def _add_line(self, line: WarningLine) -> None:
        line.set_colours(self._theme)
        line.sigClicked.connect(self.sigLayerClicked)
        self._layout.insertWidget(len(self.lines), line)
        self.lines.append(line)

    def _update_visible(self) -> None:
        healthy = not self._warnings and self._samples >= HEALTHY_AFTER
        self.healthy.setVisible(healthy)
        self.setVisible(healthy or bool(self._warnings))

"""One layer of the step, in one row::

    [dL/d output of conv1: the gradient maps]  [K gradient]  [K update]
    conv1.K: update / weights = 1.2e-3 · conv1.b: 4.0e-3

The gradient flowing into the layer's output is tiled like the activation
panels (:class:`~gui.inspect.layer_panels.FeatureMapPanel` for ``(C, H, W)``,
:class:`~gui.inspect.layer_panels.VectorPanel` for ``(F,)``), on the diverging
colour scale centred on 0, with its largest magnitude in a note. A layer with
weights also shows each weight array's gradient and the update the step
applied (:class:`~gui.backprop.param_panel.ParamPanel`), and how large the
update was next to the weights (``||update|| / ||weights||``; around 1e-3 is
the usual rule of thumb for a training step).

For the step walk (:mod:`gui.backprop.step_walk`) a row can be outlined as
the walk's current layer or as the layer whose value the formula computes
(:meth:`LayerRow.set_role`), mark the selected position (:meth:`LayerRow.mark`)
and reports clicks on its values (``sigPositionClicked(layer, position)``).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from engine import StepTrace

from ..inspect.layer_panels import FeatureMapPanel, VectorPanel
from ..widgets.colour_bar import short_number
from ..widgets.fit_text import FitText
from ..widgets.theme import LIGHT, Theme
from .param_panel import ParamPanel

#: Height (px) of a row whose gradient is a stack of maps.
MAP_ROW_HEIGHT = 190
#: Height (px) of the weight pictures of a row whose gradient is a vector.
VECTOR_PARAM_HEIGHT = 96

GRAD_TIP = ("How the loss changes with each value this layer outputs (dL/d output), for this "
            "drawing: red means a larger value would raise the loss, blue would lower it. "
            "This is the gradient flowing back through the layer.")
PARAM_GRAD_TIP = ("The gradient of the loss with respect to each weight: which way and how "
                  "strongly each weight pushes the loss up.")
UPDATE_TIP = ("The change the step applied to each weight (−learning rate × gradient, plus "
              "momentum if any): new weight minus old weight.")


def update_ratio(update: np.ndarray, before: np.ndarray) -> float:
    """``||update|| / ||weights before||`` (display figure; inf for zero weights)."""
    w = float(np.linalg.norm(before))
    u = float(np.linalg.norm(update))
    return u / w if w > 0 else (0.0 if u == 0 else float("inf"))


class LayerRow(QWidget):
    """The row of one layer (see the module docstring).

    :param name: the layer's name
    :param kind: its type, e.g. ``"Conv2D"``
    :param shape: its output shape for one sample
    :param params: ``{"conv1.K": shape, "conv1.b": shape}`` of its parameters
    :param output: the network's last layer (its gradient is softmax − one-hot)

    ``grad_panel``, ``param_panels`` (``{"conv1.K": (gradient, update)}``, weight
    arrays of two or more dimensions), ``ratios`` (the text line), ``role`` and
    ``marked`` (see :meth:`set_role`, :meth:`mark`) are public.
    Signal: ``sigPositionClicked(layer name, position tuple)``.
    """

    sigPositionClicked = Signal(str, object)

    def __init__(self, name: str, kind: str, shape: tuple[int, ...],
                 params: dict[str, tuple[int, ...]], output: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.name, self.kind, self.shape = name, kind, tuple(shape)
        self.output = output
        self.params = dict(params)
        self.role: str | None = None
        self.marked: tuple[int, ...] | None = None
        self._theme = LIGHT
        column = QVBoxLayout(self)
        column.setContentsMargins(3, 3, 3, 3)
        column.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(6)
        maps = len(self.shape) == 3
        tip = f"{name} ({kind}): {GRAD_TIP}"
        if maps:
            self.grad_panel = FeatureMapPanel(name, self.shape, True, tip)
            self.grad_panel.view.sigClicked.connect(self._map_clicked)
            self.grad_panel.view.sigResized.connect(self._show_mark)   # after its own re-tiling
        else:
            self.grad_panel = VectorPanel(name, int(np.prod(self.shape)), True, tip)
            self.grad_panel.sigUnitClicked.connect(
                lambda _name, unit: self.sigPositionClicked.emit(self.name, (int(unit),)))
        row.addWidget(self.grad_panel, 2)
        self.param_panels: dict[str, tuple[ParamPanel, ParamPanel]] = {}
        for pname, pshape in self.params.items():
            if len(pshape) < 2:
                continue
            short = pname.split(".", 1)[-1]
            pair = (ParamPanel(f"{short} gradient", pshape, f"{pname}: {PARAM_GRAD_TIP}"),
                    ParamPanel(f"{short} update", pshape, f"{pname}: {UPDATE_TIP}"))
            for panel in pair:
                if not maps:
                    panel.setFixedHeight(VECTOR_PARAM_HEIGHT)
                row.addWidget(panel, 1)
            self.param_panels[pname] = pair
        column.addLayout(row, 1)
        self.ratios = FitText()
        self.ratios.setObjectName("panelNote")
        column.addWidget(self.ratios)
        self.ratios.setVisible(bool(self.params))     # (in the layout first: never a window)
        if maps:
            self.setFixedHeight(MAP_ROW_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.grad_panel.apply_theme(theme)
        for pair in self.param_panels.values():
            for panel in pair:
                panel.apply_theme(theme)
        self._show_mark()
        self.update()

    # ------------------------------------------------------------ the walk
    def set_role(self, role: str | None) -> None:
        """Outline the row: ``"current"`` (the walk's layer: a solid accent
        frame), ``"target"`` (where the formula's value is: a dashed one), None."""
        if role != self.role:
            self.role = role
            self.update()

    def mark(self, position: tuple[int, ...] | None) -> None:
        """Outline the value at ``position`` of the gradient shown (None: none)."""
        self.marked = None if position is None else tuple(int(v) for v in position)
        self._show_mark()

    def _show_mark(self) -> None:
        panel, where = self.grad_panel, self.marked
        if where is None or panel.array is None:
            panel.view.set_highlight(None)
            return
        if isinstance(panel, VectorPanel):
            y, x = panel.unit_origin(where[0])
            rect = QRectF(x, y, 1, 1)
        else:
            y, x = panel.tiles.origin(where[0])
            rect = QRectF(x + where[2], y + where[1], 1, 1)
        # the text colour: the accent is as blue as the gradient's negative values
        panel.view.set_highlight(rect, self._theme.qcolor("text"))

    def _map_clicked(self, y: float, x: float) -> None:
        hit = self.grad_panel.tiles.locate(y, x)
        if hit is not None:
            self.sigPositionClicked.emit(self.name, tuple(int(v) for v in hit))

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.role is None:
            return
        accent = self._theme.qcolor("accent")
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        current = self.role == "current"
        pen = QPen(accent, 2.0 if current else 1.5)
        pen.setStyle(Qt.PenStyle.SolidLine if current else Qt.PenStyle.DashLine)
        p.setPen(pen)
        fill = QColor(accent)
        fill.setAlpha(28 if current else 0)
        p.setBrush(fill)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 6, 6)
        p.end()

    def show_step(self, trace: StepTrace | None) -> None:
        """Show this layer's part of ``trace`` (None: nothing)."""
        grad = None if trace is None else trace.activation_grads.get(self.name)
        self.grad_panel.set_array(grad)
        if grad is None:
            self.grad_panel.set_note()
        else:
            peak = short_number(float(np.max(np.abs(grad))) if grad.size else 0.0)
            if self.output:
                self.grad_panel.set_note(
                    f"dL/d score = probabilities − one-hot({trace.label}) · largest |value| "
                    f"{peak}", f"probabilities − one-hot({trace.label})", "p − onehot")
            else:
                self.grad_panel.set_note(f"dL/d output · largest |value| {peak}",
                                         f"max |dL/da| {peak}", peak)
        self._show_mark()
        for pname, (grad_panel, update_panel) in self.param_panels.items():
            grad_panel.set_array(None if trace is None else trace.param_grads[pname])
            update_panel.set_array(None if trace is None else trace.updates[pname])
        if trace is None or not self.params:
            self.ratios.set_variants(())
            return
        parts = [(p, update_ratio(trace.updates[p], trace.before[p])) for p in self.params]
        self.ratios.set_variants((
            "update size / weight size:  " + " · ".join(
                f"{p} {short_number(r)}" for p, r in parts),
            " · ".join(f"{p.split('.', 1)[-1]} {short_number(r)}" for p, r in parts)))


__all__ = ["LayerRow", "update_ratio"]

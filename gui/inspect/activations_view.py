"""One panel per layer of whatever model is loaded, showing what that layer
outputs for the current drawing.

* ``(C, H, W)`` outputs (convolution, ReLU, pooling, dropout after them): all
  ``C`` feature maps tiled in *one* ``ImageItem``; the grid re-flows to fill
  the panel. Click a map to inspect it beside its kernel and what it wants;
  hover a map position to see the arithmetic behind it in the inspector (and
  ``sigReceptiveField`` announces the input pixels it depends on).
* ``(F,)`` outputs with many units (flatten, hidden dense layers): a heat
  strip, wrapped onto a few rows when long; click a unit to inspect it.
* small ``(F,)`` outputs (the logits): labelled bars; plus a final *softmax*
  panel with the probabilities (a click on either inspects that class's score).

A strip above the inspector (:class:`~gui.inspect.layer_strip.LayerNoteStrip`)
explains the layer under the mouse, or else the layer of the map in the
inspector (:func:`~gui.inspect.layer_notes.describe_layer`; also each panel's
tooltip). It takes its height from the room the inspector does not need (the
panels' column has none to spare: at 1240x760 every panel shows without
scrolling), as many lines as the longest explanation needs when there is
room, at least two.

The panels themselves are in :mod:`gui.inspect.layer_panels`. "Normalise
each map" rescales every map to its own peak (display only). Panels are built
from ``model.layer_shapes()`` and what each layer tells about its output
(signed or not, keeps channels), so they follow any architecture.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from engine import Model

from ..state.prediction import PredictionResult
from ..widgets.panel import Panel
from ..widgets.theme import LIGHT, Theme
from .inspector_view import WIDTH, InspectorView
from .layer_notes import describe_layer, panel_note
from .layer_panels import BarsPanel, FeatureMapPanel, VectorPanel
from .layer_strip import LayerNoteStrip

BARS_MAX_UNITS = 16      # vectors up to this size are drawn as labelled bars


OUTPUT_PANEL = "output.softmax"
"""Key of the extra panel showing the output probabilities (layer names
cannot contain a dot, so it never collides with a layer)."""

OUTPUT_NOTE = ("Softmax turns the last layer's scores into probabilities that add up to "
               "100 %; the tallest bar is the answer.")
NO_LAYER_NOTE = "Hover a panel to read what its layer does; click a map to inspect it."
INSPECTOR_MAX_WIDTH = 440
INSPECTOR_ROOM = 470
"""Height (pixels) the inspector keeps (map, kernel and their text uncrowded);
the explanation strip above it gets the rest."""


def inspector_width(view_width: int) -> int:
    """The inspector's width (px) in a view ``view_width`` px wide: its
    minimum (:data:`~gui.inspect.inspector_view.WIDTH`) up to a 1000 px view,
    then 40 % of every further pixel, at most :data:`INSPECTOR_MAX_WIDTH`
    (large windows enlarge the map you inspect, not only the tiles)."""
    return int(min(INSPECTOR_MAX_WIDTH, WIDTH + max(0, view_width - 1000) * 0.4))


class ActivationsView(QWidget):
    """Scrollable stack of layer panels next to the :class:`InspectorView`.

    ``panels`` maps layer name -> panel (plus :data:`OUTPUT_PANEL`); each panel
    has ``.shape`` (one sample's output shape) and ``.array`` (the last output
    shown, or None when the canvas is empty). ``notes`` maps the same keys to
    the layer's explanation, shown in ``note_strip``.
    """

    sigMapSelected = Signal(str, int)
    sigUnitSelected = Signal(str, int)        # a map or a unit was selected (after the inspector)
    sigReceptiveField = Signal(object)        # (top, left, bottom, right) input pixels, or None

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = LIGHT
        self.model: Model | None = None
        self.panels: dict[str, Panel] = {}
        self.normalise_each = False
        self.notes: dict[str, str] = {}
        self._hovered: str | None = None       # the panel under the mouse
        self._inspected: str | None = None     # the layer of the map in the inspector
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.scroll, 1)
        self.inspector = InspectorView()
        self.note_strip = LayerNoteStrip(max_lines=8)
        self.note_strip.setFixedWidth(WIDTH)
        side = QVBoxLayout()          # the strip above the inspector, as wide as it
        side.setSpacing(6)
        side.addWidget(self.note_strip)
        side.addWidget(self.inspector, 1)
        layout.addLayout(side)
        self._content: QWidget | None = None
        self.sigMapSelected.connect(self.inspector.select)
        self.inspector.sigReceptiveField.connect(self.sigReceptiveField)

    # ------------------------------------------------------------------ API
    def set_model(self, model: Model) -> None:
        """Rebuild the panels for ``model``'s architecture (arrays start empty)."""
        self.model = model
        self.panels = {}
        self.notes = {}
        self._hovered = self._inspected = None
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 2, 0)
        column.setSpacing(6)
        shapes = model.layer_shapes()
        signs = model.output_signs()
        prev_shape, prev_name = model.input_shape, "input"
        row: QHBoxLayout | None = None
        row_kind = None
        for index, (layer, (name, shape)) in enumerate(zip(model.layers, shapes)):
            signed = signs[name]
            tip = describe_layer(model, index)
            if len(shape) == 3:
                panel = FeatureMapPanel(name, shape, signed, tip)
                panel.sigMapClicked.connect(self.select_map)
                panel.sigUnitHovered.connect(self.inspector.hover_unit)
                panel.sigUnitLeft.connect(self.inspector.end_hover)
                # a layer that makes new maps (not one that keeps channels) starts a row
                if row is None or row_kind != "maps" or not layer.keeps_channels \
                        or row.count() >= 4:
                    row, row_kind = QHBoxLayout(), "maps"
                    row.setSpacing(6)
                    column.addLayout(row, 1)
                row.addWidget(panel, 1)
            elif len(shape) == 1 and shape[0] <= BARS_MAX_UNITS:
                panel = BarsPanel(name, shape[0], signed, tip,
                                  subtitle=f"{shape[0]} classes" if index == len(shapes) - 1
                                  else None)
                panel.sigUnitClicked.connect(self.select_map)
                if row is None or row_kind != "bars":
                    row, row_kind = QHBoxLayout(), "bars"
                    row.setSpacing(6)
                    column.addLayout(row, 0)
                row.addWidget(panel, 1)
            else:
                source = (prev_name, tuple(prev_shape)) if len(prev_shape) > 1 else None
                panel = VectorPanel(name, int(np.prod(shape)), signed, tip, source=source)
                panel.sigUnitClicked.connect(self.select_map)
                row, row_kind = None, "vector"
                column.addWidget(panel, 0)
            note = panel_note(model, index)
            if note:
                panel.set_note(*note)
            self.panels[name] = panel
            self.notes[name] = tip
            prev_shape, prev_name = shape, name
        k = shapes[-1][1][0]
        out = BarsPanel("softmax", k, False, OUTPUT_NOTE, subtitle="probabilities",
                        probabilities=True)
        last = shapes[-1][0]
        out.sigUnitClicked.connect(lambda _name, i: self.select_map(last, i))
        if row is None or row_kind != "bars":
            row = QHBoxLayout()
            row.setSpacing(6)
            column.addLayout(row, 0)
        row.addWidget(out, 1)
        self.panels[OUTPUT_PANEL] = out
        self.notes[OUTPUT_PANEL] = OUTPUT_NOTE
        for panel in self.panels.values():
            panel.installEventFilter(self)      # hovering a panel explains its layer
            panel.apply_theme(self._theme)
            if isinstance(panel, FeatureMapPanel):
                panel.set_normalise_each(self.normalise_each)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(content)
        self._content = content
        if old is not None:
            old.deleteLater()
        self.inspector.set_model(model)
        self.note_strip.fit_notes([(self.note_name(n), t) for n, t in self.notes.items()])
        self._show_note()
        first = next((n for n, p in self.panels.items() if isinstance(p, FeatureMapPanel)), None)
        if first is not None:
            self.select_map(first, 0)

    def set_result(self, result: PredictionResult | None) -> None:
        """Show ``result`` in every panel and the inspector."""
        for step in self.update_steps(result):
            step()

    def update_steps(self, result: PredictionResult | None) -> list[Callable[[], None]]:
        """:meth:`set_result` as one small step per panel, then the inspector
        (to spread over event-loop turns, see :mod:`gui.widgets.spread`). The steps
        refer to the current panels: drop them when the model changes."""
        acts = {} if result is None else result.activations   # empty while nothing is drawn
        steps = []
        for name, panel in self.panels.items():
            if name == OUTPUT_PANEL:      # None also when the output is not a number
                array = None if result is None or result.probabilities is None else \
                    np.asarray(result.probabilities, dtype=np.float32)
            else:
                array = acts.get(name)
            steps.append(partial(panel.set_array, array))
        steps.append(partial(self.inspector.set_result, result))
        return steps

    def panel_arrays(self) -> dict[str, np.ndarray | None]:
        """``{panel name: array shown}`` (None when empty)."""
        return {name: panel.array for name, panel in self.panels.items()}

    def select_map(self, layer: str, index: int) -> None:
        """Outline map (or unit) ``index`` of ``layer`` and show it in the inspector."""
        for name, panel in self.panels.items():
            if isinstance(panel, (FeatureMapPanel, VectorPanel)):
                panel.set_selected(index if name == layer else None)
        self._inspected = layer if layer in self.notes else None
        self._show_note()
        self.sigMapSelected.emit(layer, index)
        self.sigUnitSelected.emit(layer, index)

    def set_normalise_each(self, on: bool) -> None:
        self.normalise_each = bool(on)
        for panel in self.panels.values():
            if isinstance(panel, FeatureMapPanel):
                panel.set_normalise_each(self.normalise_each)

    def note_name(self, key: str) -> str:
        """The name the strip gives panel ``key`` (the layer's; "softmax")."""
        return "softmax" if key == OUTPUT_PANEL else key

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        for panel in self.panels.values():
            panel.apply_theme(theme)
        self.inspector.apply_theme(theme)
        self.note_strip.apply_theme(theme)

    # ------------------------------------------------------------------ the strip
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        width = inspector_width(self.width())
        if width != self.inspector.width():
            self.inspector.setFixedWidth(width)
            self.note_strip.setFixedWidth(width)      # the strip above it, as wide
        margins = self.layout().contentsMargins()
        spare = self.height() - margins.top() - margins.bottom() - 6 - INSPECTOR_ROOM
        self.note_strip.set_max_height(spare)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.Enter, QEvent.Type.Leave):
            key = next((k for k, p in self.panels.items() if p is watched), None)
            if key is not None:
                if kind == QEvent.Type.Enter:
                    self._hovered = key
                elif self._hovered == key:
                    self._hovered = None
                self._show_note()
        return super().eventFilter(watched, event)

    def _show_note(self) -> None:
        """The hovered panel's layer, else the inspected one's, else a hint."""
        key = self._hovered or self._inspected
        if key is None:
            self.note_strip.set_note("", NO_LAYER_NOTE)
        else:
            self.note_strip.set_note(self.note_name(key), self.notes[key])

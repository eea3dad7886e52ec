"""One layer in the architecture editor: its type and name, a spin box for
each setting a person edits (from the layer class's ``FIELDS``, see
:func:`gui.build.draft.shown_fields`), and what the engine says it does for
one image: output shape, parameters, multiply-adds, activation memory.

::

    2  Conv2D  conv2     maps [32]  kernel [5]  pad [0]  stride [1]
       -> 32 × 10 × 10   12,832 parameters   1,280,000 MACs   12.5 KB

A pair setting (kernel, padding, stride, window) is edited as one number
(square); a non-square pair read from a model shows its first value and
becomes square when edited. The row only shows and reports
(``sigEdited(key, value)``); the editor owns the layer list.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QDoubleSpinBox, QFrame, QHBoxLayout, QSpinBox,
                               QVBoxLayout, QWidget)

from engine.nn.architecture import byte_text
from engine.nn.layers import LayerShapes
from engine.nn.layers.fields import FloatField, FractionField, IntField, PairField

from ..widgets.plain_text import plain_label, plain_tooltip
from .draft import shown_fields
from .field_tips import LAYER_TIPS, field_text

#: Largest value a spin box offers for a count (the engine allows more; the
#: caps refuse far less anyway).
MAX_SPIN = 4096


def shape_text(shape: tuple[int, ...]) -> str:
    """``32 × 10 × 10`` or ``128``."""
    return " \u00d7 ".join(str(v) for v in shape)


def figures_text(shapes: LayerShapes | None, itemsize: int = 4,
                 blocked_by: int | None = None) -> str:
    """What a layer does for one image, or a dash when it cannot be worked
    out: the layer is the problem itself, or it comes after the layer
    ``blocked_by`` (an index) that is."""
    if shapes is None:
        why = ("this layer's settings do not fit, see below" if blocked_by is None
               else f"fix layer {blocked_by + 1} first")
        return f"\u2192 \u2014 (not worked out: {why})"
    memory = byte_text(math.prod(shapes.output) * itemsize)
    params = sum(math.prod(s) for s in shapes.params.values())
    return (f"\u2192 {shape_text(shapes.output)}    {params:,} parameters    "
            f"{shapes.macs:,} MACs    {memory}")


def _spin_for(field) -> QAbstractSpinBox:
    if isinstance(field, (IntField, PairField)):
        spin = QSpinBox()
        spin.setRange(field.lo, min(field.hi, MAX_SPIN))
    elif isinstance(field, FractionField):
        spin = QDoubleSpinBox()
        spin.setRange(0.0, 0.95)
        spin.setSingleStep(0.05)
        spin.setDecimals(2)
    elif isinstance(field, FloatField):
        spin = QDoubleSpinBox()
        decimals = 6 if field.lo < 1e-3 else 3
        spin.setDecimals(decimals)
        spin.setRange(max(field.lo, 10.0 ** -decimals), field.hi)
        spin.setSingleStep(10.0 ** -decimals if decimals == 6 else 0.01)
    else:
        raise TypeError(f"no editor for {field!r}")
    spin.setKeyboardTracking(False)     # typed numbers count once complete (Enter, Tab)
    spin.setAccelerated(True)
    return spin


class LayerRow(QFrame):
    """One layer of the edited network (see the module docstring).

    Signals: ``sigEdited(key, value)`` - a setting was changed by the person
    (pairs as ``[v, v]``); ``sigPressed()`` - the row was clicked."""

    sigEdited = Signal(str, object)
    sigPressed = Signal()

    def __init__(self, index: int, layer: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerRow")
        self.kind, self.name = layer["type"], layer["name"]
        self.spins: dict[str, QAbstractSpinBox] = {}
        self._pairs: set[str] = set()
        self.index_label = plain_label(str(index + 1), object_name="hint")
        self.type_label = plain_label(self.kind, object_name="layerType")
        self.type_label.setToolTip(plain_tooltip(LAYER_TIPS.get(self.kind, self.kind)))
        self.name_label = plain_label(self.name, object_name="hint")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(6)
        for widget in (self.index_label, self.type_label, self.name_label):
            top.addWidget(widget)
        top.addSpacing(8)
        for field in shown_fields(self.kind):
            label, tip = field_text(self.kind, field.key)
            spin = _spin_for(field)
            spin.setObjectName(f"{self.name}.{field.key}")
            spin.setToolTip(plain_tooltip(tip))
            spin.setAccessibleName(f"{self.name} {label}")
            caption = plain_label(label)
            caption.setToolTip(plain_tooltip(tip))
            caption.setBuddy(spin)
            top.addWidget(caption)
            top.addWidget(spin)
            self.spins[field.key] = spin
            if isinstance(field, PairField):
                self._pairs.add(field.key)
            spin.valueChanged.connect(lambda value, key=field.key: self._changed(key, value))
        top.addStretch(1)
        self.figures = plain_label(object_name="hint")
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 4)
        column.setSpacing(2)
        column.addLayout(top)
        column.addWidget(self.figures)
        self.set_values(layer)
        self.set_marks(False, False)

    def set_index(self, index: int) -> None:
        self.index_label.setText(str(index + 1))

    def set_values(self, layer: dict) -> None:
        """Show ``layer``'s settings (no ``sigEdited``)."""
        for key, spin in self.spins.items():
            value = layer.get(key)
            if key in self._pairs and isinstance(value, (list, tuple)):
                value = value[0]
            if value is not None and spin.value() != value:
                spin.blockSignals(True)
                spin.setValue(value)
                spin.blockSignals(False)

    def show_figures(self, shapes: LayerShapes | None, blocked_by: int | None = None) -> None:
        """Show what the layer does (None: not worked out; see :func:`figures_text`)."""
        self.figures.setText(figures_text(shapes, blocked_by=blocked_by))

    def set_marks(self, selected: bool, bad: bool) -> None:
        """Frame the row as the selected one and/or the one the problem is about."""
        changed = self.property("selected") != selected or self.property("bad") != bad
        self.setProperty("selected", selected)
        self.setProperty("bad", bad)
        if changed:
            self.style().unpolish(self)
            self.style().polish(self)

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.sigPressed.emit()
        event.ignore()                  # the list may start dragging the row

    def first_spin(self) -> QAbstractSpinBox | None:
        return next(iter(self.spins.values()), None)

    def _changed(self, key: str, value) -> None:
        self.sigEdited.emit(key, [value, value] if key in self._pairs else value)

"""Build your own network: the architecture editor.

::

    Start from [bench v] [Start over]      [Add layer v] [Up] [Down] [Remove] [Undo] [Redo]
    +--------------------------------------------------------------------------------+
    | 1 Conv2D conv1   maps [16] kernel [5] pad [2] stride [1]                        |
    |   -> 16 × 28 × 28   416 parameters   313,600 MACs   49.0 KB                     |
    | 2 ReLU relu1 ...                                                                |
    +--------------------------------------------------------------------------------+
    Totals, caps, time per epoch, the problem, [Train it]        (gui.build.summary_box)

The layer list is data (:mod:`gui.build.draft`, checked by the engine after
every edit); every edit is an undoable :class:`~gui.build.edit_history.LayersEdit`.
The time per epoch is measured off the GUI thread by a probe
(:mod:`gui.build.speed_probe`), latest edit wins.

Keys (while the editor has the focus): Ctrl+Z / Ctrl+Shift+Z undo and redo
edits, Alt+Up / Alt+Down move the selected layer, Alt+Delete removes it,
Alt+A opens the "Add layer" menu, Tab walks through the settings.

Signals: ``sigTrain(dict)`` - "Train it" with the edited architecture (valid).
"""
from __future__ import annotations

import copy

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QMenu, QPushButton,
                               QScrollArea, QToolButton, QVBoxLayout, QWidget)

from engine.nn.presets import PRESET_NOTES, PRESETS, build

from ..explain.morph_job import LatestJob
from ..widgets.focus_chain import last_tab_stop_in
from ..widgets.plain_text import plain_label, plain_tooltip
from .draft import ADDABLE, DraftCheck, check_draft, layers_of, new_layer
from .edit_history import LayersEdit, UndoKeys
from .field_tips import LAYER_TIPS
from .layer_list import LayerList
from .speed_probe import EPOCH_IMAGES, duration_text, epoch_seconds, probe_seconds_per_step
from .summary_box import SummaryBox

#: Quiet time after the last edit before the speed probe runs (ms).
PROBE_DELAY_MS = 400
OPEN_MODEL = "open model"


class ArchitectureEditor(QWidget):
    """Edit a network's layers with live shapes, costs and checks (see the
    module docstring). ``batch_size`` returns the batch the estimates use
    (the Training tab's); ``open_model_config`` the open model's
    architecture, or None (then "open model" is not offered)."""

    sigTrain = Signal(object)

    def __init__(self, batch_size=lambda: 64, open_model_config=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("architectureEditor")
        self._batch_size = batch_size
        self._open_config = open_model_config
        self.undo_stack = QUndoStack(self)
        self.keys = UndoKeys(self, self.undo_stack)
        self.layers: list[dict] = []
        self.check: DraftCheck = check_draft([])
        self.list = LayerList()
        self.summary = SummaryBox()
        self._probe = LatestJob("architecture-probe", self)
        self._probe_timer = QTimer(self)
        self._probe_timer.setSingleShot(True)
        self._probe_timer.setInterval(PROBE_DELAY_MS)
        self._probe_serial = 0
        self.seconds_per_step: float | None = None
        self._build()
        self._connect()
        self.load_preset("bench" if open_model_config is None else OPEN_MODEL, undoable=False)

    # ================================================================ building
    def _build(self) -> None:
        self.start_combo = QComboBox()
        self.start_combo.setObjectName("buildStartCombo")
        if self._open_config is not None:
            self.start_combo.addItem("the open model", OPEN_MODEL)
            self._item_tip(self.start_combo.count() - 1, "The network of the model the canvas "
                           "uses now (its architecture; training starts from fresh weights).")
        for name in PRESETS:
            self.start_combo.addItem(name, name)
            self._item_tip(self.start_combo.count() - 1, PRESET_NOTES.get(name, name))
        self.start_combo.setToolTip("The network to start editing from.")
        self.start_button = self._button("Start over", "buildStartButton",
                                         "Replace the edited network by the chosen one "
                                         "(undo brings your edits back).")
        self.add_button = QToolButton()
        self.add_button.setObjectName("addLayerButton")
        self.add_button.setText("Add layer")
        self.add_button.setToolTip("Add a layer after the selected one (Alt+A).")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        for kind in ADDABLE:
            action = self.add_menu.addAction(kind)
            action.setObjectName(f"add{kind}")
            action.setToolTip(plain_tooltip(LAYER_TIPS[kind]))
            action.triggered.connect(lambda _checked=False, k=kind: self.add_layer(k))
        self.add_menu.setToolTipsVisible(True)
        self.add_button.setMenu(self.add_menu)
        self.up_button = self._button("Move up", "moveLayerUpButton",
                                      "Move the selected layer up (Alt+Up).")
        self.down_button = self._button("Move down", "moveLayerDownButton",
                                        "Move the selected layer down (Alt+Down).")
        self.remove_button = self._button("Remove", "removeLayerButton",
                                          "Remove the selected layer (Alt+Delete).")
        self.undo_button = self._button("Undo", "buildUndoButton",
                                        "Undo the last edit of the network (Ctrl+Z here).")
        self.redo_button = self._button("Redo", "buildRedoButton",
                                        "Redo the edit you undid (Ctrl+Shift+Z here).")
        top = QHBoxLayout()
        top.setSpacing(4)
        top.addWidget(plain_label("Start from"))
        for widget in (self.start_combo, self.start_button):
            top.addWidget(widget)
        top.addStretch(1)
        for widget in (self.undo_button, self.redo_button):
            top.addWidget(widget)
        edit = QHBoxLayout()
        edit.setSpacing(4)
        for widget in (self.add_button, self.up_button, self.down_button, self.remove_button):
            edit.addWidget(widget)
        edit.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("layerScroll")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setWidget(self.list)
        self.scroll = scroll
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addLayout(top)
        column.addLayout(edit)
        column.addWidget(scroll, 1)
        column.addWidget(self.summary)
        for keys, slot in (("Alt+Up", lambda: self.move_selected(-1)),
                           ("Alt+Down", lambda: self.move_selected(1)),
                           ("Alt+Delete", self.remove_selected),
                           ("Alt+A", self._open_add_menu)):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def _item_tip(self, index: int, text: str) -> None:
        self.start_combo.setItemData(index, plain_tooltip(text), Qt.ItemDataRole.ToolTipRole)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(plain_tooltip(tip))
        return button

    def _connect(self) -> None:
        self.start_button.clicked.connect(
            lambda: self.load_preset(self.start_combo.currentData()))
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove_selected)
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.list.sigEdited.connect(self._setting_edited)
        self.list.sigSelected.connect(lambda _index: self._update_buttons())
        self.list.sigMoved.connect(lambda i, j: self.move_layer(i, j))
        self.summary.train_button.clicked.connect(self._train_clicked)
        self._probe_timer.timeout.connect(self._start_probe)
        self._probe.sigFinished.connect(self._probe_done)
        self._probe.sigFailed.connect(lambda _tag, message: self.summary.show_time(
            f"Could not time the network: {message}"))

    # ================================================================ editing
    @property
    def selected(self) -> int | None:
        return self.list.selected

    def load_preset(self, name: str, undoable: bool = True) -> None:
        """Start from preset ``name`` (or :data:`OPEN_MODEL`) with fresh settings."""
        if name == OPEN_MODEL and self._open_config is not None:
            layers, text = layers_of(self._open_config()), "Start from the open model"
        else:
            layers = layers_of(build(name, np.random.default_rng(0)).config())
            text = f"Start from {name}"
        if undoable:
            self._push(layers, text, focus=0)
        else:
            self._apply(layers, 0)
            self.undo_stack.clear()

    def set_layers(self, layers: list[dict], text: str = "Replace the network") -> None:
        """Edit ``layers`` (a model config's layer list) instead; undoable."""
        self._push(copy.deepcopy(layers), text, focus=0)

    def add_layer(self, kind: str) -> None:
        """Add a ``kind`` layer after the selected one (at the end without one)."""
        at = len(self.layers) if self.selected is None else self.selected + 1
        layers = copy.deepcopy(self.layers)
        layers.insert(at, new_layer(kind, {layer["name"] for layer in layers}))
        self._push(layers, f"Add {kind}", focus=at)

    def remove_selected(self) -> None:
        i = self.selected
        if i is None or len(self.layers) <= 1:
            return
        layers = copy.deepcopy(self.layers)
        gone = layers.pop(i)
        self._push(layers, f"Remove {gone['name']}", focus=min(i, len(layers) - 1))

    def move_selected(self, delta: int) -> None:
        if self.selected is not None:
            self.move_layer(self.selected, self.selected + delta)

    def move_layer(self, i: int, j: int) -> None:
        """Move layer ``i`` to position ``j`` (dragged, or the Move buttons)."""
        if i == j or not (0 <= i < len(self.layers) and 0 <= j < len(self.layers)):
            return
        layers = copy.deepcopy(self.layers)
        layers.insert(j, layers.pop(i))
        self._push(layers, f"Move {layers[j]['name']}", focus=j, before_focus=i)

    def _setting_edited(self, index: int, key: str, value) -> None:
        layers = copy.deepcopy(self.layers)
        layers[index][key] = value
        name = layers[index]["name"]
        self._push(layers, f"Set {name} {key}", focus=index, merge_key=(name, key))

    def _push(self, layers: list, text: str, focus: int | None, before_focus: int | None = None,
              merge_key: tuple | None = None) -> None:
        back = self.selected if before_focus is None else before_focus
        self.undo_stack.push(LayersEdit(self._apply, self.layers, layers, text, (back, focus),
                                        merge_key))

    def _apply(self, layers: list, focus: int | None) -> None:
        """Show ``layers``: check them with the engine, update the rows and the summary."""
        self.check = check_draft(layers)
        self.layers = self.check.layers
        self.list.show_check(self.check, focus)
        last_row_stop = last_tab_stop_in(self.list)
        if last_row_stop is not None:   # rows made now join the Tab order last: Train it after them
            QWidget.setTabOrder(last_row_stop, self.summary.train_button)
        self.summary.show_check(self.check, self._batch())
        self._update_buttons()
        self.seconds_per_step = None
        if self.check.valid:
            self.summary.show_time("Timing one epoch on this machine\u2026")
            self._probe_timer.start()
        else:
            self._probe_timer.stop()
            self._probe.cancel()
            self.summary.show_time("")

    def _update_buttons(self) -> None:
        i, n = self.selected, len(self.layers)
        self.up_button.setEnabled(i is not None and i > 0)
        self.down_button.setEnabled(i is not None and i < n - 1)
        self.remove_button.setEnabled(i is not None and n > 1)

    def _open_add_menu(self) -> None:
        self.add_button.showMenu()

    # ================================================================ running
    def _batch(self) -> int:
        try:
            return max(1, int(self._batch_size()))
        except (ValueError, TypeError):
            return 64

    def _start_probe(self) -> None:
        if not self.check.valid:
            return
        self._probe_serial += 1
        config, batch = self.check.config(), self._batch()
        self._probe.request(lambda checkpoint, _report: (probe_seconds_per_step(
            config, batch, checkpoint), batch), tag=self._probe_serial)

    def _probe_done(self, tag, result) -> None:
        if tag != self._probe_serial or not self.check.valid:
            return
        self.seconds_per_step, batch = result
        seconds = epoch_seconds(self.seconds_per_step, batch)
        self.summary.show_time(f"One epoch ({EPOCH_IMAGES:,} images, batch {batch}): about "
                               f"{duration_text(seconds)} on this machine (measured: "
                               f"{self.seconds_per_step * 1000:,.0f} ms a step, one thread).")

    def set_training(self, on: bool) -> None:
        """A run is on (``on``): "Train it" waits."""
        self.summary.set_training(on)

    def _train_clicked(self) -> None:
        if self.check.valid:
            self.sigTrain.emit(self.check.config())

    def refresh(self) -> None:
        """Check again (e.g. the batch size changed): caps and timing follow it."""
        self.summary.show_check(self.check, self._batch())
        if self.check.valid:
            self._probe_timer.start()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop the speed probe and wait for its thread."""
        self._probe_timer.stop()
        self._probe.cancel()
        return self._probe.wait(timeout_ms)

    def apply_theme(self, theme) -> None:
        """Frame the rows and colour the problem in the window's theme."""
        t = theme
        self.setStyleSheet(
            f"QFrame#layerRow {{ border: 1px solid {t.border}; border-radius: 4px; "
            f"background: {t.surface}; }}\n"
            f"QFrame#layerRow[selected=\"true\"] {{ border: 2px solid {t.accent}; }}\n"
            f"QFrame#layerRow[bad=\"true\"] {{ border: 2px solid {t.positive}; }}\n"
            f"QLabel#layerType {{ font-weight: 600; }}\n"
            f"QLabel#buildProblem {{ background: {t.banner}; color: {t.banner_text}; "
            f"padding: 6px; }}\n"
            f"QLabel#buildCaps[close=\"true\"] {{ color: {t.positive}; font-weight: 600; }}\n")


__all__ = ["ArchitectureEditor", "OPEN_MODEL"]

"""The training settings as widgets, and back: ``config()`` reads a
:class:`~engine.training.config.TrainConfig` from the controls,
``set_config()`` writes one into them.

A "Recipe" choice on top (named runs with their expected time, from
:data:`engine.training.recipes.RECIPES`, or "Custom" once a setting is
edited), then "Data" (all training images or a random subset; the panel adds
the MNIST status below), "Start from" (the current model's weights or a fresh
preset) and "Training" (epochs and augmentation; the other hyper-parameters
and the test-set size under "Advanced settings", folded by default). Every
control's tooltip says what it does and what a sensible value is.
``sigChanged()`` fires when a choice that affects other controls changed.
"""
from __future__ import annotations

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import (QAbstractButton, QButtonGroup, QCheckBox, QComboBox,
                               QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QRadioButton,
                               QSpinBox, QVBoxLayout, QWidget)

from engine.nn.presets import PRESET_NOTES, PRESETS
from engine.training.config import TrainConfig
from engine.training.optim import DEFAULT_LR
from engine.training.recipes import DEFAULT_RECIPE, RECIPES, recipe

from ..widgets.fold_button import FoldButton
from ..widgets.plain_text import plain_label, plain_mnemonic, plain_tooltip
from .setting_tips import TIPS

FULL_TEST_SET = 10_000
#: The image counts' suffix (those spin boxes group thousands: "10,000 images").
IMAGES = " images"
CURRENT_MODEL_NOTE = "Continue training the network the canvas uses."
CUSTOM = "custom"


class TrainingSettingsForm(QWidget):
    """Settings of the next run. The controls are public attributes (tests
    and the panel read them): ``full_radio``, ``subset_radio``, ``subset_spin``,
    ``test_spin``, ``current_radio``, ``fresh_radio``, ``preset_combo``,
    ``epochs_spin``, ``batch_spin``, ``optimizer_combo``, ``lr_spin``,
    ``schedule_combo``, ``momentum_spin``, ``weight_decay_spin``, ``seed_spin``,
    ``augment_check``."""

    sigChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._locked = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._applying = False
        self._data_group = self._build_data()
        layout.addWidget(self._build_recipe())
        layout.addWidget(self._data_group)
        layout.addWidget(self._build_start())
        layout.addWidget(self._build_training())
        for b in (self.full_radio, self.subset_radio, self.current_radio, self.fresh_radio):
            b.toggled.connect(self._changed)
        self.preset_combo.currentIndexChanged.connect(self._changed)
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_changed)
        self.recipe_combo.currentIndexChanged.connect(self._recipe_chosen)
        for signal in self._edit_signals():
            signal.connect(self._edited)
        self.set_current_model(None)
        self.apply_recipe(DEFAULT_RECIPE)

    # ------------------------------------------------------------- building
    def _build_data(self) -> QGroupBox:
        self.full_radio = QRadioButton("All 60,000 training images")
        self.subset_radio = QRadioButton("A random subset of")
        self.subset_spin = _spin(100, 60_000, 5_000, step=500, suffix=IMAGES,
                                 tip="How many images to train on: 5,000 already reach about "
                                     "95 % in one epoch.")
        self.subset_radio.setChecked(True)
        self._images_group = QButtonGroup(self)
        self._images_group.addButton(self.full_radio)
        self._images_group.addButton(self.subset_radio)
        self.test_spin = _spin(100, FULL_TEST_SET, FULL_TEST_SET, step=1000, suffix=IMAGES,
                               tip=TIPS["test"])
        _tip(self.full_radio, "full")
        _tip(self.subset_radio, "subset")
        box = QGroupBox("Data")
        column = QVBoxLayout(box)
        column.addWidget(self.full_radio)
        column.addLayout(_row(self.subset_radio, self.subset_spin))
        return box

    def _build_recipe(self) -> QGroupBox:
        self.recipe_combo = QComboBox()
        self.recipe_combo.setObjectName("recipeCombo")
        for r in RECIPES:
            self.recipe_combo.addItem(f"{r.title} ({r.expected.split(' · ')[0]})", r.key)
            self.recipe_combo.setItemData(self.recipe_combo.count() - 1,
                                          plain_tooltip(f"{r.note} Expect {r.expected}."),
                                          Qt.ItemDataRole.ToolTipRole)
        self.recipe_combo.addItem("Custom settings", CUSTOM)
        _tip(self.recipe_combo, "recipe")
        self.recipe_note = plain_label()
        self.recipe_note.setObjectName("hint")
        self.recipe_note.setWordWrap(True)
        box = QGroupBox("Recipe")
        column = QVBoxLayout(box)
        column.addWidget(self.recipe_combo)
        column.addWidget(self.recipe_note)
        return box

    def _build_start(self) -> QGroupBox:
        self.current_radio = QRadioButton("Current model's weights")
        self.fresh_radio = QRadioButton("Fresh random weights:")
        self._init_group = QButtonGroup(self)
        self._init_group.addButton(self.current_radio)
        self._init_group.addButton(self.fresh_radio)
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        for name in PRESETS:
            self.preset_combo.addItem(name, name)
            self.preset_combo.setItemData(self.preset_combo.count() - 1,
                                          plain_tooltip(PRESET_NOTES.get(name, "")),
                                          Qt.ItemDataRole.ToolTipRole)
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData("tiny")))
        self.preset_note = plain_label()
        self.preset_note.setObjectName("hint")
        self.preset_note.setWordWrap(True)
        self.fresh_radio.setChecked(True)
        _tip(self.current_radio, "current")
        _tip(self.fresh_radio, "fresh")
        _tip(self.preset_combo, "preset")
        box = QGroupBox("Start from")
        column = QVBoxLayout(box)
        column.addWidget(self.current_radio)
        column.addLayout(_row(self.fresh_radio, self.preset_combo))
        column.addWidget(self.preset_note)
        return box

    def _build_training(self) -> QGroupBox:
        defaults = TrainConfig()
        self.epochs_spin = _spin(1, 200, 2, tip=TIPS["epochs"])
        self.batch_spin = _spin(8, 512, defaults.batch_size, tip=TIPS["batch"])
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.addItem("SGD with momentum", "sgd")
        self.optimizer_combo.addItem("Adam", "adam")
        self.lr_spin = _decimal(1e-5, 2.0, defaults.lr, step=0.005, decimals=5)
        self.schedule_combo = QComboBox()
        self.schedule_combo.addItem("cosine decay", "cosine")
        self.schedule_combo.addItem("step (x0.1 at 1/3, 2/3)", "step")
        self.schedule_combo.addItem("constant", "constant")
        self.momentum_spin = _decimal(0.0, 0.999, defaults.momentum, step=0.05, decimals=3)
        self.weight_decay_spin = _decimal(0.0, 0.1, defaults.weight_decay, step=1e-4, decimals=5)
        self.augment_check = QCheckBox("Augment images")
        self.seed_spin = _spin(0, 2**31 - 1, defaults.seed, tip=TIPS["seed"])
        for widget, key in ((self.optimizer_combo, "optimizer"), (self.lr_spin, "lr"),
                            (self.schedule_combo, "schedule"), (self.momentum_spin, "momentum"),
                            (self.weight_decay_spin, "weight_decay"),
                            (self.augment_check, "augment")):
            _tip(widget, key)
        self.advanced_button = FoldButton("Advanced settings")
        self.advanced_button.setObjectName("advancedSettingsButton")
        _tip(self.advanced_button, "advanced")
        self.advanced = QWidget()
        advanced = QFormLayout(self.advanced)
        advanced.setContentsMargins(0, 0, 0, 0)
        advanced.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget, key in (
                ("Batch size", self.batch_spin, "batch"),
                ("Optimizer", self.optimizer_combo, "optimizer"),
                ("Learning rate", self.lr_spin, "lr"), ("Schedule", self.schedule_combo, "schedule"),
                ("Momentum", self.momentum_spin, "momentum"),
                ("Weight decay", self.weight_decay_spin, "weight_decay"),
                ("Seed", self.seed_spin, "seed"), ("Test on", self.test_spin, "test")):
            advanced.addRow(_labelled(label, key), widget)
        self.advanced_button.set_target(self.advanced)
        box = QGroupBox("Training")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        epochs_row = QHBoxLayout()           # one line: the settings fit without scrolling
        epochs_row.addWidget(self.epochs_spin, 1)
        epochs_row.addWidget(self.augment_check)
        form.addRow(_labelled("Epochs", "epochs"), epochs_row)
        form.addRow(self.advanced_button)
        form.addRow(self.advanced)
        return box

    def show_advanced(self, on: bool) -> None:
        """Unfold (``True``) or fold the advanced settings."""
        self.advanced_button.setChecked(on)

    # ------------------------------------------------------------------ API
    def config(self) -> TrainConfig:
        """The :class:`TrainConfig` the controls describe."""
        subset = None if self.full_radio.isChecked() else int(self.subset_spin.value())
        tests = int(self.test_spin.value())
        return TrainConfig(
            epochs=int(self.epochs_spin.value()), batch_size=int(self.batch_spin.value()),
            optimizer=self.optimizer_combo.currentData(), lr=float(self.lr_spin.value()),
            momentum=float(self.momentum_spin.value()),
            weight_decay=float(self.weight_decay_spin.value()),
            schedule=self.schedule_combo.currentData(), augment=self.augment_check.isChecked(),
            seed=int(self.seed_spin.value()), subset=subset,
            eval_subset=None if tests >= FULL_TEST_SET else tests)

    def set_config(self, config: TrainConfig, preset: str | None = None,
                   fresh: bool | None = None) -> None:
        """Set the controls from ``config`` (and the preset / where to start
        from); the recipe reads "Custom settings" unless :meth:`apply_recipe` calls."""
        self._applying = True
        try:
            self._set_controls(config, preset, fresh)
        finally:
            self._applying = False
        self._edited()

    def apply_recipe(self, key: str) -> None:
        """Set every control from the recipe named ``key`` (fresh weights of its network)."""
        chosen = recipe(key)
        self._applying = True
        try:
            self._set_controls(chosen.config, chosen.preset, True)
            self.recipe_combo.setCurrentIndex(self.recipe_combo.findData(key))
        finally:
            self._applying = False
        self.recipe_note.setText(f"Expect {chosen.expected}.")
        self.recipe_note.setToolTip(plain_tooltip(chosen.note))

    def recipe(self) -> str:
        """The chosen recipe's key, or ``"custom"``."""
        return self.recipe_combo.currentData()

    def _set_controls(self, config: TrainConfig, preset: str | None, fresh: bool | None) -> None:
        self.epochs_spin.setValue(config.epochs)
        self.batch_spin.setValue(config.batch_size)
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(config.optimizer))
        self.lr_spin.setValue(config.lr)
        self.momentum_spin.setValue(config.momentum)
        self.weight_decay_spin.setValue(config.weight_decay)
        self.schedule_combo.setCurrentIndex(self.schedule_combo.findData(config.schedule))
        self.augment_check.setChecked(config.augment)
        self.seed_spin.setValue(config.seed)
        if config.subset is None:
            self.full_radio.setChecked(True)
        else:
            self.subset_radio.setChecked(True)
            self.subset_spin.setValue(config.subset)
        self.test_spin.setValue(FULL_TEST_SET if config.eval_subset is None else config.eval_subset)
        if preset is not None:
            self.preset_combo.setCurrentIndex(self.preset_combo.findData(preset))
        if fresh is not None:
            (self.fresh_radio if fresh else self.current_radio).setChecked(True)

    def add_data_widget(self, widget: QWidget) -> None:
        """Put ``widget`` (the MNIST status) at the end of the "Data" group."""
        self._data_group.layout().addWidget(widget)

    def start_fresh(self) -> bool:
        """True: fresh weights of :meth:`preset`; False: the current model's weights."""
        return not self.current_radio.isChecked()

    def preset(self) -> str:
        return self.preset_combo.currentData()

    def set_current_model(self, description: str | None) -> None:
        """What "Current model's weights" refers to (e.g. its preset), or None
        when there is no model to continue from."""
        self._has_current = description is not None
        self.current_radio.setText("Current model's weights"
                                   + (f" ({plain_mnemonic(description)})" if description else ""))
        if not self._has_current:
            self.fresh_radio.setChecked(True)
        self._refresh()

    def set_locked(self, locked: bool) -> None:
        """Disable every control (while a run uses the settings)."""
        self._locked = locked
        self._refresh()

    # ------------------------------------------------------------ internals
    def _edit_signals(self) -> list:
        """Each setting's change signal (by the kind of control)."""
        return [w.toggled if isinstance(w, QAbstractButton) else
                w.currentIndexChanged if isinstance(w, QComboBox) else w.valueChanged
                for w in self._settings()]

    def _edited(self, *_args) -> None:
        """A setting changed by hand: the run is no longer a named recipe."""
        if self._applying or self.recipe() == CUSTOM:
            return
        self.recipe_combo.blockSignals(True)
        self.recipe_combo.setCurrentIndex(self.recipe_combo.findData(CUSTOM))
        self.recipe_combo.blockSignals(False)
        self.recipe_note.setText("Your own settings: hover a setting to see what it does.")

    def _recipe_chosen(self) -> None:
        if self.recipe() != CUSTOM:
            self.apply_recipe(self.recipe())

    def _settings(self) -> list[QWidget]:
        """The controls that make up the run's settings."""
        return [self.full_radio, self.subset_radio, self.subset_spin, self.test_spin,
                self.current_radio, self.fresh_radio, self.preset_combo, self.epochs_spin,
                self.batch_spin, self.optimizer_combo, self.lr_spin, self.schedule_combo,
                self.momentum_spin, self.weight_decay_spin, self.augment_check, self.seed_spin]

    def _controls(self) -> list[QWidget]:
        return [self.recipe_combo, self.advanced_button, *self._settings()]

    def _refresh(self) -> None:
        for w in self._controls():
            w.setEnabled(not self._locked)
        if not self._locked:
            self.subset_spin.setEnabled(self.subset_radio.isChecked())
            self.current_radio.setEnabled(self._has_current)
            self.preset_combo.setEnabled(self.fresh_radio.isChecked())
            self.momentum_spin.setEnabled(self.optimizer_combo.currentData() == "sgd")
        self.preset_note.setText(PRESET_NOTES.get(self.preset(), "") if self.start_fresh()
                                 else CURRENT_MODEL_NOTE)

    def _changed(self) -> None:
        self._refresh()
        self.sigChanged.emit()

    def _optimizer_changed(self) -> None:
        """Offer the new optimizer's default rate if another one's default was set."""
        opt = self.optimizer_combo.currentData()
        if any(abs(self.lr_spin.value() - lr) < 1e-12 for name, lr in DEFAULT_LR.items()
               if name != opt):
            self.lr_spin.setValue(DEFAULT_LR[opt])
        self._changed()


def _row(*widgets: QWidget) -> QHBoxLayout:
    """Widgets side by side; the last one takes the spare width."""
    row = QHBoxLayout()
    for w in widgets[:-1]:
        row.addWidget(w)
    row.addWidget(widgets[-1], 1)
    return row


def _spin(lo: int, hi: int, value: int, step: int = 1, suffix: str = "", tip: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(lo, hi)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setSuffix(suffix)
    if suffix == IMAGES:                           # "10,000 images", as everywhere else,
        spin.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        spin.setGroupSeparatorShown(True)          # whatever the system's language
    if tip:
        spin.setToolTip(plain_tooltip(tip))
    return spin


def _tip(widget: QWidget, key: str) -> None:
    widget.setToolTip(plain_tooltip(TIPS[key]))


def _labelled(text: str, key: str):
    """A form label carrying the tooltip of the setting ``key``."""
    label = plain_label(text)
    _tip(label, key)
    return label


def _decimal(lo: float, hi: float, value: float, step: float, decimals: int) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(lo, hi)
    spin.setSingleStep(step)
    spin.setValue(value)
    return spin

"""The playground window: canvas, network input and prediction on the left,
per-layer activations / kernels in tabs on the right, menus, toolbar and a
status bar with the model's name and test accuracy.

Public handles (used by tests and scripts; keep them stable):

* ``MainWindow(model_path=None)``; ``window.canvas`` (real mouse events draw);
  ``window.canvas.clear()``; ``window.current_probabilities()``.
* ``window.set_model(model)`` swaps the model everywhere;
  ``window.notify_weights_changed()`` after changing weights in place;
  ``window.add_tab(widget, title)`` for more panels (e.g. training).
"""
from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QSizePolicy, QSlider, QSplitter, QTabWidget,
                               QToolBar, QToolButton, QVBoxLayout, QWidget)

import engine
from engine import Model, ModelFileError, presets

from .activations_view import ActivationsView
from .canvas import DEFAULT_BRUSH, MAX_BRUSH, MIN_BRUSH, DrawingCanvas
from .examples import EXAMPLES
from .input_view import InputView
from .kernel_view import KernelView
from .model_controller import (IncompatibleModelError, ModelController, PredictionResult,
                               check_model)
from .prediction_view import PredictionView
from .settings import AppSettings
from .spread import SpreadUpdate
from .theme import THEMES, apply_to_app, get_theme, style_sheet
from .widgets import TextLine

APP_NAME = "CNN Playground"
DEFAULT_SIZE = QSize(1240, 760)
MIN_SIZE = QSize(980, 640)
MIN_INTERVAL_MS = 0.0
"""Minimum spacing of model runs while drawing; 0 = once per event-loop turn
(requests are always merged, so work never queues up)."""
MODEL_FILTER = "Model files (*.npz);;All files (*)"


def untrained_model() -> Model:
    """The bundled architecture with random weights (used when no model file loads)."""
    model = presets.build("playground", np.random.default_rng(0))
    model.metadata["untrained"] = True
    return model


def model_label(model: Model) -> str:
    """Short human name: the file name, or the preset for in-memory models."""
    if model.source:
        return Path(model.source).name
    preset = model.metadata.get("preset")
    if model.metadata.get("untrained"):
        return f"untrained {preset or 'model'}"
    return f"{preset} (in memory)" if preset else "model (in memory)"


class MainWindow(QMainWindow):
    """The playground window.

    :param model_path: model file to open; None -> the bundled model (an
        untrained network with a warning if that is missing or broken)
    :param model: use this in-memory model instead of loading a file
    :param settings: where preferences live (default: :class:`AppSettings`,
        which honours ``$CNN_PLAYGROUND_SETTINGS``)
    :param theme: ``"light"`` / ``"dark"``; default: the saved preference

    Signals: ``sigModelChanged(model)``, ``sigPanelsUpdated(result)`` (all views
    show ``result``), ``sigErrorShown(title, message)``.
    """

    sigModelChanged = Signal(object)
    sigPanelsUpdated = Signal(object)
    sigErrorShown = Signal(str, str)

    def __init__(self, model_path=None, *, model: Model | None = None,
                 settings: AppSettings | None = None, theme: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else AppSettings()
        self.startup_problem: str | None = None
        self.last_error: tuple[str, str] | None = None
        self._theme = get_theme(theme or self.settings.theme())
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(MIN_SIZE)

        initial = model if model is not None else self._initial_model(model_path)
        self.canvas = DrawingCanvas(brush_width=self.settings.brush_width(DEFAULT_BRUSH))
        self.controller = ModelController(initial, source=self.canvas.to_array,
                                          min_interval_ms=MIN_INTERVAL_MS, parent=self)
        self.input_view = InputView()
        self.prediction_view = PredictionView(initial.num_classes)
        self.activations_view = ActivationsView()
        self.kernel_view = KernelView()
        self._activations_stale = False
        self._kernels_stale = False  # the Kernels tab re-reads the weights when shown
        self._live_refresh = False  # True while re-running on changed weights
        self._model_note = ""       # e.g. "training: live weights" (set_model_note)
        self._spread = SpreadUpdate(self)

        self._build_layout()
        self._build_actions()
        self._build_status_bar()
        self._connect()

        self.set_theme(self._theme.name)
        self._on_model_changed(initial)
        self.controller.request_update()
        from .training_panel import attach_training_panel  # the Training tab; adds is_training()
        attach_training_panel(self)
        self._restore_geometry()
        if self.startup_problem:
            self._show_banner(self.startup_problem)

    # ================================================================ public API
    @property
    def model(self) -> Model:
        return self.controller.model

    def set_model(self, model: Model) -> None:
        """Use ``model`` everywhere (panels follow its architecture). Raises
        :class:`IncompatibleModelError` if it cannot read 28x28 drawings."""
        check_model(model)
        self._hide_banner()
        self.controller.set_model(model)

    def current_probabilities(self) -> np.ndarray | None:
        """``(classes,)`` probabilities for the current drawing, None when empty."""
        result = self.controller.flush()
        return None if result.empty else result.probabilities.copy()

    def current_result(self) -> PredictionResult:
        """The newest :class:`PredictionResult` (runs a pending update first)."""
        return self.controller.flush()

    def open_model(self, path=None) -> bool:
        """Load a model file (asks with a dialog when ``path`` is None). On
        failure shows an error and keeps the current model. Returns success."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open model", self.settings.last_folder(),
                                                  MODEL_FILTER)
            if not path:
                return False
        try:
            model = engine.load_model(path)
            check_model(model)
        except (ModelFileError, IncompatibleModelError, OSError, ValueError) as exc:
            self.show_error("Could not open the model",
                            f"{Path(path).name} could not be used:\n\n{exc}\n\n"
                            f"The current model ({model_label(self.model)}) stays loaded.")
            return False
        self.settings.set_last_folder(str(Path(path).resolve().parent))
        self.set_model(model)
        self.statusBar().showMessage(f"Opened {Path(path).name}", 4000)
        return True

    def save_model(self, path=None) -> bool:
        """Save the current model (asks with a dialog when ``path`` is None)."""
        if path is None:
            start = os.path.join(self.settings.last_folder(), "model.npz")
            path, _ = QFileDialog.getSaveFileName(self, "Save model", start, MODEL_FILTER)
            if not path:
                return False
        try:
            self.model.save(path)
        except (OSError, ValueError) as exc:
            self.show_error("Could not save the model", f"Saving to {path} failed:\n\n{exc}")
            return False
        self.settings.set_last_folder(str(Path(path).resolve().parent))
        self.statusBar().showMessage(f"Saved {Path(path).name}", 4000)
        return True

    def reset_model(self) -> bool:
        """Go back to the bundled pretrained model."""
        return self.open_model(engine.bundled_model_path())

    def draw_example(self, digit: int) -> None:
        """Replace the drawing with the built-in example of ``digit`` (undoable)."""
        self.canvas.clear()
        self.canvas.draw_strokes(EXAMPLES[int(digit)], width=DEFAULT_BRUSH)

    def add_tab(self, widget: QWidget, title: str, tooltip: str = "") -> int:
        """Add a panel to the right-hand tabs (e.g. the training panel)."""
        index = self.tabs.addTab(widget, title)
        if tooltip:
            self.tabs.setTabToolTip(index, tooltip)
        if hasattr(widget, "apply_theme"):
            widget.apply_theme(self._theme)
        return index

    def notify_weights_changed(self) -> None:
        """Call after the model's weights changed in place (e.g. a training step).

        Runs the model on the drawing now; the views follow one per
        event-loop turn (:mod:`gui.spread`: this runs ~5 times a second while
        training, and at once it would stall the event loop for 20-30 ms). The
        Kernels tab and the inspector's kernel are re-read if shown, else when
        their tab is opened (tiling the kernels of a hidden tab would only take
        CPU time from the trainer).
        """
        self._kernels_stale = True
        self._update_status()
        self._live_refresh = True  # the views update over several turns: gui.spread
        try:
            self.controller.update_now()
        finally:
            self._live_refresh = False
        self._spread.append(self._refresh_weight_views)

    def _shown(self, tab: QWidget) -> bool:
        return self.tabs.currentWidget() is tab or not self.isVisible()

    def _refresh_weight_views(self) -> None:
        """Re-read the weights into the Kernels tab (if they changed) and the
        inspector's kernel (one small tile), whichever is shown."""
        if self._kernels_stale and self._shown(self.kernel_view):
            self._kernels_stale = False
            self.kernel_view.refresh()
        if self._shown(self.activations_view):
            self.activations_view.inspector.refresh_kernel()

    def theme_name(self) -> str:
        return self._theme.name

    def set_theme(self, name: str) -> None:
        """Switch between the ``"light"`` and ``"dark"`` looks."""
        self._theme = get_theme(name)
        app = QApplication.instance()
        if app is not None:
            apply_to_app(app, self._theme)
        sheet = style_sheet(self._theme)
        if self.styleSheet() != sheet:
            self.setStyleSheet(sheet)
        self.canvas.set_colors(self._theme.qcolor("canvas_border"), self._theme.qcolor("muted"))
        for view in (self.input_view, self.prediction_view, self.activations_view,
                     self.kernel_view):
            view.apply_theme(self._theme)
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if widget not in (self.activations_view, self.kernel_view) and \
                    hasattr(widget, "apply_theme"):
                widget.apply_theme(self._theme)
        if hasattr(self, "dark_action"):
            self.dark_action.setChecked(self._theme.dark)
        self._style_banner()

    def show_error(self, title: str, message: str) -> None:
        """Report a problem with a dialog (and ``sigErrorShown``); never fatal."""
        self.last_error = (title, message)
        self.statusBar().showMessage(title, 6000)
        self.sigErrorShown.emit(title, message)
        QMessageBox.critical(self, title, message)

    # ================================================================ building
    def _initial_model(self, model_path) -> Model:
        if model_path is not None:
            try:
                model = engine.load_model(model_path)
                check_model(model)
                return model
            except (ModelFileError, IncompatibleModelError, OSError, ValueError) as exc:
                self.startup_problem = (f"Could not open {Path(model_path).name}: {exc}. "
                                        f"Showing the bundled model instead.")
        try:
            model = engine.load_model()
            check_model(model)
            return model
        except (ModelFileError, IncompatibleModelError, OSError, ValueError) as exc:
            problem = (f"The bundled model could not be loaded ({exc}). This network is "
                       f"untrained, so its guesses are random: open a trained model with Ctrl+O.")
            self.startup_problem = f"{self.startup_problem} {problem}" if self.startup_problem \
                else problem
            return untrained_model()

    def _build_layout(self) -> None:
        below = QWidget()
        below_row = QHBoxLayout(below)
        below_row.setContentsMargins(0, 0, 0, 0)
        below_row.setSpacing(6)
        self.input_view.setMinimumWidth(120)
        self.input_view.setMaximumWidth(150)
        self.prediction_view.setMinimumWidth(196)
        below_row.addWidget(self.input_view)
        below_row.addWidget(self.prediction_view, 1)
        left = _LeftColumn(self.canvas, below)
        left.setMinimumWidth(340)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(False)
        self.tabs.addTab(self.activations_view, "Activations")
        self.tabs.setTabToolTip(0, "What every layer outputs for your drawing, layer by layer.")
        self.tabs.addTab(self.kernel_view, "Kernels")
        self.tabs.setTabToolTip(1, "The learned convolution kernels (filters) of every conv layer.")
        right = QWidget()
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(0, 6, 6, 6)
        right_col.addWidget(self.tabs)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([400, 840])

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setObjectName("banner")
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _action(self, text: str, slot, shortcut=None, tip: str = "", checkable=False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            keys = ", ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText)
                             for s in (shortcut if isinstance(shortcut, list) else [shortcut])) \
                if shortcut is not None else ""
            action.setToolTip(f"{tip} ({keys})" if keys else tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.open_action = a("&Open model…", lambda: self.open_model(), "Ctrl+O",
                             "Load a model file saved by this app")
        self.save_action = a("&Save model as…", lambda: self.save_model(), "Ctrl+S",
                             "Save the current model to a file")
        self.reset_action = a("&Reset to bundled model", lambda: self.reset_model(), "Ctrl+R",
                              "Go back to the pretrained model shipped with the app")
        self.screenshot_action = a("Save window &picture…", self._save_picture, "Ctrl+Shift+P",
                                   "Save a PNG picture of this window")
        self.quit_action = a("&Quit", self.close, "Ctrl+Q", "Close the playground")
        self.undo_action = a("&Undo", self.canvas.undo, "Ctrl+Z", "Undo the last stroke")
        self.redo_action = a("&Redo", self.canvas.redo, ["Ctrl+Shift+Z", "Ctrl+Y"],
                             "Redo the stroke you undid")
        self.clear_action = a("&Clear", self.canvas.clear, ["Esc", "Delete"],
                              "Clear the canvas (undo brings it back)")
        self.pen_action = a("&Pen", self._choose_pen, "P",
                            "Draw white ink", checkable=True)
        self.eraser_action = a("&Eraser", self._toggle_eraser, "E",
                               "Erase with the left button; the right button always erases",
                               checkable=True)
        tools = QActionGroup(self)
        tools.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        tools.addAction(self.pen_action)
        tools.addAction(self.eraser_action)
        self.pen_action.setChecked(True)
        self.thinner_action = a("&Thinner brush", lambda: self._nudge_brush(-3), "[",
                                "Make the brush thinner")
        self.thicker_action = a("T&hicker brush", lambda: self._nudge_brush(+3), "]",
                                "Make the brush thicker")
        self.dark_action = a("&Dark theme", lambda on: self._set_theme_and_save(
            "dark" if on else "light"), "Ctrl+T", "Switch between light and dark colours",
            checkable=True)
        self.dark_action.setChecked(self._theme.dark)
        self.normalise_action = a("&Normalise each feature map", self.activations_view.set_normalise_each,
                                  "N", "Scale every feature map to its own maximum, so faint maps "
                                       "show their pattern too", checkable=True)
        self.help_action = a("&Quick guide", self._show_help, "F1",
                             "How to use the playground")
        self.about_action = a("&About", self._show_about, None, "About CNN Playground")
        self.example_actions = [
            a(f"Example &{d}", lambda _=False, d=d: self.draw_example(d), f"Ctrl+{d}",
              f"Draw the built-in example of the digit {d}") for d in range(10)]

        menu = self.menuBar()
        file_menu = menu.addMenu("&Model")
        for act in (self.open_action, self.save_action, self.reset_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.screenshot_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Draw")
        for act in (self.undo_action, self.redo_action, self.clear_action):
            edit_menu.addAction(act)
        edit_menu.addSeparator()
        for act in (self.pen_action, self.eraser_action, self.thinner_action, self.thicker_action):
            edit_menu.addAction(act)
        edit_menu.addSeparator()
        examples = edit_menu.addMenu("E&xamples")
        for act in self.example_actions:
            examples.addAction(act)
        view_menu = menu.addMenu("&View")
        view_menu.addAction(self.dark_action)
        view_menu.addAction(self.normalise_action)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.help_action)
        help_menu.addAction(self.about_action)
        for m in (file_menu, edit_menu, examples, view_menu, help_menu):
            m.setToolTipsVisible(True)

        bar = QToolBar("Drawing tools")
        bar.setObjectName("tools")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (self.pen_action, self.eraser_action):
            bar.addAction(act)
        bar.addSeparator()
        brush_label = QLabel(" Brush ")
        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setRange(int(MIN_BRUSH), int(MAX_BRUSH))
        self.brush_slider.setValue(int(round(self.canvas.brush_width())))
        self.brush_slider.setFixedWidth(130)
        self.brush_value = QLabel()
        self.brush_value.setMinimumWidth(44)
        tip = ("Brush width, in pixels of a 280-pixel canvas; about 25 matches the stroke "
               "width of the MNIST digits the network learned from ([ and ] change it).")
        for w in (brush_label, self.brush_slider, self.brush_value):
            w.setToolTip(tip)
        bar.addWidget(brush_label)
        bar.addWidget(self.brush_slider)
        bar.addWidget(self.brush_value)
        bar.addSeparator()
        for act in (self.undo_action, self.redo_action, self.clear_action):
            bar.addAction(act)
        bar.addSeparator()
        example_button = QToolButton()
        example_button.setText("Examples")
        example_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        example_button.setMenu(examples)
        example_button.setToolTip("Draw a built-in example digit (Ctrl+0 … Ctrl+9)")
        bar.addWidget(example_button)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        for act, short in ((self.open_action, "Open…"), (self.save_action, "Save…"),
                           (self.reset_action, "Reset"), (self.dark_action, "Dark")):
            act.setIconText(short)   # the toolbar shows the short text, menus the long one
        for act in (self.open_action, self.save_action, self.reset_action):
            bar.addAction(act)
        bar.addSeparator()
        bar.addAction(self.dark_action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar
        self._update_brush_label(self.canvas.brush_width())
        self._update_history()

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.model_status = QLabel()
        self.model_status.setMinimumWidth(120)  # may shrink: the timing stays visible
        self.model_status.setToolTip("The model in use: file, architecture size and its accuracy "
                                      "on the 10,000 MNIST test digits.")
        self.timing_status = TextLine(align=Qt.AlignmentFlag.AlignRight)
        self.timing_status.setToolTip("Time to preprocess the drawing and run the network once.")
        self.timing_status.setFixedWidth(240)
        self.timing_status.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        status.addWidget(self.model_status, 1)
        status.addPermanentWidget(self.timing_status)

    def _connect(self) -> None:
        self.canvas.sigDrawingChanged.connect(self.controller.request_update)
        self.canvas.sigHistoryChanged.connect(self._update_history)
        self.canvas.sigBrushChanged.connect(self._brush_changed)
        self.canvas.sigEraserToggled.connect(self._eraser_toggled)
        self.brush_slider.valueChanged.connect(lambda v: self.canvas.set_brush_width(float(v)))
        self.controller.sigPredictionUpdated.connect(self._on_result)
        self.controller.sigModelChanged.connect(self._on_model_changed)
        self.kernel_view.sigKernelClicked.connect(self._kernel_clicked)
        self.tabs.currentChanged.connect(self._tab_changed)

    # ================================================================ slots
    def _on_model_changed(self, model: Model) -> None:
        self._spread.cancel()  # its steps refer to the old model's panels
        self.prediction_view.set_num_classes(model.num_classes)
        self.activations_view.set_model(model)
        self.kernel_view.set_model(model)
        self._update_status()
        self.setWindowTitle(f"{APP_NAME} — {model_label(model)}")
        self.sigModelChanged.emit(model)

    def _on_result(self, result: PredictionResult) -> None:
        shown = self._shown(self.activations_view)
        self._activations_stale = not shown
        steps = [partial(self.prediction_view.set_result, result),
                 partial(self.input_view.set_result, result)]
        if shown:
            steps += self.activations_view.update_steps(result)
        steps += [partial(self._show_timing, result), partial(self.sigPanelsUpdated.emit, result)]
        if self._live_refresh and self.isVisible():
            self._spread.start(steps)  # replaces the rest of an older refresh
        else:
            self._spread.cancel()
            for step in steps:
                step()

    def _show_timing(self, result: PredictionResult) -> None:
        if result.empty:
            self.timing_status.setText("")
        else:
            self.timing_status.setText(f"preprocess {result.preprocess_ms:.1f} ms · "
                                       f"network {result.forward_ms:.1f} ms")

    def _tab_changed(self, _index: int) -> None:
        self._refresh_weight_views()
        if self.tabs.currentWidget() is self.activations_view and self._activations_stale:
            self.activations_view.set_result(self.controller.last_result)
            self._activations_stale = False

    def _kernel_clicked(self, layer: str, channel: int) -> None:
        self.activations_view.select_map(layer, channel)
        self.tabs.setCurrentWidget(self.activations_view)

    def _update_status(self) -> None:
        model = self.model
        parts = [f"Model: {model_label(model)}"]
        if self._model_note:
            parts.append(self._model_note)
        preset = model.metadata.get("preset")
        if preset:
            parts.append(f"{preset} architecture")
        parts.append(f"{model.num_params():,} parameters")
        acc = model.metadata.get("test_accuracy")
        if isinstance(acc, (int, float)) and not isinstance(acc, bool):
            parts.append(f"test accuracy {acc:.2%}")
        elif model.metadata.get("untrained"):
            parts.append("untrained: random guesses")
        else:
            parts.append("test accuracy unknown")
        self.model_status.setText("  ·  ".join(parts))

    def set_model_note(self, note: str = "") -> None:
        """A few words on the current model for the status bar (e.g. that it is
        being trained); empty to remove."""
        self._model_note = note
        self._update_status()

    def _update_history(self) -> None:
        self.undo_action.setEnabled(self.canvas.can_undo())
        self.redo_action.setEnabled(self.canvas.can_redo())

    def _toggle_eraser(self) -> None:
        self.canvas.set_eraser(self.eraser_action.isChecked())  # E toggles
        self._eraser_toggled(self.canvas.eraser())

    def _choose_pen(self) -> None:
        self.canvas.set_eraser(False)
        self._eraser_toggled(False)

    def _eraser_toggled(self, on: bool) -> None:
        self.eraser_action.setChecked(on)
        self.pen_action.setChecked(not on)

    def _nudge_brush(self, delta: float) -> None:
        self.canvas.set_brush_width(self.canvas.brush_width() + delta)

    def _brush_changed(self, width: float) -> None:
        self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(int(round(width)))
        self.brush_slider.blockSignals(False)
        self._update_brush_label(width)

    def _update_brush_label(self, width: float) -> None:
        self.brush_value.setText(f"{width:.0f} px")

    def _set_theme_and_save(self, name: str) -> None:
        self.set_theme(name)
        self.settings.set_theme(name)

    def _save_picture(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save window picture",
                                              os.path.join(self.settings.last_folder(),
                                                           "playground.png"), "PNG (*.png)")
        if path and not self.grab().save(path):
            self.show_error("Could not save the picture", f"Writing {path} failed.")

    def _show_help(self) -> None:
        QMessageBox.information(self, "Quick guide", HELP_TEXT)

    def _show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b><p>A convolutional network written in pure NumPy, "
                          f"classifying your drawing live and showing what every layer sees.</p>"
                          f"<p>Model: {model_label(self.model)}</p>")

    # ================================================================ banner
    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(True)
        self.statusBar().showMessage(text, 15000)

    def _hide_banner(self) -> None:
        self.banner.setVisible(False)

    def _style_banner(self) -> None:
        if self._theme.dark:
            self.banner.setStyleSheet("background:#4a3b12; color:#ffe7a3; padding:6px 10px;")
        else:
            self.banner.setStyleSheet("background:#fff4d1; color:#5c4400; padding:6px 10px;")

    # ================================================================ geometry
    def _restore_geometry(self) -> None:
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QApplication.primaryScreen()
            size = QSize(DEFAULT_SIZE)
            if screen is not None:
                avail = screen.availableGeometry()
                size = size.boundedTo(QSize(max(avail.width() - 20, MIN_SIZE.width()),
                                            max(avail.height() - 40, MIN_SIZE.height())))
                self.resize(size)
                frame = self.frameGeometry()
                frame.moveCenter(avail.center())
                self.move(frame.topLeft())
            else:
                self.resize(size)
        splitter = self.settings.splitter_state()
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_preferences(self) -> None:
        """Write geometry, splitter position, theme and brush to the settings."""
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_splitter_state(self.splitter.saveState())
        self.settings.set_theme(self._theme.name)
        self.settings.set_brush_width(self.canvas.brush_width())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_preferences()
        super().closeEvent(event)


class _LeftColumn(QWidget):
    """Canvas on top, kept square and as large as fits (as wide as the column,
    leaving at least ``below_min`` pixels); the ``below`` widget gets the rest."""

    margin, spacing, below_min = 6, 6, 250
    min_width = 380  # input view + prediction side by side without clipping

    def __init__(self, canvas: DrawingCanvas, below: QWidget):
        super().__init__()
        self._canvas, self._below = canvas, below
        canvas.setParent(self)
        below.setParent(self)

    def minimumSizeHint(self) -> QSize:
        m = 2 * self.margin
        return QSize(max(self._canvas.minimumWidth() + m, self.min_width),
                     self._canvas.minimumHeight() + self.spacing + self.below_min + m)

    def sizeHint(self) -> QSize:
        return QSize(400, 700)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        m = self.margin
        width = self.width() - 2 * m
        side = min(width, self.height() - 2 * m - self.spacing - self.below_min)
        side = max(side, self._canvas.minimumHeight())
        self._canvas.setGeometry(m, m, width, side)
        top = m + side + self.spacing
        self._below.setGeometry(m, top, width, max(self.height() - top - m, 0))


HELP_TEXT = """<h3>Draw a digit</h3>
<p>Draw with the left mouse button in the black square; the right button erases.
The prediction and every panel update while you draw.</p>
<h3>Read the panels</h3>
<p><b>Network input</b>: your drawing framed like an MNIST digit (28×28).
<b>Activations</b>: what each layer outputs — convolution maps (blue negative,
red positive), ReLU and pooling maps (bright = strong), dense layers as strips.
Hover anything to read its value; click a feature map to see it enlarged beside
the kernel that produced it. <b>Kernels</b>: the learned filters.</p>
<h3>Keys</h3>
<table>
<tr><td>Ctrl+Z / Ctrl+Shift+Z</td><td>undo / redo</td></tr>
<tr><td>Esc, Delete</td><td>clear the canvas</td></tr>
<tr><td>E, P</td><td>eraser, pen</td></tr>
<tr><td>[ and ]</td><td>thinner / thicker brush</td></tr>
<tr><td>Ctrl+0 … Ctrl+9</td><td>draw an example digit</td></tr>
<tr><td>N</td><td>normalise each feature map</td></tr>
<tr><td>Ctrl+O / Ctrl+S / Ctrl+R</td><td>open / save / reset the model</td></tr>
<tr><td>Ctrl+T</td><td>light / dark theme</td></tr>
<tr><td>Ctrl+Q</td><td>quit</td></tr>
</table>"""

__all__ = ["MainWindow", "THEMES", "APP_NAME"]

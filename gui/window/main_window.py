"""The playground window: canvas, network input and prediction on the left,
per-layer activations, kernels and training in tabs on the right, menus,
toolbar and a status bar with the model's name and test accuracy.

The window composes; the state lives in :class:`~gui.state.app_state.AppState`
(``window.state``), which owns the current and the live model. The window,
the views and the training tab only call it and listen to its signals.

Public handles (used by tests and scripts; keep them stable):

* ``MainWindow(model_path=None)``; ``window.canvas`` (real mouse events draw);
  ``window.canvas.clear()``; ``window.current_probabilities()``;
  ``window.is_training()``; ``window.training_panel``;
* ``window.set_model(model)`` opens a model; ``window.add_tab(widget, title)``;
* ``window.guide`` (the quick guide, F1); ``window.columns`` (what the width is spent on).
"""
from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor
from PySide6.QtWidgets import (QApplication, QMainWindow, QScrollArea, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from engine import Model

from ..drawing.canvas import DrawingCanvas
from ..drawing.overlay import CAPTION_COLOR
from ..drawing.examples import EXAMPLES
from ..drawing.mnist_digits import MnistDigitPicker
from ..drawing.placed import MnistDigit
from ..drawing.strokes import DEFAULT_BRUSH
from ..inspect.activations_view import ActivationsView
from ..inspect.input_view import InputView
from ..inspect.kernel_view import KernelView
from ..inspect.prediction_view import PredictionView
from ..state.app_state import AppState
from ..state.model_info import ModelInfo
from ..state.prediction import PredictionController, PredictionResult
from ..state.settings import AppSettings
from ..state.startup import initial_model
from ..training.panel import TrainingPanel
from ..widgets.file_dialogs import show_error
from ..widgets.focus_visible import mark_keyboard_focus
from ..widgets.plain_text import plain_title, plain_tooltip, show_message
from ..widgets.theme import apply_to_app, get_theme, style_sheet
from ..workers.call_job import CallJob
from .actions import build_actions, build_menus
from .banner import make_banner, show_banner
from .column_policy import ColumnPolicy
from .field_keys import FieldEscape
from .focus_regions import RegionFocusOrder
from .guide import about_html
from .guide_window import QuickGuide
from .left_column import LeftColumn
from .model_files import ModelFiles
from .status_bar import PlaygroundStatusBar
from .runs_wiring import RunsLab
from .tab_steps import step_tab
from .toolbar import DrawingToolbar
from .view_preferences import restore_preferences
from .view_refresh import ViewRefresher
from .why_lab import WhyLab
from .window_geometry import MIN_SIZE, save_geometry
from .window_picture import save_window_picture

APP_NAME = "CNN Playground"
MIN_INTERVAL_MS = 0.0
"""Minimum spacing of model runs while drawing; 0 = once per event-loop turn
(requests are always merged, so work never queues up)."""


class MainWindow(QMainWindow):
    """The playground window.

    :param model_path: model file to open; None -> the bundled model (an
        untrained network with a warning if that is missing or broken)
    :param model: use this in-memory model instead of loading a file
    :param settings: where preferences live (default: :class:`AppSettings`,
        which honours ``$CNN_PLAYGROUND_SETTINGS``)
    :param theme: ``"light"`` / ``"dark"``; default: the saved preference

    Signals: ``sigPanelsUpdated(result)`` (all views show ``result``; the
    :class:`~gui.window.view_refresh.ViewRefresher`'s), ``sigErrorShown(title, message)``,
    ``sigThemeChanged(Theme)`` (after :meth:`set_theme`).
    """

    sigErrorShown = Signal(str, str)
    sigThemeChanged = Signal(object)

    def __init__(self, model_path=None, *, model: Model | None = None,
                 settings: AppSettings | None = None, theme: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else AppSettings()
        self.last_error: tuple[str, str] | None = None
        self._theme = get_theme(theme or self.settings.theme())
        self.setMinimumSize(MIN_SIZE)
        if model is None:
            model, self.startup_problem = initial_model(model_path)
        else:
            self.startup_problem = None
        self.state = AppState(model, self)
        self.files = ModelFiles(self, self.state, self.settings, self.set_model, self.show_error,
                                lambda text, ms: self.statusBar().showMessage(text, ms))
        self.canvas = DrawingCanvas(brush_width=self.settings.brush_width(DEFAULT_BRUSH))
        self.controller = PredictionController(lambda: self.state.shown_model, self.canvas.to_array,
                                               min_interval_ms=MIN_INTERVAL_MS, parent=self,
                                               exact=self.canvas.placed_input)
        self.input_view = InputView()
        self.prediction_view = PredictionView(self.model.num_classes)
        self.activations_view = ActivationsView()
        self.kernel_view = KernelView()
        self.training_panel = TrainingPanel(self.state)
        self.mnist_digits = MnistDigitPicker(self.training_panel.data, np.random.default_rng(),
                                             self)   # Draw > Random test digit
        self.guide = QuickGuide(self)
        self._build()
        self.views = ViewRefresher(self.controller, self.tabs, self.prediction_view,
                                   self.input_view, self.activations_view, self.kernel_view,
                                   self.statusBar(), self.isVisible, self)
        self.sigPanelsUpdated = self.views.sigPanelsUpdated
        self._connect()
        self.why = WhyLab(self)   # saliency overlay, morphs, what units want
        self.runs = RunsLab(self)  # run recording, time machine, Dynamics and Runs tabs
        self.set_theme(self._theme.name)
        self.views.model_changed(self.model)
        self._info_changed(self.state.info)
        restore_preferences(self)   # size and place, Normalise maps, the Why? method
        mark_keyboard_focus(self, QScrollArea)   # a page's frame when Tab is on it
        problems = [p for p in (self.startup_problem, self.settings.problem) if p]
        if problems:
            show_banner(self.banner, "\n".join(problems))
        app = QApplication.instance()
        if app is not None:  # a backstop: quitting without closing the window
            app.aboutToQuit.connect(self.training_panel.shutdown)

    # ================================================================ public API
    @property
    def model(self) -> Model:
        """The model the views show (the live one while training is followed)."""
        return self.state.shown_model

    def set_model(self, model: Model) -> None:
        """Open ``model`` (panels follow its architecture). Raises
        :class:`IncompatibleModelError` if it cannot read 28x28 drawings."""
        self.state.open_model(model)
        self.banner.setVisible(False)

    def current_probabilities(self) -> np.ndarray | None:
        """``(classes,)`` probabilities for the current drawing, None when empty."""
        result = self.controller.flush()
        return None if result.empty else result.probabilities.copy()

    def current_result(self) -> PredictionResult:
        """The newest :class:`PredictionResult` (runs a pending update first)."""
        return self.controller.flush()

    def open_model(self, path=None, announce: str | None = None) -> bool:
        """Load a model file (a dialog asks when ``path`` is None); see :class:`ModelFiles`."""
        return self.files.open(path, announce)

    def save_model(self, path=None) -> bool:
        """Save the shown model (a dialog asks when ``path`` is None)."""
        return self.files.save(path)

    def reset_model(self) -> bool:
        """Go back to the bundled pretrained model."""
        return self.files.reset()

    def draw_example(self, digit: int) -> None:
        """Replace the drawing with the built-in example of ``digit`` (undoable)."""
        self.canvas.clear()
        self.canvas.draw_strokes(EXAMPLES[int(digit)], width=DEFAULT_BRUSH)

    def place_test_digit(self, digit: MnistDigit) -> None:
        """Replace the drawing with an MNIST test digit that the network reads
        exactly as it is (undoable, see :mod:`gui.drawing.placed`), say which
        one in the status bar and show the Activations tab."""
        self.canvas.place_image(digit.pixels, digit.caption)
        self.statusBar().showMessage(digit.caption, 10000)
        self.tabs.setCurrentWidget(self.activations_view)

    def add_bottom_bar(self, widget: QWidget) -> None:
        """Add a bar under the tabs (e.g. the time machine; the canvas column
        keeps its height); it follows the theme if it has ``apply_theme``."""
        self.tabs.parentWidget().layout().addWidget(widget)
        if hasattr(widget, "apply_theme"):
            widget.apply_theme(self._theme)

    def add_tab(self, widget: QWidget, title: str, tooltip: str = "") -> int:
        """Add a panel to the right-hand tabs."""
        index = self.tabs.addTab(widget, title)
        if tooltip:
            self.tabs.setTabToolTip(index, plain_tooltip(tooltip))
        if hasattr(widget, "apply_theme"):
            widget.apply_theme(self._theme)
        return index

    def is_training(self) -> bool:
        """True from Start until the training thread has ended."""
        return self.training_panel.is_training()

    @property
    def refresh_pending(self) -> bool:
        """True while a live-weight refresh still spreads its steps over event-loop turns."""
        return self.views.pending

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
        # the drawing square is black in both themes: its hint in a light grey, like captions
        self.canvas.set_colors(self._theme.qcolor("canvas_border"), QColor(CAPTION_COLOR))
        pages = [self.tabs.widget(i) for i in range(self.tabs.count())]
        for view in [self.input_view, self.prediction_view, *pages]:
            if hasattr(view, "apply_theme"):
                view.apply_theme(self._theme)
        self.guide.apply_theme(self._theme)
        self.dark_action.setChecked(self._theme.dark)
        self.sigThemeChanged.emit(self._theme)

    def show_error(self, title: str, message: str) -> None:
        """Report a problem with a dialog (and ``sigErrorShown``); never fatal."""
        self.last_error = (title, message)
        self.statusBar().showMessage(title, 6000)
        self.sigErrorShown.emit(title, message)
        show_error(self, title, message)

    def save_preferences(self) -> None:
        """Write geometry, splitter position, theme and brush to the settings."""
        save_geometry(self, self.splitter, self.settings)
        self.settings.set_theme(self._theme.name)
        self.settings.set_brush_width(self.canvas.brush_width())
        self.settings.sync()

    def focusNextPrevChild(self, next: bool) -> bool:  # Tab: region by region
        return self.focus_order.step(next) or super().focusNextPrevChild(next)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.training_panel.shutdown()  # stops a run and waits for its thread
        CallJob.wait_all()              # explanations being computed: dropped
        self.save_preferences()
        super().closeEvent(event)

    # ================================================================ building
    def _build(self) -> None:
        left = self.left_column = LeftColumn(self.canvas, self.input_view, self.prediction_view)
        left.try_row.sigDigitChosen.connect(self.draw_example)
        self.tabs = QTabWidget()
        for widget, title, tip in (
                (self.activations_view, "Activations",
                 "What every layer outputs for your drawing, layer by layer."),
                (self.kernel_view, "Kernels",
                 "The learned convolution kernels (filters) of every conv layer."),
                (self.training_panel, "Training", "Train a network on MNIST and watch it learn")):
            self.tabs.setTabToolTip(self.tabs.addTab(widget, title), plain_tooltip(tip))
        right = QWidget()
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(0, 6, 6, 6)
        right_col.addWidget(self.tabs)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.columns = ColumnPolicy(self, left, self.tabs, self.training_panel)
        self.field_escape = FieldEscape(self)   # Esc and letters typed in a field stay there
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([400, 840])
        self.banner = make_banner()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self._build_commands()
        self.setStatusBar(PlaygroundStatusBar())
        self.model_status = self.statusBar().model_status
        self.focus_order = RegionFocusOrder(self, lambda: (
            self.toolbar, self.banner, left, self.tabs.tabBar(), self.tabs, right, self.statusBar()))
        self.timing_status = self.statusBar().timing_status

    def _build_commands(self) -> None:
        """Actions, menus and toolbar from :data:`gui.window.actions.ACTIONS`."""
        c = self.canvas
        slots = {"open": lambda: self.open_model(), "save": lambda: self.save_model(),
                 "reset": lambda: self.reset_model(),
                 "screenshot": lambda: save_window_picture(self, self.settings, self.show_error),
                 "quit": self.close, "undo": c.undo, "redo": c.redo, "clear": c.clear,
                 "pen": self._choose_pen, "eraser": self._toggle_eraser,
                 "thinner": lambda: c.set_brush_width(c.brush_width() - 3),
                 "thicker": lambda: c.set_brush_width(c.brush_width() + 3),
                 "dark": lambda on: self._set_theme_and_save("dark" if on else "light"),
                 "normalise": self.activations_view.set_normalise_each,
                 "help": lambda: self.guide.toggle(self.tabs.tabText(self.tabs.currentIndex())),
                 "about": self._show_about, "random_digit": self.mnist_digits.pick,
                 "plain_framing": lambda on: self.why.set_plain_framing(on),
                 "next_tab": lambda: step_tab(self.tabs, 1),
                 "previous_tab": lambda: step_tab(self.tabs, -1)}
        slots.update({f"example{d}": partial(lambda d, _=False: self.draw_example(d), d)
                      for d in range(10)})
        actions = build_actions(self, slots)
        for key, action in actions.items():
            setattr(self, f"{key}_action", action)   # our own attributes: open_action, ...
        self.example_actions = [actions[f"example{d}"] for d in range(10)]
        self.pen_action.setChecked(True)
        menus = build_menus(self.menuBar(), actions)
        self.toolbar = DrawingToolbar(actions, menus["Draw/Examples"], self.canvas.brush_width())
        self.brush_slider = self.toolbar.brush_slider
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self._update_history()

    def _connect(self) -> None:
        self.canvas.sigDrawingChanged.connect(self.controller.request_update)
        self.canvas.sigHistoryChanged.connect(self._update_history)
        self.canvas.sigBrushChanged.connect(self.toolbar.show_brush)
        self.canvas.sigEraserToggled.connect(self._eraser_toggled)
        self.toolbar.sigBrushChanged.connect(self.canvas.set_brush_width)
        self.state.sigModelChanged.connect(self.views.model_changed)
        self.state.sigWeightsChanged.connect(self.views.weights_changed)
        self.state.sigInfoChanged.connect(self._info_changed)
        self.kernel_view.sigKernelClicked.connect(self._kernel_clicked)
        self.training_panel.evaluation_view.sigDigitChosen.connect(self.place_test_digit)
        self.mnist_digits.sigPicked.connect(self.place_test_digit)
        self.mnist_digits.sigStatus.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.mnist_digits.sigUnavailable.connect(
            lambda title, text: show_message(self, "information", title, text))

    # ================================================================ slots
    def _info_changed(self, info: ModelInfo) -> None:
        self.statusBar().show_info(info)
        self.setWindowTitle(plain_title(f"{APP_NAME} — {info.label}"))

    def _kernel_clicked(self, layer: str, channel: int) -> None:
        self.activations_view.select_map(layer, channel)
        self.tabs.setCurrentWidget(self.activations_view)

    def _update_history(self) -> None:
        self.undo_action.setEnabled(self.canvas.can_undo())
        self.redo_action.setEnabled(self.canvas.can_redo())

    def _choose_pen(self) -> None:
        self.canvas.set_eraser(False)
        self._eraser_toggled(False)

    def _toggle_eraser(self) -> None:
        self.canvas.set_eraser(self.eraser_action.isChecked())  # E toggles
        self._eraser_toggled(self.canvas.eraser())

    def _eraser_toggled(self, on: bool) -> None:
        self.eraser_action.setChecked(on)
        self.pen_action.setChecked(not on)

    def _set_theme_and_save(self, name: str) -> None:
        self.set_theme(name)
        self.settings.set_theme(name)

    def _show_about(self) -> None:
        show_message(self, "about", f"About {APP_NAME}", about_html(APP_NAME), markup=True)


__all__ = ["MainWindow", "APP_NAME"]

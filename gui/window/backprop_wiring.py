"""One step of backpropagation on the drawing, in the window: the "One step"
tab (:class:`~gui.backprop.step_tab.OneStepTab`) trains the shown model for
one step on the network input of the drawing (:class:`~gui.backprop.step_runner.StepRunner`,
off the GUI thread on a copy, then written into the shown model), shows what
happened layer by layer and undoes steps one at a time; while its step is
walked, Left / Right on the drawing (where the focus usually is) walk it too.
After a step or an undo every view refreshes (:meth:`gui.state.app_state.AppState.weights_changed`).

Refused, with the reason on the disabled button and in the tab: while a
training run is going, while the time machine shows an earlier moment of a
run (the step would be lost at the next scrub), with nothing drawn, while
a preview is shown. Only
the window's public parts are used.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject

from engine import Model, StepTrace

from ..backprop.step_runner import StepRequest, StepRunner
from ..backprop.step_tab import OneStepTab
from ..state.prediction import PredictionResult

TITLE = "One step"
TAB_TIP = ("Train the network for one step on your drawing and watch backpropagation: the "
           "gradient in every layer, every weight's update, the answer before and after.")
TRAINING = "Training is running: one step waits until the run has ended."
EMPTY = "Draw a digit first: there is nothing to train on."
PREVIEW = "A preview is shown: draw, or let the preview end, to train on your drawing."
BUSY = "Computing the step…"
PAST = ("The time machine shows an earlier moment of a run: press Now (under the tabs) to "
        "train the model in use.")
NO_LABEL = "Choose the digit to train the drawing as."
MESSAGE_MS = 8000


def runner_up(result: PredictionResult) -> int | None:
    """The second most likely class of ``result`` (None when empty)."""
    p = result.probabilities
    if p is None or len(p) < 2:
        return None
    return int(np.argsort(p)[-2])


def layer_kinds(model: Model) -> dict[str, str]:
    """``{layer name: type name}``, e.g. ``{"conv1": "Conv2D"}``."""
    return {layer.name: type(layer).__name__ for layer in model.layers}


class BackpropLab(QObject):
    """Owns the one-step parts of one window. ``tab``, ``runner`` and
    ``last_ms`` (click to applied step, milliseconds) are public for tests."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window, self._state = window, window.state
        self._status = window.statusBar()
        self.tab = OneStepTab(window.model.num_classes)
        self.index = window.add_tab(self.tab, TITLE, TAB_TIP)
        self.runner = StepRunner(self)
        self.last_ms: float | None = None
        self._clicked_at = 0.0
        self._taken, self._taken_on = 0, None      # steps (minus undos) on that model
        controls = self.tab.controls
        controls.sigTrain.connect(lambda: self.train())
        controls.sigUndo.connect(lambda: self.undo())
        controls.sigLabelChanged.connect(lambda _digit: self._show_now())
        window.tabs.currentChanged.connect(lambda index: index == self.index and self._show_now())
        self.tab.walk_keys_on(window.canvas)   # Left / Right on the drawing walk the step too
        window.controller.sigPredictionUpdated.connect(self._result)
        self._state.sigModelChanged.connect(self._model_changed)
        self._state.sigInfoChanged.connect(lambda _info: self._update_ready())
        panel = window.training_panel
        panel.sigTrainingStarted.connect(self._update_ready)
        panel.sigTrainingFinished.connect(lambda _result: self._update_ready())
        panel.sigTrainingFailed.connect(lambda _message: self._update_ready())
        self.runner.sigStepped.connect(self._stepped)
        self.runner.sigUndone.connect(self._undone)
        self.runner.sigProblem.connect(self._problem)
        self.runner.sigBusy.connect(lambda _busy: self._update_ready())
        self._result(window.controller.last_result)

    # ------------------------------------------------------------------ API
    def why_not(self) -> str | None:
        """Why one step cannot be taken now (None: it can)."""
        result = self._window.controller.last_result
        if self._window.is_training():
            return TRAINING
        if self.runner.busy:
            return BUSY
        if self._state.visited_model is not None:
            return PAST
        if result.preview:
            return PREVIEW
        if result.empty or result.image is None:
            return EMPTY
        if self.tab.controls.label() is None:
            return NO_LABEL
        return None

    def train(self) -> bool:
        """Take one step as the controls say (False, and the reason shown, if refused)."""
        self._window.current_result()                    # a pending update first
        why = self.why_not()
        if why is not None:
            self.tab.controls.say(why)
            self._update_ready()
            return False
        controls = self.tab.controls
        controls.hold()
        request = StepRequest(np.asarray(self._window.controller.last_result.image,
                                         dtype=np.float32),
                              controls.label(), controls.lr(), controls.momentum())
        self._clicked_at = time.perf_counter()
        self.tab.expect_step(self._state.shown_model, request.image)
        return self.runner.step(self._state.shown_model, request)

    def undo(self) -> bool:
        """Undo the newest step (the weights come back bit for bit)."""
        if self._window.is_training():
            self.tab.controls.say(TRAINING)
            return False
        return self.runner.undo(self._state.shown_model)

    # ------------------------------------------------------------- internals
    def _result(self, result: PredictionResult) -> None:
        if not result.preview:
            label = self.tab.controls.label()
            self.tab.controls.follow(runner_up(result))
            if self.tab.controls.label() == label:     # (else the label's signal showed it)
                self._show_now()
        self._update_ready()

    def _show_now(self) -> None:
        """Before a step, the tab shows what the model gives the drawing now."""
        result = self._window.controller.last_result
        if result.preview or not self.tab.isVisible() or self._window.is_training():
            return                                  # (shown when the tab is; no step then)
        self.tab.show_now(None if result.empty else result.probabilities,
                          self.tab.controls.label())

    def _update_ready(self) -> None:
        why = self.why_not()
        self.tab.controls.set_ready(why)
        said = self.tab.controls.status.text()
        if why == EMPTY and not said:
            self.tab.controls.say(EMPTY)           # a blank canvas: say why nothing can happen
        elif why != EMPTY and said == EMPTY:
            self.tab.controls.say()
        self.tab.controls.set_undo(len(self.runner.steps)
                                   if self.runner.model is self._state.shown_model else 0)

    def _model_changed(self, _model: Model) -> None:
        self.runner.forget()
        self.tab.show_step(None)
        self.tab.controls.say()
        self._update_ready()

    def _stepped(self, trace: StepTrace) -> None:
        self.last_ms = (time.perf_counter() - self._clicked_at) * 1000.0
        model = self.runner.model
        self._state.weights_changed(model)
        self._taken = self._taken + 1 if model is self._taken_on else 1
        self._taken_on = model
        self._state.set_hand_steps(model, self._taken)
        self.tab.show_step(trace, layer_kinds(model))
        steps = len(self.runner.steps)
        self.tab.controls.say(
            f"Step {steps} taken as {trace.label} (lr {trace.lr:g}"
            f"{f', momentum {trace.momentum:g}' if trace.momentum else ''}) in "
            f"{self.last_ms:.0f} ms: every view shows the changed weights.",
            f"Step {steps} as {trace.label}: {self.last_ms:.0f} ms", f"Step {steps}")
        self._update_ready()

    def _undone(self, top: StepTrace | None) -> None:
        model = self.runner.model
        self._state.weights_changed(model)
        self._taken = max(self._taken - 1, 0) if model is self._taken_on else 0
        self._state.set_hand_steps(model, self._taken)
        self.tab.show_step(top, layer_kinds(model))
        left = len(self.runner.steps)
        self.tab.controls.say(f"Step undone: the weights are as before it ({left} step"
                              f"{'' if left == 1 else 's'} left to undo).", "Step undone")
        self._update_ready()

    def _problem(self, text: str) -> None:
        self.tab.controls.say(text)
        self._status.showMessage(text, MESSAGE_MS)
        self._update_ready()


def connect_backprop(window) -> BackpropLab:
    """Add the "One step" tab to ``window`` and wire it (see the module docstring)."""
    return BackpropLab(window)


__all__ = ["BackpropLab", "connect_backprop"]

"""The application's state: which model the user has open, which one is being
trained, and which of the two the views show. One owner, like napari's
``ViewerModel``: widgets never hand models to each other; they call this
object and listen to its signals.

* the **current** model is the one the user opened (a file, the bundled model,
  a trained model they chose to use);
* the **live** model is a copy of the weights being trained, refreshed from the
  training thread's snapshots; while a run lasts the views follow it, unless the
  user opens another model meanwhile;
* the **visited** model is a moment of a run the user went back to (a
  checkpoint, through the time machine): while there is one the views show it,
  whatever else happens; :meth:`AppState.leave_visit` returns to the present;
* the **shown** model is the visited one if any, else the live one while it is
  followed, else the current one;
* the **previous** model is the one that was current before a run's trained
  model or an adopted one (:meth:`AppState.adopt`, e.g. fine-tuned on the
  user's handwriting) took its place (so the user can go back to it), or None;
* the current model's **note** says what was done to it (e.g. "personalised
  with 53 samples of my handwriting"); the status bar shows it.

When a run ends with a trained model while its live weights are still
followed, the trained model becomes the current one (the network the learner
just trained stays in use); :meth:`AppState.go_back` restores the previous one.

Signals (all in the GUI thread):

* ``sigModelChanged(Model)`` - the shown model is another object (views rebuild
  for its architecture and re-run the prediction);
* ``sigWeightsChanged()`` - the shown model's weights changed in place;
* ``sigInfoChanged(ModelInfo)`` - what the status bar and title say changed.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine import Model

from .model_info import ModelInfo
from .prediction import check_model

LIVE_NOTE = "training: live weights"


class AppState(QObject):
    """Owns the current and the live model; see the module docstring.

    :param model: the model the window opens with (must take 28x28 drawings)
    """

    sigModelChanged = Signal(object)
    sigWeightsChanged = Signal()
    sigInfoChanged = Signal(object)

    def __init__(self, model: Model, parent: QObject | None = None):
        super().__init__(parent)
        check_model(model)
        self._current = model
        self._live: Model | None = None
        self._follow_live = False
        self._live_accuracy: float | None = None
        self._previous: Model | None = None
        self._note = ""                 # what was done to the current model (adopt)
        self._measured = ""             # how well it does, when measured otherwise (adopt)
        self._hand_steps: tuple[Model | None, int] = (None, 0)   # one-step updates, see below
        self._visited: Model | None = None
        self._visit_note = ""
        self._info = ModelInfo.of(model)

    # ------------------------------------------------------------------ read
    @property
    def current_model(self) -> Model:
        """The model the user has open."""
        return self._current

    @property
    def live_model(self) -> Model | None:
        """The weights being trained (a copy the GUI thread may read), or None."""
        return self._live

    @property
    def shown_model(self) -> Model:
        """The model the views show: the visited one if any, else the live one
        while followed, else the current one."""
        if self._visited is not None:
            return self._visited
        return self._live if self._live is not None and self._follow_live else self._current

    @property
    def visited_model(self) -> Model | None:
        """The moment of a run the views show instead of the present, or None."""
        return self._visited

    @property
    def previous_model(self) -> Model | None:
        """The model that was current before a trained model replaced it, or None."""
        return self._previous

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def training(self) -> bool:
        """True while a run has a live model."""
        return self._live is not None

    # ----------------------------------------------------------------- change
    def open_model(self, model: Model) -> None:
        """Make ``model`` the current model and show it (a run goes on unseen).
        Raises :class:`~gui.state.prediction.IncompatibleModelError` for a
        model that cannot read drawings; nothing changes then."""
        check_model(model)
        before = self.shown_model
        if model is not self._current:
            self._previous = None       # going back is offered right after a run only
            self._note = self._measured = ""
        self._current, self._follow_live = model, False
        self._visited, self._visit_note = None, ""
        self._announce(before)

    def adopt(self, model: Model, note: str = "", measured: str = "") -> None:
        """Make ``model`` (derived from the current one, e.g. fine-tuned on the
        user's handwriting) the current model and show it; the model it
        replaces is kept for :meth:`go_back`, ``note`` is shown in the status
        bar while it is current, and ``measured`` (e.g. "MNIST 99.6% on 2,000
        test digits") in place of an unknown test accuracy. A run goes on unseen. Raises
        :class:`~gui.state.prediction.IncompatibleModelError` for a model
        that cannot read drawings; nothing changes then."""
        check_model(model)
        if model is self._current:
            return
        before = self.shown_model
        self._previous, self._current, self._follow_live = self._current, model, False
        self._note, self._measured = str(note), str(measured)
        self._visited, self._visit_note = None, ""
        self._announce(before)

    @property
    def note(self) -> str:
        """What was done to the current model (set by :meth:`adopt`), or ""."""
        return self._note

    def begin_training(self, live: Model) -> None:
        """A run started: show ``live`` (a copy of the weights being trained)."""
        check_model(live)
        before = self.shown_model
        self._live, self._follow_live, self._live_accuracy = live, True, None
        self._visited, self._visit_note = None, ""
        self._announce(before)

    def update_live_weights(self, weights: dict) -> None:
        """Copy a training snapshot (``{name: array}``) into the live model."""
        if self._live is None:
            return
        self._live.set_weights(weights)
        if self.shown_model is self._live:
            self.sigWeightsChanged.emit()

    def set_live_accuracy(self, accuracy: float | None) -> None:
        """The live weights' accuracy on the whole test set (after an epoch)."""
        self._live_accuracy = accuracy
        self._refresh_info()

    def end_training(self, trained: Model | None = None) -> bool:
        """The run ended. With a ``trained`` model while the live weights were
        still followed, that model becomes the current one (the previous one
        is kept for :meth:`go_back`); otherwise the current model is shown
        again. Returns True if ``trained`` became current."""
        if self._live is None:
            return False
        before = self.shown_model
        adopt = trained is not None and self._follow_live
        if adopt:
            check_model(trained)
            self._previous, self._current, self._note = self._current, trained, ""
            self._measured = ""
        self._live, self._follow_live, self._live_accuracy = None, False, None
        self._announce(before)
        return adopt

    def go_back(self) -> bool:
        """Make the previous model current again (after a run adopted its
        trained model, or after :meth:`adopt`). Returns False when there is none."""
        if self._previous is None or self._live is not None:
            return False
        before = self.shown_model
        self._current, self._previous, self._note = self._previous, None, ""
        self._measured = ""
        self._visited, self._visit_note = None, ""
        self._announce(before)
        return True

    def visit(self, model: Model, note: str) -> None:
        """Show ``model`` (e.g. a run's checkpoint) until :meth:`leave_visit`;
        ``note`` (e.g. "checkpoint: step 200 of a bench run") is shown in the
        status bar, which claims no test accuracy for it. Visiting the same
        model object again after its weights changed in place (the time
        machine reuses one model per run) emits ``sigWeightsChanged`` only."""
        check_model(model)
        before = self.shown_model
        self._visited, self._visit_note = model, str(note)
        if model is before:
            self.sigWeightsChanged.emit()
        self._announce(before)

    def leave_visit(self) -> None:
        """Back to the present: the live or the current model."""
        if self._visited is None:
            return
        before = self.shown_model
        self._visited, self._visit_note = None, ""
        self._announce(before)

    def weights_changed(self, model: Model) -> None:
        """``model``'s weights were changed in place (e.g. by a training step)."""
        if model is self.shown_model:
            self.sigWeightsChanged.emit()

    def set_hand_steps(self, model: Model, steps: int) -> None:
        """``model``'s weights differ from its record by ``steps`` one-step
        updates on a drawing (0: undone): while it is shown, the status bar says
        so and no longer claims its recorded test accuracy."""
        self._hand_steps = (model, int(steps)) if steps > 0 else (None, 0)
        self._refresh_info()

    def metadata_changed(self, model: Model) -> None:
        """``model``'s metadata changed (e.g. its measured test accuracy)."""
        if model is self.shown_model:
            self._refresh_info()

    # --------------------------------------------------------------- internals
    def _announce(self, before: Model) -> None:
        if self.shown_model is not before:
            self.sigModelChanged.emit(self.shown_model)
        self._refresh_info()

    def _refresh_info(self) -> None:
        info = self._describe(self.shown_model)
        if info != self._info:
            self._info = info
            self.sigInfoChanged.emit(info)

    def _describe(self, shown: Model) -> ModelInfo:
        if shown is self._visited:
            return ModelInfo.of(shown, note=self._visit_note, measured=False)
        live = shown is self._live
        stepped, steps = self._hand_steps
        note = LIVE_NOTE if live else self._note
        edited = shown is stepped and not live
        if edited:
            note = "; ".join(n for n in (note, f"changed by {steps} step{'s' * (steps != 1)} "
                                               "on a drawing (not saved)") if n)
        return ModelInfo.of(shown, note=note, measured=not edited,
                            test_accuracy=self._live_accuracy if live else None,
                            measured_text=self._measured if shown is self._current
                            and not (live or edited) else "")

"""The model a run produced, from the moment it ends until the user saves it
or uses it: its provenance written into its metadata, and - when the run did
not end with an evaluation on the whole test set (stopped, or a test subset)
- its accuracy measured off the GUI thread by the evaluation view."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from engine import Model
from engine.data.dataset import Dataset
from engine.nn.metadata import record_test_accuracy, record_training
from engine.training.evaluate import EvalResult
from engine.training.reports import FinishedReport

from ..state.app_state import AppState
from ..state.model_info import model_label
from .evaluation_view import EvaluationView
from .run_controller import RunController


class TrainedModel(QObject):
    """Keeps :attr:`model`, the last run's result (None before a run, or when
    it made no step). ``sigMeasured(Model)``: its test accuracy on the whole
    test set was measured and recorded after the run."""

    sigMeasured = Signal(object)

    def __init__(self, evaluation_view: EvaluationView, state: AppState | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.model: Model | None = None
        self._view = evaluation_view
        self._state = state
        self._kept_out = False       # the last run's model was not put in use: it did not learn

    # ------------------------------------------------ in use in the application
    @property
    def in_use(self) -> bool:
        """The trained model is the application's current model."""
        return self._state is not None and self.model is not None \
            and self._state.current_model is self.model

    @property
    def can_go_back(self) -> bool:
        """The model open before the run can become current again."""
        return self._state is not None and self._state.previous_model is not None

    def put_in_use(self, closing: bool, learned: bool = True) -> None:
        """The run's thread ended: the trained model becomes current unless the
        user opened another model meanwhile, it did not learn (``learned``
        False: a model at chance must not replace a working one), or the
        window is closing (no view rebuilds then)."""
        self._kept_out = not learned
        if self._state is not None:
            self._state.end_training(None if closing or not learned else self.model)

    def note(self) -> str:
        """What the Run box says about the trained model now ("" when nothing)."""
        if self.in_use and self.can_go_back:
            return (f"The trained model is now in use; \u201cBack to previous model\u201d "
                    f"returns to {model_label(self._state.previous_model)}.")
        if self._kept_out and self.model is not None and not self.in_use:
            return ("The model you had stays in use, as this one did not learn "
                    "(\u201cUse this model\u201d still can).")
        return ""

    def use(self) -> str | None:
        """Make the trained model current ("Use this model"); what to say, or None."""
        if self.model is None or self._state is None:
            return None
        self._state.open_model(self.model)
        return f"Now using the trained model ({model_label(self.model)})."

    def go_back(self) -> str | None:
        """Make the model open before the run current again; what to say, or None."""
        if self._state is None or not self._state.go_back():
            return None
        return (f"Back to {model_label(self._state.current_model)}; "
                "\u201cUse this model\u201d brings the trained one back.")

    def clear(self) -> None:
        """A new run starts: nothing to keep yet."""
        self.model, self._kept_out = None, False

    def take(self, run: RunController, report: FinishedReport, started_from: str,
             data: Dataset | None, measure: bool = True) -> None:
        """Keep the model of the run that just ended (its thread has ended),
        record how it was trained, and measure its accuracy unless the run's
        last evaluation already did (``measure=False``: never start an
        evaluation, e.g. while closing)."""
        self.model = run.model if report.steps > 0 else None
        if self.model is None:
            return
        md = self.model.metadata
        record_training(md, settings=run.config.as_record(), epochs=report.epochs_completed,
                        steps=report.steps, started_from=started_from, in_app=True,
                        run=run.number or None)
        if report.reason == "completed" and run.last_epoch is not None and run.plan.full_test_set:
            record_test_accuracy(md, run.last_epoch.test_accuracy)
        elif data is not None and measure:
            model = self.model
            self._view.evaluate(model, data.test_images, data.test_labels,
                                "Trained model, final weights",
                                on_result=lambda result: self._measured(model, result))

    def _measured(self, model: Model, result: EvalResult) -> None:
        """The whole-test-set evaluation of ``model`` (this one's, never another's)."""
        if model is self.model:
            record_test_accuracy(model.metadata, result.accuracy)
            self.sigMeasured.emit(model)

    def save(self, path) -> str | None:
        """Write the model to ``path`` (atomically; the status bar then names
        the file if the model is shown); None, or what went wrong."""
        if self.model is None:
            return "There is no trained model to save."
        try:
            self.model.save(path)
        except (OSError, ValueError) as exc:
            return f"Saving to {path} failed: {exc}"
        if self._state is not None:
            self._state.metadata_changed(self.model)
        return None

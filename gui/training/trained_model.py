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

from .evaluation_view import EvaluationView
from .run_controller import RunController


class TrainedModel(QObject):
    """Keeps :attr:`model`, the last run's result (None before a run, or when
    it made no step). ``sigMeasured(Model)``: its test accuracy on the whole
    test set was measured and recorded after the run."""

    sigMeasured = Signal(object)

    def __init__(self, evaluation_view: EvaluationView, parent: QObject | None = None):
        super().__init__(parent)
        self.model: Model | None = None
        self._view = evaluation_view

    def clear(self) -> None:
        """A new run starts: nothing to keep yet."""
        self.model = None

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
                        steps=report.steps, started_from=started_from, in_app=True)
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
        """Write the model to ``path`` (atomically); None, or what went wrong."""
        try:
            self.model.save(path)
        except (OSError, ValueError) as exc:
            return f"Saving to {path} failed: {exc}"
        return None

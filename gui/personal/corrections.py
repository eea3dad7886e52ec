"""Correcting the network at the prediction: the "It's a ..." panel
(:class:`~gui.personal.teach_row.TeachRow`) and the keys Shift+0 ... Shift+9
add the drawing to the person's handwriting samples with that label, in one
click or key. The network's own answer means "Right: add as an example", any
other digit "That's wrong - it's a 3". Only hand-drawn drawings count (see
:mod:`gui.personal.drawing_sample`); the panel's buttons are disabled, and
their tooltips say why, otherwise. Feedback goes to the panel's title and
the status bar ("Added a 7 to your handwriting (12 samples)"); Undo takes
the last added sample out again.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStatusBar

from engine.personal import PersonalSetError

from ..drawing.canvas import DrawingCanvas
from ..state.prediction import PredictionController, PredictionResult
from .drawing_sample import drawing_sample, foreign_ink, sample_problem
from .personal_samples import PersonalSamples
from .teach_row import IDLE, READY, TeachRow

#: How long the status bar keeps a message (ms).
MESSAGE_MS = 8000


def article(digit: int) -> str:
    """'an' before 8 ("an 8"), else 'a'."""
    return "an" if int(digit) == 8 else "a"


def samples_text(n: int) -> str:
    return f"{n} sample" if n == 1 else f"{n} samples"


class Corrections(QObject):
    """Connects the panel, the keys and the status bar to the samples' owner.

    Signal: ``sigAdded(int)`` - a drawing was added with this label (the
    guided flow and tests listen)."""

    sigAdded = Signal(int)

    def __init__(self, row: TeachRow, canvas: DrawingCanvas, controller: PredictionController,
                 samples: PersonalSamples, status: QStatusBar, parent: QObject | None = None):
        super().__init__(parent)
        self.row, self._canvas, self._controller = row, canvas, controller
        self._samples, self._status = samples, status
        self._just_added = False          # the title says "Added ..." until the drawing changes
        #: (canvas image side, foreign ink?) of the current drawing: the check repaints
        #: every stroke, and each weight snapshot of a training run re-predicts it
        self._ink_checked: tuple[int, bool] | None = None
        row.sigDigit.connect(self.add)
        row.sigUndo.connect(self.undo)
        controller.sigPredictionUpdated.connect(self._predicted)
        canvas.sigDrawingChanged.connect(self._drawing_changed)
        samples.sigChanged.connect(lambda _set: self._show_undo())
        self._predicted(controller.last_result)

    # ------------------------------------------------------------------ API
    def problem(self) -> str | None:
        """Why the drawing cannot be added now (None: it can)."""
        return sample_problem(self._controller.flush(), self._canvas, self._foreign_ink)

    def add(self, digit: int) -> bool:
        """Add the drawing as a sample of ``digit``; True if it went in (or was
        relabelled). Says why not in the status bar otherwise."""
        result = self._controller.flush()
        why = sample_problem(result, self._canvas, self._foreign_ink)
        if why is not None:
            self._status.showMessage(why, MESSAGE_MS)
            return False
        image, strokes = drawing_sample(result, self._canvas)
        try:
            added = self._samples.add(image, digit, strokes)
        except PersonalSetError:            # beyond the stroke limits: keep the image only
            try:
                added = self._samples.add(image, digit, ())
            except PersonalSetError as exc:
                self._status.showMessage(f"Could not add it: {exc}", MESSAGE_MS)
                return False
        n = len(self._samples)
        a = article(digit)
        if added:
            said = result.top_class
            verdict = "" if said is None or said == digit else f"; the network said {said}"
            self._status.showMessage(f"Added {a} {digit} to your handwriting "
                                     f"({samples_text(n)}{verdict}).", MESSAGE_MS)
            self.row.set_title((f"Added {a} {digit} ({samples_text(n)})", f"Added {a} {digit} ({n})",
                                f"Added {a} {digit}", "Added"))
        else:
            self._status.showMessage(f"This drawing is already in your handwriting, now as "
                                     f"{a} {digit} ({samples_text(n)}).", MESSAGE_MS)
            self.row.set_title((f"Already in: {a} {digit}", f"In as {a} {digit}"))
        self._just_added = True
        self._show_undo()
        self.sigAdded.emit(int(digit))
        return True

    def undo(self) -> bool:
        """Take the last added sample out again."""
        sample_id = self._samples.last_added
        if sample_id is None:
            return False
        digit = self._samples.samples.sample(sample_id).label
        self._samples.undo_add()
        n = len(self._samples)
        self._status.showMessage(f"Took the {digit} out of your handwriting again "
                                 f"({samples_text(n)}).", MESSAGE_MS)
        self.row.set_title((f"Took it out ({samples_text(n)})", f"Out ({n})"))
        return True

    # -------------------------------------------------------------- private
    def _show_undo(self) -> None:
        self.row.show_undo(self._just_added and self._samples.last_added is not None)

    def _foreign_ink(self, canvas: DrawingCanvas) -> bool:
        side = canvas.image_side()
        if self._ink_checked is None or self._ink_checked[0] != side:
            self._ink_checked = (side, foreign_ink(canvas))
        return self._ink_checked[1]

    def _drawing_changed(self) -> None:
        self._ink_checked = None
        if self._just_added and not self._canvas.is_drawing():
            self._just_added = False
            self._show_undo()

    def _predicted(self, result: PredictionResult) -> None:
        if self._canvas.is_drawing():
            return                        # decided when the stroke ends
        why = sample_problem(result, self._canvas, self._foreign_ink)
        self.row.set_ready(result.top_class, why)
        if not self._just_added:
            self.row.set_title(READY if why is None else IDLE)

"""Connects the "Make it a ..." row (:class:`~gui.explain.morph_row.MorphRow`,
in the left column) to the window: a click on "7" runs
:func:`engine.explain.morph` on the network input off the GUI thread
(:class:`~gui.explain.morph_job.LatestJob`: a new click replaces the running
one, nothing queues up), then plays the walk as previews of the prediction
controller (:class:`~gui.explain.morph_player.MorphPlayer`), so the network
input, the bars and every activation panel follow it. The last frame stays
previewed until the drawing changes, Esc is pressed or "Put it on the canvas"
makes it the drawing (one undoable step).

A morph belongs to one model and one drawing: when the drawing, the model
or its weights change, a running morph is dropped and a shown one ends.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStatusBar, QWidget

from engine import Model
from engine.explain import MorphResult, adversarial, morph

from ..drawing.canvas import DrawingCanvas
from ..explain.morph_escape import EscapeKey
from ..explain.morph_job import LatestJob
from ..explain.morph_player import MorphPlayer
from ..explain.morph_row import EMPTY_SHORT, EMPTY_TEXT, READY_TEXT, MorphRow
from ..state.app_state import AppState
from ..state.prediction import PredictionController, PredictionResult
from ..widgets.percent import percent

#: A targeted morph stops once the target's probability reaches this.
GOAL = 0.95
#: Most gradient steps of one morph.
STEPS = 50
#: How long the status bar keeps a morph's summary (ms).
MESSAGE_MS = 10000
#: What the row and the status bar say once the morph is the drawing.
PUT_TEXT = "It is your drawing now: Ctrl+Z brings the old one back."


@dataclass(frozen=True, eq=False)
class Ask:
    """One request: morph ``x`` (``(1, 28, 28)``, the drawing's network input)
    into ``target`` (None: flip the answer) with ``model``."""

    target: int | None
    model: Model
    x: np.ndarray


class MorphLab(QObject):
    """Owns the morph parts of one window; see the module docstring.

    ``jobs`` (:class:`LatestJob`), ``player`` and ``row`` are public for tests;
    ``shown`` is the :class:`~engine.explain.MorphResult` being played or
    previewed (None: none)."""

    def __init__(self, row: MorphRow, canvas: DrawingCanvas, controller: PredictionController,
                 state: AppState, status: QStatusBar, window: QWidget):
        super().__init__(window)
        self.row, self._canvas, self._controller = row, canvas, controller
        self._status = status
        self.jobs = LatestJob("morph", self)
        self.player = MorphPlayer(self)
        self._escape = EscapeKey(window)
        self.shown: MorphResult | None = None
        self._asked: Ask | None = None          # the newest request still running
        self._source: PredictionResult = controller.last_result   # newest on the drawing
        self._ending = False                    # our own end_preview() is running
        row.sigTargetChosen.connect(self.ask)
        row.sigFlip.connect(lambda: self.ask(None))
        row.sigPut.connect(self.put_on_canvas)
        self.jobs.sigProgress.connect(self._progress)
        self.jobs.sigFinished.connect(self._computed)
        self.jobs.sigFailed.connect(self._job_failed)
        self.player.sigFrame.connect(self._frame)
        self.player.sigFinished.connect(self._played)
        self._escape.sigEscape.connect(self.end)
        canvas.sigDrawingChanged.connect(self._drawing_changed)
        controller.sigPredictionUpdated.connect(self._predicted)
        state.sigModelChanged.connect(lambda _model: self._model_changed(
            ("Another model is shown: pick the digit again.", "Another model: pick again.")))
        state.sigWeightsChanged.connect(lambda: self._model_changed(
            ("The weights changed: pick the digit again to morph with the new ones.",
             "The weights changed: pick again.")))
        self._just_put = False
        self._show_ready(self._source)

    # ------------------------------------------------------------------ API
    @property
    def busy(self) -> bool:
        """True while a morph is worked out or played."""
        return self._asked is not None or self.player.playing

    def ask(self, target: int | None) -> None:
        """Work out (off the GUI thread) and then play the morph of the
        drawing's network input into ``target`` (None: flip the answer)."""
        source = self._source
        if source.empty or source.model is None:
            return                       # the buttons are disabled then
        self._stop_showing()
        self.row.show_morph(target, flip=target is None)
        asked = Ask(target, source.model, np.array(source.image, dtype=np.float32)[None])
        self._asked = asked
        self.row.set_status(_working(target, source.top_class))
        self.jobs.request(lambda checkpoint, report: _walk(asked, checkpoint, report), asked)

    def put_on_canvas(self) -> None:
        """Make the morph's last frame the drawing (one undoable step)."""
        shown = self.shown
        if shown is None or self.player.playing:
            return
        pixels = np.clip(np.rint(shown.image[0] * 255.0), 0, 255).astype(np.uint8)  # (28, 28)
        caption = (f"your drawing, morphed into {_article(shown.target)} {shown.target}" if shown.target is not None
                   else f"your drawing, changed until the network answered {shown.final_class}")
        self._canvas.place_image(pixels, caption)          # ends the preview
        self.row.set_status((PUT_TEXT, "Ctrl+Z brings your drawing back."))
        self._status.showMessage(PUT_TEXT, MESSAGE_MS)     # (the played morph's is stale now)
        self._just_put = True                               # until the drawing changes

    def end(self) -> None:
        """Take a played or previewed morph away (the drawing is shown again)."""
        self._reset(READY_TEXT if not self._source.empty else (EMPTY_TEXT, EMPTY_SHORT))

    # -------------------------------------------------------------- private
    def _stop_showing(self) -> None:
        if self.shown is not None and self._status.currentMessage() == summary(self.shown)[1]:
            self._status.clearMessage()      # its "Put it on the canvas keeps it" is stale
        self.player.stop()
        self._escape.arm(False)
        self.shown = None
        if self._controller.previewing:
            self._ending = True
            try:
                self._controller.end_preview()
            finally:
                self._ending = False

    def _reset(self, text: str | tuple[str, ...]) -> None:
        """Nothing morphed: drop a running job, unmark the buttons, say ``text``."""
        self._asked = None
        self.jobs.cancel()
        self._stop_showing()
        self.row.show_morph(None)
        self.row.set_status(text)

    def _show_ready(self, result: PredictionResult) -> None:
        ready = not result.empty
        classes = result.model.num_classes if result.model is not None else 10
        if ready != self.row.is_ready() or classes != self.row.classes:
            self.row.set_ready(ready, result.problem or EMPTY_TEXT, classes)
            if ready:
                self.row.set_status(READY_TEXT)

    def _predicted(self, result: PredictionResult) -> None:
        if result.preview:
            return
        self._source = result
        if not self._ending and self._stale(result):
            self._reset(READY_TEXT)
        self._show_ready(result)

    def _stale(self, result: PredictionResult) -> bool:
        """A new result on the drawing makes the morph stale: a shown one's
        preview was ended (the drawing changed), or the input a running one
        started from is not the network input any more (drawing, framing)."""
        if self.shown is not None:
            return True
        asked = self._asked
        return asked is not None and (result.empty or not np.array_equal(result.image, asked.x[0]))

    def _drawing_changed(self) -> None:
        if self._asked is not None or self.shown is not None or self.player.playing:
            self._reset(READY_TEXT)
        elif self._just_put:                                # undone, or drawn over
            self._just_put = False
            self.row.set_status(READY_TEXT)

    def _model_changed(self, text: tuple[str, ...]) -> None:
        if self._asked is not None or self.shown is not None or self._controller.previewing:
            self._reset(text)
            self._status.showMessage(text[0], MESSAGE_MS)

    def _progress(self, asked: object, step: int, steps: int) -> None:
        if asked is self._asked and steps > 0:
            done = percent(step / steps)
            self.row.set_status(tuple(f"{text} {done}" for text in
                                      _working(self._asked.target, self._source.top_class)))

    def _computed(self, asked: object, result: MorphResult) -> None:
        if asked is not self._asked or self._source.model is not self._asked.model:
            return                                # superseded, or for another model
        self._asked = None
        self.shown = result
        self._escape.arm(True)
        self.player.play(len(result.path))

    def _job_failed(self, asked: object, message: str) -> None:
        if asked is self._asked:
            self._reset(f"Could not work it out: {message}")

    def _frame(self, index: int) -> None:
        shown = self.shown
        if shown is None:
            return
        result = self._controller.show_preview(shown.path[index])   # (1, 28, 28)
        if not result.empty:
            aim = _aim(shown)
            self.row.set_status(rise(aim, float(shown.target_prob[0]),
                                     float(result.probabilities[aim])))

    def _played(self) -> None:
        shown = self.shown
        if shown is None:
            return
        variants, sentence = summary(shown)
        self.row.set_status(variants, sentence)
        self.row.show_morph(shown.target, flip=shown.target is None,
                            can_put=len(shown.path) > 1)   # nothing to put when unchanged
        self._status.showMessage(sentence, MESSAGE_MS)


def _aim(result: MorphResult) -> int:
    """The class whose probability the row follows: the target, or the start class."""
    return result.start_class if result.target is None else int(result.target)


def _working(target: int | None, start: int | None) -> tuple[str, str]:
    """What the row says while a morph is worked out (long, short)."""
    if target is None:
        return (f"Looking for the smallest change away from {start}\u2026",
                f"Changing the {start}\u2026")
    return (f"Looking for the smallest change that makes it {_article(target)} {target}\u2026",
            f"Making it {_article(target)} {target}\u2026")


def _walk(asked: Ask, checkpoint, report) -> MorphResult:
    """Worker thread: the morph ``asked`` for."""
    def progress(step: int, steps: int) -> None:
        checkpoint()                 # raises once the request was replaced
        if step % 5 == 0:
            report(step, steps)
    if asked.target is None:
        return adversarial(asked.model, asked.x, steps=STEPS, progress=progress)
    return morph(asked.model, asked.x, asked.target, steps=STEPS, goal=GOAL, progress=progress)


def rise(aim: int, start: float, end: float) -> tuple[str, str]:
    """``"p(7): 2.1% -> 96.4%"`` and a shorter variant (whole percents)."""
    return (f"p({aim}): {percent(start, 1)} \u2192 {percent(end, 1)}",
            f"p({aim}): {percent(start)} \u2192 {percent(end)}")


def summary(result: MorphResult) -> tuple[tuple[str, ...], str]:
    """``(variants, sentence)``: the row's line (longest first; the row shows
    the longest that fits) and a sentence for the status bar."""
    p = result.target_prob
    long, short = rise(_aim(result), float(p[0]), float(p[-1]))
    start, end = percent(float(p[0]), 1), percent(float(p[-1]), 1)
    steps = len(result.path) - 1
    if result.target is None:
        a, b = result.start_class, result.final_class
        if not result.reached:
            return ((f"Still a {a}: {long}", f"Still a {a}: {short}", short),
                    f"No small change flipped the answer: after {steps} steps the network "
                    f"still says {a} (p({a}) {start} \u2192 {end}).")
        return ((f"{a} \u2192 {b}: {long}", f"{a} \u2192 {b}: {short}", f"{a} \u2192 {b}"),
                f"A small change flips the answer from {a} to {b} in {steps} steps "
                f"(p({a}) {start} \u2192 {end}): compare the network input with your drawing.")
    t = result.target
    if steps == 0:
        return ((f"It already is {_article(t)} {t}: p({t}) = {end}", f"Already {_article(t)} {t}"),
                f"The network already answers {t} (p({t}) = {end}): nothing to change.")
    if not result.reached:
        return ((f"{long}: not {_article(t)} {t} yet", f"{short}: not {_article(t)} {t} yet", f"{short}: not yet"),
                f"Not reached: after {steps} steps p({t}) only rose from {start} to {end} "
                f"(the goal is {percent(GOAL)}); the network answers {result.final_class}.")
    return ((long, short),
            f"Made it {_article(t)} {t} in {steps} steps: p({t}) rose from {start} to {end}. "
            "\"Put it on the canvas\" keeps it; drawing or Esc goes back.")


def _article(digit: int) -> str:
    """'an' before 8 ("an 8"), else 'a'."""
    return "an" if digit == 8 else "a"


def connect_morph(window) -> MorphLab | None:
    """Wire the "Make it a ..." row of ``window``'s left column to its canvas,
    prediction controller and state; returns the owner (None without a row)."""
    row = window.left_column.morph_row
    if row is None:
        return None
    return MorphLab(row, window.canvas, window.controller, window.state, window.statusBar(),
                    window)

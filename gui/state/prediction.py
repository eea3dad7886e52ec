"""Turns the drawing into a prediction of the shown model.

The controller pulls the canvas image from a *drawing* callable and the model
from a *model* callable (the application state's shown model) when it runs,
so it always works on the newest drawing and model. Requests are coalesced: any number
of :meth:`PredictionController.request_update` calls before the next run produce
one run (a single-shot timer is the only "queue"), and runs are spaced at
least ``min_interval_ms`` apart (leading edge: the first request after a quiet
period runs on the next event-loop turn). Inference with the bundled model
takes well under a millisecond, so it runs on the GUI thread.

One inference on one drawing is tiny, so BLAS is held to one thread while it
runs: measured 2x faster and far steadier than the default two threads on a
2-core machine (thread start-up costs more than the small products save, and
extra threads fight the rest of the desktop).

A *preview* (:meth:`PredictionController.show_preview`) runs the model on a
given input instead of the drawing (a "make it a 7" morph being played); the
next drawing change, or :meth:`~PredictionController.end_preview`, ends it.

All maths comes from :mod:`engine`: :func:`engine.data.framing.frame_drawing`
frames the drawing like an MNIST digit (or plainly resized, the learner's
choice) and says where the frame lies on the canvas, :meth:`engine.Model.forward` with
``keep_activations=True`` gives every layer's output, and
:func:`engine.nn.functional.softmax` the probabilities.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from engine import Model
from engine.data.framing import FRAMINGS, FrameMap, frame_drawing
from engine.explain.novelty import has_novelty, novelty
from engine.nn.functional import softmax
from engine.system.runtime import use_one_blas_thread

CANVAS_INPUT_SHAPE = (1, 28, 28)
"""What :func:`frame_drawing` produces; a usable model must take this."""


TOO_LITTLE_INK = "Too little to read: draw a whole digit, about as tall as the square."


class IncompatibleModelError(ValueError):
    """The model cannot read canvas drawings (wrong input shape)."""


def check_model(model: Model) -> None:
    """Raise :class:`IncompatibleModelError` unless ``model`` takes 28x28 drawings."""
    if tuple(model.input_shape) != CANVAS_INPUT_SHAPE:
        raise IncompatibleModelError(
            f"this model expects inputs of shape {tuple(model.input_shape)}, but the playground "
            f"feeds it {CANVAS_INPUT_SHAPE} grey-scale digits")


@dataclass(frozen=True)
class PredictionResult:
    """One run of the model on the drawing.

    :param image: ``(28, 28)`` float32 network input in [0, 1], or None when
        the canvas is (nearly) empty
    :param probabilities: ``(classes,)`` float array, or None when empty
    :param activations: ``{layer name: one sample's output}`` in layer order
        (``(C, H, W)`` or ``(F,)``, C-contiguous copies); empty when empty
    :param model: the model that produced it
    :param preprocess_ms, forward_ms: wall-clock time of the two steps
    :param problem: why there are no probabilities although something is
        drawn (too little ink: :data:`TOO_LITTLE_INK`; the model's output is
        not a number), else None
    :param frame_map: where ``image`` lies on the canvas image (input pixels ->
        canvas pixels), or None (empty, or a preview not on the canvas)
    :param framing: how the drawing was framed (one of
        :data:`engine.data.framing.FRAMINGS`; ``"exact"`` for a placed test
        digit, ``"preview"`` for a preview)
    :param preview: True for a preview (:meth:`PredictionController.show_preview`)
    :param novelty: how unlike the training digits the input is
        (:func:`engine.explain.novelty`; above 1.0 less typical than 99 % of
        them), or None when the model has no statistics for its weights
    """

    image: np.ndarray | None
    probabilities: np.ndarray | None
    activations: dict[str, np.ndarray] = field(default_factory=dict)
    model: Model | None = None
    preprocess_ms: float = 0.0
    forward_ms: float = 0.0
    problem: str | None = None
    frame_map: FrameMap | None = None
    framing: str = "mnist"
    preview: bool = False
    novelty: float | None = None

    @property
    def empty(self) -> bool:
        return self.probabilities is None

    @property
    def top_class(self) -> int | None:
        return None if self.probabilities is None else int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float | None:
        return None if self.probabilities is None else float(np.max(self.probabilities))


class LastFraming:
    """:func:`frame_drawing` remembering its last drawing: while a model
    trains, every weight snapshot predicts the same drawing again, and
    framing it (~1 ms) is most of the GUI thread's work for a snapshot."""

    def __init__(self):
        self._drawing: np.ndarray | None = None   # a copy of the last drawing framed
        self._framing = ""
        self._framed: tuple[np.ndarray, FrameMap] | None = None
        self.framed_count = 0                     # frame_drawing calls (for tests)

    def frame(self, drawing: np.ndarray, framing: str) -> tuple[np.ndarray, FrameMap] | None:
        """``frame_drawing(drawing, framing)``; the input array is a fresh copy each time."""
        same = (framing == self._framing and self._drawing is not None
                and self._drawing.shape == drawing.shape and np.array_equal(self._drawing, drawing))
        if not same:
            self._framed = frame_drawing(drawing, framing)
            self._drawing, self._framing = np.array(drawing, copy=True), framing
            self.framed_count += 1
        return None if self._framed is None else (self._framed[0].copy(), self._framed[1])


class PredictionController(QObject):
    """The drawing -> prediction pipeline and its throttle.

    :param model: returns the model to run (the application state's shown model)
    :param drawing: returns the drawing, ``(H, W)`` uint8, white ink on black
    :param exact: returns a ready ``(1, 28, 28)`` network input when the
        drawing is one (a test digit placed on the canvas, see
        :mod:`gui.drawing.placed`), else None; it is read as it is, not framed

    Signal: ``sigPredictionUpdated(PredictionResult)`` after every run.
    """

    sigPredictionUpdated = Signal(object)

    def __init__(self, model: Callable[[], Model], drawing: Callable[[], np.ndarray] | None = None,
                 min_interval_ms: float = 0.0, parent: QObject | None = None, *,
                 exact: Callable[[], np.ndarray | None] | None = None):
        super().__init__(parent)
        use_one_blas_thread()  # interactive process: see engine.system.runtime
        self._model_of = model
        self._source = drawing
        self._exact = exact
        self.min_interval_ms = float(min_interval_ms)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.update_now)
        self._last_run = -1e9  # perf_counter seconds of the last run's start
        self._last: PredictionResult = PredictionResult(None, None, model=model())
        self._framing = FRAMINGS[0]
        self._preview: np.ndarray | None = None   # (1, 28, 28) shown instead of the drawing
        self._framings = LastFraming()
        self.runs = 0          # number of model runs so far (for tests and benchmarks)

    @property
    def model(self) -> Model:
        return self._model_of()

    @property
    def framings_made(self) -> int:
        """Drawings framed so far (an unchanged drawing is framed once)."""
        return self._framings.framed_count

    def forget(self) -> None:
        """Drop the last result (the model was swapped); the next run makes a new one."""
        self._last = PredictionResult(None, None, model=self._model_of())

    @property
    def framing(self) -> str:
        """How drawings are framed: one of :data:`engine.data.framing.FRAMINGS`."""
        return self._framing

    def set_framing(self, framing: str) -> None:
        """Frame drawings as ``framing`` from now on (and predict again)."""
        if framing not in FRAMINGS:
            raise ValueError(f"unknown framing {framing!r}")
        if framing != self._framing:
            self._framing = framing
            self.request_update()

    # ---------------------------------------------------------------- preview
    @property
    def previewing(self) -> bool:
        """True while a preview is shown instead of the drawing."""
        return self._preview is not None

    def show_preview(self, x: np.ndarray) -> PredictionResult:
        """Run the model on ``x`` (``(1, 28, 28)`` float32 in [0, 1]) now instead
        of the drawing and emit the result (``preview`` True). The drawing is
        untouched; its next change, or :meth:`end_preview`, ends the preview."""
        x = np.asarray(x, dtype=np.float32)
        if x.shape != CANVAS_INPUT_SHAPE:
            raise ValueError(f"a preview must be {CANVAS_INPUT_SHAPE}, got {x.shape}")
        self._preview = x.copy()
        return self.update_now()

    def end_preview(self) -> None:
        """Show the drawing again (predicts now) if a preview was shown."""
        if self._preview is not None:
            self._preview = None
            self.update_now()

    # ------------------------------------------------------------- prediction
    @property
    def last_result(self) -> PredictionResult:
        return self._last

    def has_pending(self) -> bool:
        return self._timer.isActive()

    def request_update(self) -> None:
        """Schedule a run; requests made before it starts are merged into it.
        (The drawing changed: a preview ends.)"""
        self._preview = None
        if self._timer.isActive():
            return
        wait_ms = self.min_interval_ms - (time.perf_counter() - self._last_run) * 1e3
        self._timer.start(max(0, int(np.ceil(wait_ms))))

    def flush(self) -> PredictionResult:
        """Run now if a run is pending; return the newest result."""
        if self._timer.isActive():
            self.update_now()
        return self._last

    def update_now(self) -> PredictionResult:
        """Run the model on the current drawing now and emit the result."""
        self._timer.stop()
        self._last_run = time.perf_counter()
        if self._preview is not None:
            result = self.predict(None, self._preview, framing="preview")
        else:
            result = self.predict(None if self._source is None else self._source(),
                                  None if self._exact is None else self._exact(), self._framing)
        self._last = result
        self.runs += 1
        self.sigPredictionUpdated.emit(result)
        return result

    def predict(self, drawing: np.ndarray | None, exact: np.ndarray | None = None,
                framing: str = "mnist") -> PredictionResult:
        """Frame ``drawing`` (``(H, W)``, or None) as ``framing`` and run the
        model; no signals. An ``exact`` ``(1, 28, 28)`` input is run as it is
        instead (a placed test digit covering the drawing, or with
        ``framing="preview"`` a preview that is not on the canvas).

        BLAS runs on one thread (set for the whole process by the controller).
        """
        model = self._model_of()
        t0 = time.perf_counter()
        frame_map = None
        if exact is not None:
            x = exact
            if framing != "preview":
                framing = "exact"
                if drawing is not None:      # the 28x28 digit fills the drawing square
                    frame_map = FrameMap(x.shape[-2] / drawing.shape[0], (0.0, 0.0))
        else:
            framed = None if drawing is None else self._framings.frame(drawing, framing)
            x, frame_map = (None, None) if framed is None else framed   # (1, 28, 28)
        t1 = time.perf_counter()
        if x is None:
            some_ink = drawing is not None and bool(np.any(drawing))   # a dot, a short tick
            return PredictionResult(None, None, model=model, preprocess_ms=(t1 - t0) * 1e3,
                                    problem=TOO_LITTLE_INK if some_ink else None,
                                    framing=framing)
        # dropout off, no caches; overflowing weights give inf/NaN (reported below), not warnings
        with model.evaluating(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            logits, acts = model.forward(x[None], keep_activations=True)  # (1, classes)
            probs = np.asarray(softmax(logits)[0], dtype=np.float64)    # (classes,)
        activations = {name: np.array(a[0], order="C") for name, a in acts.items()}  # copies
        broken = [name for name, a in activations.items() if not np.isfinite(a).all()]
        for name in broken:            # the views show finite numbers only
            np.nan_to_num(activations[name], copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        problem = None
        if not np.isfinite(probs).all():
            probs = None
            problem = "The model's output is not a number for this drawing" + (
                f" (its values stop being finite numbers at layer {broken[0]})" if broken else "") \
                + ": no prediction can be shown."
        unusual = _novelty(model, x) if probs is not None else None
        t2 = time.perf_counter()
        return PredictionResult(x[0], probs, activations, model, (t1 - t0) * 1e3,
                                (t2 - t1) * 1e3, problem, frame_map, framing,
                                preview=framing == "preview", novelty=unusual)


def _novelty(model: Model, x: np.ndarray) -> float | None:
    """:func:`engine.explain.novelty` of ``x (1, 28, 28)``, None without statistics
    (or when it is not a number)."""
    if not has_novelty(model):
        return None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        score = novelty(model, x)
    return score if np.isfinite(score) else None

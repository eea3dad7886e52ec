"""Teach it your handwriting, in the window: the "It's a ..." panel under
the network input and Shift+0 ... Shift+9 add the drawing to the person's
samples (:mod:`gui.personal.corrections`); the "My handwriting" tab shows
them, scores the shown model on them (off the GUI thread), deletes,
relabels, exports and imports, guides "Teach me 5 of each digit" and
fine-tunes (:class:`~gui.personal.fine_tuner.FineTuner`, a worker thread)
with before/after numbers, then keeps the new model
(:meth:`gui.state.app_state.AppState.adopt`: the status bar says
"personalised with 53 samples of my handwriting") or goes back.

One owner holds the samples (:class:`~gui.personal.personal_samples.PersonalSamples`,
saved to :func:`engine.personal.default_personal_path` after every change);
the widgets only show it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject

from engine.nn.model import Model
from engine.personal import FineTuneConfig, PersonalReport

from ..explain.morph_job import LatestJob
from ..personal.corrections import Corrections, samples_text
from ..personal.fine_tuner import FineTuner, FineTuneRequest
from ..personal.guided_teach import GuidedTeach
from ..personal.personal_samples import PersonalSamples
from ..personal.personal_tab import PersonalTab
from ..widgets.file_dialogs import PERSONAL_FILTER, ask_open_path, ask_save_path

TITLE = "My handwriting"
TAB_TIP = ("Your own digits: correct the network at the prediction, see your samples, and "
           "fine-tune the model on your handwriting.")
#: Fine-tuning needs at least this many samples (one in five is held out for the numbers).
MIN_SAMPLES = 10
MESSAGE_MS = 10000


def _score(model: Model, images: np.ndarray) -> np.ndarray:
    """Worker thread: the model's answers ``(N,)`` for the samples."""
    return model.predict(images)


def import_error_text(path: str, error: Exception) -> str:
    """What an import that failed tells the learner: which file, that nothing
    changed, and the reader's reason last (plain text)."""
    return (f"{Path(path).name} could not be imported: it is not a file of handwriting "
            f"samples this app can read.\n\nYour samples are unchanged.\n\nDetails: {error}")


class PersonalLab(QObject):
    """Owns the handwriting parts of one window (see the module docstring).

    ``samples``, ``tab``, ``corrections``, ``tuner``, ``guided``, ``report``
    (the newest :class:`~engine.personal.PersonalReport`) and ``tuned`` (its
    model, until kept or dropped) are public for tests. ``config`` / ``folds``
    / ``replay`` set how fine-tuning runs (None: the engine's defaults, the
    window's MNIST)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window, self._state = window, window.state
        self._status = window.statusBar()
        self.samples = PersonalSamples(parent=self)
        self.tab = PersonalTab()
        self._index = window.add_tab(self.tab, TITLE, TAB_TIP)
        self.corrections = Corrections(window.left_column.teach_row, window.canvas,
                                       window.controller, self.samples, self._status, self)
        self.tuner = FineTuner(self)
        self.guided = GuidedTeach(self.corrections.add, window.canvas.clear, self.tab.guide,
                                  window)
        self._scorer = LatestJob("personal-score", self)
        self.report: PersonalReport | None = None
        self.tuned: Model | None = None
        self._kept = False
        self._tuning_set = (0, self.samples.name)     # (samples, set name) of the running fine-tune
        self._end_note: str | None = None             # how the last fine-tune ended badly
        self.config: FineTuneConfig | None = None
        self.folds = 5
        self.replay: tuple[np.ndarray, np.ndarray] | None = None
        self._connect(window)
        self._changed()
        if self.samples.start_problem is not None:
            title, text = self.samples.start_problem
            self.tab.fine_tune.show_idle(False, f"{title}: {text}")
            self._status.showMessage(title, MESSAGE_MS)

    def _connect(self, window) -> None:
        tab = self.tab
        self.samples.sigChanged.connect(lambda _set: self._changed())
        self.samples.sigProblem.connect(window.show_error)
        tab.sigDelete.connect(self.delete)
        tab.sigRelabel.connect(self.relabel)
        tab.sigImport.connect(lambda: self.import_file())
        tab.sigExport.connect(lambda: self.export_file())
        tab.sigGuided.connect(lambda: self.start_guided())
        tab.fine_tune.sigStart.connect(self.start_fine_tune)
        tab.fine_tune.sigStop.connect(self.tuner.stop)
        tab.fine_tune.sigKeep.connect(self.keep)
        tab.fine_tune.sigBack.connect(self.go_back)
        self.guided.sigFineTune.connect(lambda: self.start_fine_tune())
        self.tuner.sigProgress.connect(tab.fine_tune.show_running)
        self.tuner.sigFinished.connect(self._tuned)
        self.tuner.sigMissing.connect(self._missing)
        self.tuner.sigFailed.connect(lambda message: self._ended(f"Fine-tuning failed: {message}"))
        self.tuner.sigEnded.connect(lambda stopped: self._ended(
            "Stopped; the model is as it was." if stopped else None))
        self._scorer.sigFinished.connect(self._scored)
        self._state.sigModelChanged.connect(lambda _model: self._rescore())
        self._state.sigWeightsChanged.connect(self._weights_changed)
        self._state.sigInfoChanged.connect(lambda _info: self._update_fine_tune())
        window.tabs.currentChanged.connect(lambda _i: self._weights_changed())
        for digit in range(10):
            getattr(window, f"teach{digit}_action").triggered.connect(
                lambda _=False, d=digit: self.corrections.add(d))
        window.personal_action.triggered.connect(lambda _=False: self.show_tab())
        window.guided_action.triggered.connect(lambda _=False: self.start_guided())
        window.fine_tune_action.triggered.connect(lambda _=False: self.start_fine_tune())

    # ------------------------------------------------------------------ API
    def delete(self, sample_id: str) -> None:
        """Delete a sample and say so in the status bar."""
        label = self.samples.samples.sample(sample_id).label
        self.samples.remove(sample_id)
        self._status.showMessage(f"Deleted a {label} from your handwriting "
                                 f"({len(self.samples.samples)} samples).", MESSAGE_MS)

    def relabel(self, sample_id: str, digit: int) -> None:
        """Relabel a sample and say so in the status bar."""
        before = self.samples.samples.sample(sample_id).label
        self.samples.relabel(sample_id, digit)
        if before != int(digit):
            self._status.showMessage(f"That {before} is now a {int(digit)}.", MESSAGE_MS)

    def show_tab(self) -> None:
        self._window.tabs.setCurrentWidget(self.tab)

    def start_guided(self, digits: tuple[int, ...] = tuple(range(10))) -> None:
        """Show the tab and start "Teach me 5 of each digit" (of ``digits``)."""
        self.show_tab()
        self.guided.start(digits)

    def can_fine_tune(self) -> tuple[bool, str]:
        """``(possible, what is missing or what will happen)``."""
        n = len(self.samples)
        if self.tuner.running:
            return False, "Fine-tuning…"
        if self._state.training:
            return False, "A training run is on: fine-tune after it ends."
        if n < MIN_SAMPLES:
            return False, (f"{MIN_SAMPLES - n} more sample{'s' if MIN_SAMPLES - n != 1 else ''} "
                           f"needed ({MIN_SAMPLES} at least; 5 of each digit is a good start).")
        digits = int(np.count_nonzero(self.samples.samples.counts()))
        return True, (f"{samples_text(n)} of {digits} digit{'s' if digits != 1 else ''}: a few "
                      "seconds, in the background.")

    def start_fine_tune(self) -> bool:
        """Fine-tune the current model on the samples in a worker thread."""
        self.show_tab()
        ok, why = self.can_fine_tune()
        if not ok:
            self._status.showMessage(why, MESSAGE_MS)
            self.tab.fine_tune.show_idle(False, why)
            return False
        self._drop_tuned()
        self._end_note: str | None = None
        data = self._window.training_panel.data.dataset
        replay = self.replay if self.replay is not None else (
            None if data is None else (data.train_images, data.train_labels))
        s = self.samples.samples
        request = FineTuneRequest(self._state.current_model, s.images, s.labels, replay,
                                  self.config, self.folds)
        self._tuning_set = (len(s), self.samples.name)
        self.tuner.start(request)
        self.guided.close_offer()          # its "Fine-tune now" is done
        self.tab.fine_tune.show_running(0, 0)
        self.tab.fine_tune.show_report(None)
        return True

    def keep(self) -> None:
        """Use the fine-tuned model from now on (the previous one is kept for Go back)."""
        if self.tuned is None or self._kept:
            return
        n, name = self._tuning_set
        note = f"personalised with {n} samples of {name}"
        report = self.report
        measured = "" if report is None or report.mnist_after is None else \
            f"MNIST {report.mnist_after:.1%} on {report.mnist_count:,} test digits"
        self._state.adopt(self.tuned, note, measured)
        self._kept = True
        self.tab.fine_tune.show_report(self.report, kept=True)
        self.tab.fine_tune.show_idle(*self._idle_after(f"Kept: the model is {note}."))
        self._status.showMessage(f"The model is now {note}; Save model… keeps it in a file.",
                                 MESSAGE_MS)

    def go_back(self) -> None:
        """Use the model from before fine-tuning (drops the fine-tuned one)."""
        if self._kept and self._state.current_model is self.tuned:
            self._state.go_back()
        self._drop_tuned()
        self.tab.fine_tune.show_report(None)
        self.tab.fine_tune.show_idle(*self._idle_after("Back to the model you had before."))
        self._status.showMessage("Back to the model you had before fine-tuning.", MESSAGE_MS)

    def import_file(self, path: str | None = None) -> int:
        """Merge a personal-set file (a dialog asks when ``path`` is None);
        returns how many samples were new. A bad file is one error dialog."""
        path = path or ask_open_path(self._window, "Import handwriting samples",
                                     self._window.settings.last_folder(), PERSONAL_FILTER)
        if not path:
            return 0
        try:
            added = self.samples.import_file(path)
        except (OSError, ValueError) as exc:
            self._window.show_error("Could not import the samples", import_error_text(path, exc))
            return 0
        self._status.showMessage(f"Imported {samples_text(added)} ({samples_text(len(self.samples))}"
                                 " in all)." if added else "No new samples in that file.",
                                 MESSAGE_MS)
        return added

    def export_file(self, path: str | None = None) -> bool:
        """Save all samples to one file (a dialog asks when ``path`` is None)."""
        path = path or ask_save_path(self._window, "Export handwriting samples",
                                     self._window.settings.last_folder(), "my-handwriting.npz",
                                     PERSONAL_FILTER)
        if not path:
            return False
        try:
            written = self.samples.export(path)
        except (OSError, ValueError) as exc:
            self._window.show_error("Could not export the samples", f"Writing {path} failed: {exc}")
            return False
        self._status.showMessage(f"Exported {samples_text(len(self.samples))} to {written}.",
                                 MESSAGE_MS)
        return True

    # -------------------------------------------------------------- private
    def _changed(self) -> None:
        self.tab.show_samples(self.samples.samples)
        self._rescore()
        self._update_fine_tune()

    def _update_fine_tune(self) -> None:
        if self.tuner.running or (self.tuned is not None and not self._kept):
            return                      # the progress, or the before/after choice, stays
        self.tab.fine_tune.show_idle(*self.can_fine_tune())

    def _idle_after(self, text: str) -> tuple[bool, str]:
        ok, why = self.can_fine_tune()
        return ok, text if ok else f"{text} {why}"

    def _rescore(self) -> None:
        s = self.samples.samples
        if not len(s):
            self._scorer.cancel()
            self.tab.show_score(None)
            self.tab.set_wrong({})
            return
        model = self._state.shown_model
        self.tab.show_score(None)
        images = s.images
        self._scorer.request(lambda _checkpoint, _report: _score(model, images), (s, model))

    def _weights_changed(self) -> None:
        if self._window.tabs.currentWidget() is self.tab and not self._scorer.busy:
            self._rescore()

    def _scored(self, tag: object, answers: np.ndarray) -> None:
        s, model = tag
        if s is not self.samples.samples:
            return
        labels = s.labels
        wrong = {s.ids[i]: int(answers[i]) for i in np.flatnonzero(answers != labels)}
        tuned_on = model.metadata.get("personalised", {}) if isinstance(model.metadata, dict) else {}
        count = tuned_on.get("samples", 0) if isinstance(tuned_on, dict) else 0
        self.tab.show_score(len(labels) - len(wrong), len(labels),
                            count if isinstance(count, int) else 0)
        self.tab.set_wrong(wrong)

    def _tuned(self, report: PersonalReport) -> None:
        self.report, self.tuned, self._kept = report, report.model, False
        self.tab.fine_tune.show_report(report)
        before, after = report.held_out_before, report.held_out_after
        self.tab.fine_tune.show_idle(False, f"Done in {report.seconds:.1f} s: held-out samples "
                                     f"{100 * before:.0f} % → {100 * after:.0f} % right. Keep it?")

    def _missing(self, message: str) -> None:
        self._ended("MNIST is not here yet: fine-tuning mixes in MNIST digits so the model does "
                    "not forget them. Download it in the Training tab (Download MNIST), then "
                    "fine-tune again.")
        self._window.show_error("Fine-tuning needs MNIST", message)

    def _ended(self, text: str | None) -> None:
        """The job ended (or failed: ``text`` says how, and stays said when the thread ends)."""
        if text is not None:
            self._end_note = text
        if self.tuned is None and not self.tuner.running:
            ok, why = self.can_fine_tune()
            self.tab.fine_tune.show_idle(ok, self._end_note or why)

    def _drop_tuned(self) -> None:
        self.report, self.tuned, self._kept = None, None, False


def connect_personal(window) -> PersonalLab | None:
    """Wire the handwriting parts into ``window``; returns the owner (None
    without the "It's a ..." panel)."""
    if getattr(window.left_column, "teach_row", None) is None:
        return None
    return PersonalLab(window)

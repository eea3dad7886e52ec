"""The "My handwriting" tab: the person's samples as a gallery per digit,
with how the current model does on them, the selected sample's Delete and
Relabel, Export… / Import…, the guided "Teach me 5 of each digit" prompt and
the fine-tune box::

    23 samples · 0-9: 3 2 2 … [Teach me 5 of each] [Import…] [Export…]
    The current model reads 21 of 23 right (91.3 %); wrong ones are outlined in red.
    ┌ guided prompt (while teaching) ┐
    ┌ gallery: rows 0-9 ─────────────┐
    Selected: a 7 · Del deletes, a digit key relabels  [Relabel ▾] [Delete]
    ┌ fine-tune box ─────────────────┐

The tab reads the set from its owner (:class:`~gui.personal.personal_samples.PersonalSamples`)
whenever it changes and reports what the person asks for through signals;
:mod:`gui.window.personal_wiring` connects them.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QScrollArea, QVBoxLayout, QWidget

from engine.personal import PersonalSet

from ..widgets.plain_text import plain_label, plain_tooltip
from .fine_tune_box import FineTuneBox
from .guided_teach import GuidePrompt
from .sample_gallery import SampleGallery

CAVEAT = ("Samples a model was fine-tuned on do not count as a test: it has seen them. The "
          "fine-tune box's held-out numbers are the fair ones.")
EMPTY_TEXT = ("When the network reads your drawing wrong, click the right "
              "digit under the network input (or Shift+digit); when it is right, click its answer "
              "to add it as an example. Or let it guide you: Teach me 5 of each digit.")


def _article(digit: int) -> str:
    return "an" if digit == 8 else "a"


class PersonalTab(QWidget):
    """The tab (see the module docstring). ``gallery``, ``fine_tune``,
    ``guide``, the buttons and ``score`` are public for tests.

    Signals: ``sigDelete(id)``, ``sigRelabel(id, digit)``, ``sigImport()``,
    ``sigExport()``, ``sigGuided()``."""

    sigDelete = Signal(str)
    sigRelabel = Signal(str, int)
    sigImport = Signal()
    sigExport = Signal()
    sigGuided = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._set = PersonalSet()
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.setSpacing(6)
        top = QHBoxLayout()
        self.counts = plain_label("")
        self.counts.setObjectName("panelTitle")
        self.guided_button = self._button("Teach me 5 of each digit", "A prompt asks for each "
                                          "digit in turn: draw it, press Enter, draw the next.",
                                          self.sigGuided)
        self.import_button = self._button("Import…", "Add the samples of a personal-set file "
                                          "(drawings you already have are skipped)", self.sigImport)
        self.export_button = self._button("Export…", "Save all your samples to one file (to "
                                          "share, or to keep a copy)", self.sigExport)
        top.addWidget(self.counts, 1)
        for button in (self.guided_button, self.import_button, self.export_button):
            top.addWidget(button)
        column.addLayout(top)
        self.score = plain_label("", word_wrap=True)
        self.score.setObjectName("hint")
        column.addWidget(self.score)
        self.guide = GuidePrompt()
        column.addWidget(self.guide)
        self.gallery = SampleGallery()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.gallery)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(self.scroll, 1)
        selected = QHBoxLayout()
        self.selection = plain_label("")
        self.selection.setObjectName("hint")
        self.relabel_button = self._button("Relabel", "Say which digit the selected sample "
                                           "shows (or press that digit key)", None)
        self.relabel_menu = QMenu(self)
        for digit in range(10):
            action = QAction(f"It's {_article(digit)} {digit}", self.relabel_menu)
            action.triggered.connect(lambda _=False, d=digit: self._relabel(d))
            self.relabel_menu.addAction(action)
        self.relabel_button.setMenu(self.relabel_menu)
        self.delete_button = self._button("Delete", "Delete the selected sample (Del)",
                                          self._delete)
        selected.addWidget(self.selection, 1)
        selected.addWidget(self.relabel_button)
        selected.addWidget(self.delete_button)
        column.addLayout(selected)
        self.fine_tune = FineTuneBox()
        column.addWidget(self.fine_tune)
        self.gallery.sigSelected.connect(self._selected)
        self.gallery.sigDelete.connect(self.sigDelete)
        self.gallery.sigRelabel.connect(self.sigRelabel)
        self.gallery.sigMenu.connect(self._menu)
        self.show_samples(self._set)
        self.show_score(None)

    # ------------------------------------------------------------------ API
    def show_samples(self, samples: PersonalSet) -> None:
        """Show the newest set."""
        self._set = samples
        counts = samples.counts()
        n = len(samples)
        self.counts.setText(f"{n} sample{'s' if n != 1 else ''}" if n else "No samples yet")
        self.counts.setToolTip(plain_tooltip("Samples per digit: " + ", ".join(
            f"{d}: {int(c)}" for d, c in enumerate(counts))))
        self.export_button.setEnabled(n > 0)
        self.gallery.set_samples(samples)
        self._selected(self.gallery.current or "")

    def show_score(self, right: int | None, total: int = 0, fine_tuned_on: int = 0) -> None:
        """How the current model does: ``right`` of ``total`` (None: not known
        yet); ``fine_tuned_on``: samples the model was fine-tuned on (its
        score then is no test, and the line says so)."""
        if not len(self._set):
            self.score.setText(EMPTY_TEXT)
        elif right is None:
            self.score.setText("Scoring the current model on your samples…")
        else:
            text = (f"The current model reads {right} of {total} right "
                    f"({100 * right / max(total, 1):.1f} %)"
                    + ("; wrong ones are outlined in red." if right < total else "."))
            if fine_tuned_on:
                text += (f" It was fine-tuned on {fine_tuned_on} of your samples, so this is not "
                         "a test: see the held-out numbers below.")
            self.score.setText(text)
        self.score.setToolTip(plain_tooltip(CAVEAT))

    def set_wrong(self, wrong: dict[str, int]) -> None:
        self.gallery.set_wrong(wrong)

    def apply_theme(self, theme) -> None:
        self.gallery.update()

    # -------------------------------------------------------------- private
    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(plain_tooltip(tip))
        if slot is not None:
            button.clicked.connect(slot)
        return button

    def _selected(self, sample_id: str) -> None:
        has = bool(sample_id) and sample_id in self._set
        self.relabel_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        if has:
            label = self._set.sample(sample_id).label
            self.selection.setText(f"Selected: {_article(label)} {label} · Del deletes it, a "
                                   "digit key relabels it")
        else:
            self.selection.setText("Click a sample to select it." if len(self._set) else "")

    def _delete(self) -> None:
        if self.gallery.current is not None:
            self.sigDelete.emit(self.gallery.current)

    def _relabel(self, digit: int) -> None:
        if self.gallery.current is not None:
            self.sigRelabel.emit(self.gallery.current, digit)

    def _menu(self, sample_id: str, at: QPoint) -> None:
        menu = QMenu(self)
        label = self._set.sample(sample_id).label
        relabel = menu.addMenu("Relabel as")
        for digit in range(10):
            action = relabel.addAction(f"{_article(digit)} {digit}")
            action.setEnabled(digit != label)
            action.triggered.connect(lambda _=False, d=digit: self.sigRelabel.emit(sample_id, d))
        menu.addAction("Delete").triggered.connect(lambda: self.sigDelete.emit(sample_id))
        menu.popup(at)

"""How good is the model, and where does it go wrong?

Test accuracy, per-class accuracy (bars), a confusion matrix (a pyqtgraph
``ImageItem``, rows = true digit, columns = prediction, counts drawn as
``TextItem`` s); clicking a cell fills a gallery with those test images and
their predicted probabilities; a second gallery shows the most confident
mistakes. Clicking a thumbnail of either gallery sends that test image to
the canvas (``sigDigitChosen``), to trace it through the layers. The
evaluation itself (10k images, 1-3 s) runs off the GUI thread
(a :class:`gui.workers.call_job.CallJob`); :meth:`EvaluationView.show_result`
takes a finished :class:`engine.training.evaluate.EvalResult` directly (the training
worker emits one per epoch).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from engine.nn.model import Model
from engine.training.evaluate import EvalResult, evaluate

from ..drawing.placed import MnistDigit
from ..widgets.bars import slot_axis
from ..widgets.percent import percent
from ..widgets.plain_text import plain_label, plain_tooltip
from ..workers.call_job import CallJob
from .digit_gallery import DigitGallery, top3_text
from .evaluation_plots import PerClassAccuracy, confusion_plot

#: Largest class count whose confusion matrix shows its counts in the cells
#: (more would be unreadable, and thousands of text items slow to draw).
MAX_COUNTED_CLASSES = 20

#: Most images shown for one confusion-matrix cell.
GALLERY_LIMIT = 120
#: Number of "most confident mistakes" shown.
MISTAKES = 48
#: The last line of every thumbnail's tooltip.
CLICK_TIP = "Click: put it on the canvas and trace it through the layers"


class EvaluationView(QWidget):
    """Shows an :class:`EvalResult` of a model on test images.

    * :meth:`show_result(result, images)` - display a finished evaluation
      (``images``: the ``(N, 28, 28)`` uint8 test images it was computed on);
    * :meth:`evaluate(model, images, labels)` - evaluate off the GUI thread,
      then display (``sigEvaluated(EvalResult)`` when done);
    * :meth:`select_cell(true, predicted)` - what a click on a cell does.

    Object names: ``confusionPlot`` (PlotWidget), ``perClassPlot``,
    ``cellGallery`` and ``mistakesGallery`` (QListWidgets).

    Signal ``sigDigitChosen(MnistDigit)``: a gallery thumbnail was clicked.
    """

    sigDigitChosen = Signal(object)
    sigEvaluated = Signal(object)
    sigBusyChanged = Signal(bool)
    sigCellSelected = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.result: EvalResult | None = None
        self.images: np.ndarray | None = None
        self._title = ""
        self._pending = False
        self.selected: tuple[int, int] | None = None
        self._job: CallJob | None = None       # the evaluation whose result will be shown
        self._job_context: tuple = (None, "")
        self._jobs: list[CallJob] = []             # every evaluation thread not yet ended

        self.summary_label = plain_label("No evaluation yet.")
        self.summary_label.setObjectName("evaluationSummary")
        self.summary_label.setWordWrap(True)
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setObjectName("evaluateButton")
        self.evaluate_button.setToolTip("Evaluate the model on the test set again")
        self.evaluate_button.setVisible(False)  # see offer_evaluate()

        self.confusion_plot, self.confusion_image, self.selection_box = confusion_plot()
        self.count_items: list[pg.TextItem] = []
        self._count_point_size = max(6.0, self.font().pointSizeF() * 0.8)
        self.confusion_plot.getPlotItem().getViewBox().sigTransformChanged.connect(self._fit_counts)
        self.confusion_image.sigCellClicked.connect(self.select_cell)
        self.per_class = PerClassAccuracy(self.font())
        self.per_class_plot, self.per_class_labels = self.per_class.plot, self.per_class.labels

        # galleries
        self.cell_title = plain_label("Click a cell of the confusion matrix to see its images.")
        self.cell_title.setWordWrap(True)
        self.cell_gallery = DigitGallery()
        self.cell_gallery.setObjectName("cellGallery")
        self.cell_title.setMinimumWidth(150)
        self.mistakes_title = plain_label("Most confident mistakes")
        self.mistakes_title.setWordWrap(True)
        self.mistakes_gallery = DigitGallery()
        self.mistakes_gallery.setObjectName("mistakesGallery")
        for gallery in (self.cell_gallery, self.mistakes_gallery):
            gallery.sigImageChosen.connect(self._digit_chosen)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.confusion_plot, 1)
        lv.addWidget(self.per_class_plot)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.cell_title)
        rv.addWidget(self.cell_gallery, 1)
        rv.addWidget(self.mistakes_title)
        rv.addWidget(self.mistakes_gallery, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1200, 800])
        header = QHBoxLayout()
        header.addWidget(self.summary_label, 1)
        header.addWidget(self.evaluate_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)

    # ------------------------------------------------------------ display
    def show_result(self, result: EvalResult, images: np.ndarray, title: str = "") -> None:
        """Display ``result`` computed on ``images`` ``(N, 28, 28)`` (the first N test images).

        While the view is hidden (e.g. another tab is shown during training)
        only the data is kept; it is drawn when the view is shown."""
        if len(images) < len(result.labels):
            raise ValueError(f"{len(result.labels)} results but only {len(images)} images")
        self.result, self.images, self._title = result, images, title
        self._pending = True
        if self.isVisible():
            self._render()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pending:
            self._render()

    def _render(self) -> None:
        self._pending = False
        result, title = self.result, self._title
        n = len(result.labels)
        accuracy = result.per_class_accuracy
        tested = np.flatnonzero(np.isfinite(accuracy))      # classes with test images
        worst = tested[np.argsort(accuracy[tested], kind="stable")[:2]]
        hardest = ", ".join(f"{d} ({percent(accuracy[d], 1)})" for d in worst)
        prefix = f"{title}: " if title else ""
        self.summary_label.setText(
            f"{prefix}test accuracy {result.accuracy:.2%} on {n:,} images "
            f"({int(n - np.trace(result.confusion)):,} wrong) \u00b7 loss {result.loss:.4f} "
            f"\u00b7 hardest digits: {hardest}")
        self._draw_confusion(result.confusion)
        self.per_class.draw(result.per_class_accuracy)
        self._show_mistakes()
        cell = self.selected
        if cell is None:  # start with the most frequent confusion
            off = result.confusion.copy()
            np.fill_diagonal(off, -1)
            cell = tuple(int(v) for v in np.unravel_index(np.argmax(off), off.shape))
        self.select_cell(*cell)

    def _draw_confusion(self, confusion: np.ndarray) -> None:
        k = confusion.shape[0]
        # correct cells and mistakes on their own scales (see ConfusionImage)
        self.confusion_image.set_confusion(confusion)
        self.confusion_image.setRect(0, 0, k, k)
        item = self.confusion_plot.getPlotItem()
        for side in ("left", "bottom"):
            slot_axis(item, side, k, offset=0.5)
        shown = k if k <= MAX_COUNTED_CLASSES else 0      # counts in the cells: only if legible
        while len(self.count_items) < shown * shown:
            text = pg.TextItem("", anchor=(0.5, 0.5))
            font = self.font()
            font.setPointSizeF(self._count_point_size)
            text.setFont(font)
            text.textItem.document().setDocumentMargin(0)   # its box is the digits' box
            item.addItem(text)
            self.count_items.append(text)
        for extra in self.count_items[shown * shown:]:
            extra.setText("")
        for r in range(shown):
            for c in range(shown):
                text = self.count_items[r * shown + c]
                count = int(confusion[r, c])
                text.setText(str(count) if count else "")
                text.setColor(self.confusion_image.text_colour(r, c))
                text.setPos(c + 0.5, r + 0.5)
        item.getViewBox().setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        self._fit_counts()

    def _fit_counts(self, *_args) -> None:
        """Counts in a font that fits a cell ("1124" included), or hidden when
        even a 6 px font would overflow: counts never spill over their cells."""
        k = 0 if self.result is None else self.result.confusion.shape[0]
        if not self.count_items or k == 0:
            return
        unit = self.confusion_plot.getPlotItem().getViewBox().viewPixelSize()[0]  # view units per px
        cell_px = 1.0 / unit if unit > 0 else 0.0       # (aspect locked: not the box width / k)
        widest = max((item.toPlainText() for item in self.count_items), key=len, default="")
        font = self.count_items[0].textItem.font()
        font.setPointSizeF(self._count_point_size)
        width = QFontMetricsF(font).horizontalAdvance(widest or "0") + 2
        scale = min(1.0, 0.92 * cell_px / width)
        visible = scale * self._count_point_size >= 5.0
        font.setPointSizeF(max(5.0, scale * self._count_point_size))
        for item in self.count_items:
            item.setFont(font)
            item.setVisible(visible)

    def _show_mistakes(self) -> None:
        r = self.result
        idx = r.worst_mistakes(MISTAKES)
        pred = r.predictions
        captions = [f"{r.labels[i]}\u2192{pred[i]}\n{percent(r.probabilities[i, pred[i]])}" for i in idx]
        tips = [f"test image #{i}: true {r.labels[i]}, predicted {pred[i]}\n{top3_text(r.probabilities[i])}"
                f"\n{CLICK_TIP}" for i in idx]
        self.mistakes_gallery.show_images(self.images, idx, captions, tips)
        self.mistakes_title.setText(f"Most confident mistakes ({len(idx)} of "
                                    f"{int(len(r.labels) - np.trace(r.confusion)):,} wrong); "
                                    f"click one to trace it on the canvas")

    def select_cell(self, true_label: int, predicted: int) -> None:
        """Show the test images with this true label and this prediction, most confident first."""
        if self.result is None:
            return
        r = self.result
        self.selected = (int(true_label), int(predicted))
        self.selection_box.setRect(predicted, true_label, 1, 1)
        self.selection_box.setVisible(True)
        idx = r.indices(true_label, predicted)
        shown = idx[:GALLERY_LIMIT]
        captions = [percent(r.probabilities[i, predicted], 1) for i in shown]
        tips = [f"test image #{i}: true {true_label}, predicted {predicted}\n{top3_text(r.probabilities[i])}"
                f"\n{CLICK_TIP}" for i in shown]
        self.cell_gallery.show_images(self.images, shown, captions, tips)
        what = "correctly classified" if true_label == predicted else "misclassified"
        more = f", showing the {len(shown)} most confident" if len(idx) > len(shown) else ""
        self.cell_title.setText(f"True {true_label}, predicted {predicted}: {len(idx):,} "
                                f"image{'' if len(idx) == 1 else 's'} "
                                f"{what}{more} (caption: probability of {predicted}); "
                                f"click one to trace it on the canvas")
        self.sigCellSelected.emit(int(true_label), int(predicted))

    def _digit_chosen(self, index: int) -> None:
        """A thumbnail of test image ``index`` was clicked: offer it to the canvas."""
        r = self.result
        if r is None or self.images is None or not 0 <= index < len(r.labels):
            return
        self.sigDigitChosen.emit(MnistDigit(self.images[index], index, int(r.labels[index]),
                                            f"evaluation: predicted {int(r.predictions[index])}"))

    def apply_theme(self, theme) -> None:
        """Colours of a :class:`gui.widgets.theme.Theme` (plot backgrounds, axes, labels)."""
        self.confusion_image.set_theme(theme)
        self.selection_box.setPen(pg.mkPen(theme.text, width=3))
        for plot in (self.confusion_plot, self.per_class_plot):
            plot.setBackground(theme.surface_alt)
            item = plot.getPlotItem()
            for name in ("left", "bottom"):
                axis = item.getAxis(name)
                axis.setPen(pg.mkPen(theme.border))
                axis.setTextPen(pg.mkPen(theme.muted))
            item.titleLabel.setText(item.titleLabel.text, color=theme.text)
        for label in self.per_class_labels:
            label.setColor(theme.text)

    # ---------------------------------------------------------- evaluation
    def offer_evaluate(self, text: str, tooltip: str) -> None:
        """Show the evaluate button (its ``clicked`` signal is the owner's to connect)."""
        self.evaluate_button.setText(text)
        self.evaluate_button.setToolTip(plain_tooltip(tooltip))
        self.evaluate_button.setVisible(True)

    def set_evaluate_enabled(self, enabled: bool) -> None:
        self.evaluate_button.setEnabled(enabled)

    def evaluate(self, model: Model, images: np.ndarray, labels: np.ndarray, title: str = "",
                 on_result: Callable[[EvalResult], None] | None = None) -> None:
        """Evaluate a copy of ``model`` off the GUI thread (on two threads,
        cancellable between chunks), then show the result, call
        ``on_result(result)`` (this evaluation's own result, never another's)
        and emit ``sigEvaluated``. A running evaluation is cancelled first."""
        self.cancel()
        twin = model.clone()
        job = CallJob(lambda checkpoint: evaluate(twin, images, labels, threads=2,
                                                  checkpoint=checkpoint), "evaluation")
        job.sigFinished.connect(self._evaluated)
        job.sigFailed.connect(self._evaluation_failed)
        job.sigDone.connect(self._job_done)
        self._job, self._job_context = job, (images, title, on_result)
        self._jobs.append(job)
        self.summary_label.setText(f"Evaluating on {len(labels):,} test images\u2026")
        job.start()
        self.sigBusyChanged.emit(True)

    def _evaluated(self, result: EvalResult) -> None:
        images, title, on_result = self._job_context
        self.show_result(result, images, title)
        if on_result is not None:
            on_result(result)
        self.sigEvaluated.emit(result)

    def _evaluation_failed(self, message: str) -> None:
        self.summary_label.setText(f"Evaluation failed: {message}")

    def _job_done(self) -> None:
        self._jobs = [job for job in self._jobs if job.running]
        if self._job is not None and not self._job.running:
            self._job = None
            self.sigBusyChanged.emit(False)

    @property
    def busy(self) -> bool:
        """True while an evaluation (not cancelled) runs."""
        return self._job is not None and self._job.running

    def cancel(self) -> None:
        """Abandon a running evaluation (its result is dropped)."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
            self.sigBusyChanged.emit(False)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel and wait for evaluation threads (call before the window closes)."""
        self.cancel()
        ok = True
        for job in list(self._jobs):
            job.cancel()
            ok &= job.wait(timeout_ms)
        return ok



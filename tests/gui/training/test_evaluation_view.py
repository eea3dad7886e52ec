"""The evaluation view: accuracy, per-class bars, the confusion matrix image with
counts, a click on a cell showing the right test images, the mistakes gallery,
and evaluation off the GUI thread."""
from __future__ import annotations

import numpy as np
import pytest
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt

import engine
from engine.data.dataset import Dataset
from engine.nn import presets
from engine.training.config import TrainConfig
from engine.training.evaluate import evaluate
from engine.training.trainer import Trainer
from gui.training.confusion_image import (DARK_CELLS, LIGHT_CELLS, ConfusionImage, confusion_rgba,
                                          text_colours)
from gui.training.evaluation_view import GALLERY_LIMIT, MISTAKES, EvaluationView
from gui.widgets.theme import DARK, LIGHT

N = 2000


@pytest.fixture(scope="module")
def test_set(mnist_data):
    return mnist_data.test_images[:N], mnist_data.test_labels[:N]


@pytest.fixture(scope="module")
def weak_result(test_set):
    """A barely trained model, so every row has mistakes to click on."""
    images, labels = test_set
    model = presets.build("tiny", np.random.default_rng(0))
    data = Dataset(images, labels, images, labels)
    for _ in Trainer(model, data, TrainConfig(epochs=1, batch_size=50, subset=300, eval_subset=10,
                                              augment=False)).run():
        pass
    return evaluate(model, images, labels)


@pytest.fixture
def view(qtbot):
    v = EvaluationView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    yield v
    assert v.shutdown(5000)


def click_cell(qtbot, view, row, col):
    """A real mouse click at the centre of a confusion-matrix cell."""
    plot = view.confusion_plot
    vb = plot.getPlotItem().getViewBox()
    scene_pos = vb.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    pos = plot.mapFromScene(scene_pos)
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))


def test_confusion_matrix_image_and_counts(view, weak_result, test_set):
    view.show_result(weak_result, test_set[0])
    conf = weak_result.confusion
    assert conf.sum() == N
    shown = view.confusion_image.image
    assert shown.shape == (10, 10, 4)
    # rows = true digit, columns = prediction; mistakes on their own scale
    assert np.array_equal(shown, confusion_rgba(conf, LIGHT_CELLS))
    texts = [item.toPlainText() for item in view.count_items]
    assert texts == [str(c) if c else "" for c in conf.ravel()]
    text = view.summary_label.text()
    assert f"{weak_result.accuracy:.2%}" in text and f"{N:,}" in text
    heights = view.per_class.bars.opts["height"] + view.per_class.bars.opts["y0"]
    np.testing.assert_allclose(heights, weak_result.per_class_accuracy)


@pytest.mark.parametrize("row, col", [(4, 9), (7, 7)])
def test_clicking_a_cell_shows_those_test_images(qtbot, view, weak_result, test_set, row, col):
    images, labels = test_set
    view.show_result(weak_result, images)
    qtbot.wait(50)  # let the view lay out before mapping positions
    with qtbot.waitSignal(view.sigCellSelected, timeout=2000) as clicked:
        click_cell(qtbot, view, row, col)
    assert clicked.args == [row, col]
    expected = weak_result.indices(row, col)
    assert len(expected) == weak_result.confusion[row, col]
    shown = view.cell_gallery.indices
    np.testing.assert_array_equal(shown, expected[:GALLERY_LIMIT])
    assert view.cell_gallery.count() == len(shown)
    assert np.all(labels[shown] == row)
    assert np.all(weak_result.predictions[shown] == col)
    probs = weak_result.probabilities[shown, col]
    assert np.all(np.diff(probs) <= 0)  # most confident first
    first = view.cell_gallery.item(0)
    assert first.text() == f"{probs[0]:.1%}"
    assert first.data(Qt.ItemDataRole.UserRole) == shown[0]
    assert f"True {row}, predicted {col}" in view.cell_title.text()
    assert view.selection_box.isVisible() and view.selection_box.rect().topLeft() == QPointF(col, row)


def test_gallery_of_the_most_confident_mistakes(view, weak_result, test_set):
    images, labels = test_set
    view.show_result(weak_result, images)
    shown = view.mistakes_gallery.indices
    # independently of EvalResult: wrong answers, ranked by the probability given to them
    probs = weak_result.probabilities
    answer = np.argmax(probs, axis=1)
    confidence = probs[np.arange(len(probs)), answer]
    wrong = [i for i in range(len(labels)) if answer[i] != labels[i]]
    expected = sorted(wrong, key=lambda i: (-confidence[i], i))[:MISTAKES]
    assert len(wrong) > MISTAKES  # the gallery is full, so the ranking matters
    assert shown.tolist() == expected
    assert view.mistakes_gallery.count() == MISTAKES
    for k in (0, MISTAKES - 1):
        i = expected[k]
        item = view.mistakes_gallery.item(k)
        assert item.text() == f"{labels[i]}\u2192{answer[i]}\n{confidence[i]:.0%}"
        assert item.data(Qt.ItemDataRole.UserRole) == i
        assert f"test image #{i}: true {labels[i]}, predicted {answer[i]}" in item.toolTip()
    assert f"({MISTAKES} of {len(wrong):,} wrong)" in view.mistakes_title.text()


def click_thumbnail(qtbot, gallery, row):
    """A real mouse click on the thumbnail in row ``row`` of a gallery."""
    item = gallery.item(row)
    gallery.scrollToItem(item)
    centre = gallery.visualItemRect(item).center()
    qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=centre)


@pytest.mark.parametrize("gallery_name", ["mistakes_gallery", "cell_gallery"])
def test_clicking_a_thumbnail_offers_that_test_image(qtbot, view, weak_result, test_set,
                                                     gallery_name):
    images, labels = test_set
    view.show_result(weak_result, images)
    qtbot.wait(50)
    gallery = getattr(view, gallery_name)
    row = min(3, gallery.count() - 1)
    index = int(gallery.indices[row])
    with qtbot.waitSignal(view.sigDigitChosen, timeout=2000) as chosen:
        click_thumbnail(qtbot, gallery, row)
    digit = chosen.args[0]
    assert digit.index == index and digit.label == labels[index]
    np.testing.assert_array_equal(digit.pixels, images[index])
    assert f"predicted {weak_result.predictions[index]}" in digit.caption
    assert "canvas" in gallery.item(row).toolTip()
    gallery.setCurrentRow(0)                         # the keyboard: Enter on the current one
    with qtbot.waitSignal(view.sigDigitChosen, timeout=2000) as chosen:
        qtbot.keyClick(gallery, Qt.Key.Key_Return)
    assert chosen.args[0].index == int(gallery.indices[0])


def test_evaluation_runs_off_the_gui_thread(qtbot, view, test_set):
    images, labels = test_set
    model = engine.load_model()
    with qtbot.waitSignal(view.sigEvaluated, timeout=60_000) as done:
        view.evaluate(model, images, labels, "bundled")
        assert view.busy  # returned at once; the work is in a thread
    result = done.args[0]
    ref = evaluate(model, images, labels)
    assert result.accuracy == pytest.approx(ref.accuracy, abs=1e-9)
    assert np.array_equal(result.confusion, ref.confusion)
    assert view.result is result and "bundled" in view.summary_label.text()
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)


def test_a_new_evaluation_cancels_the_previous_one(qtbot, view, test_set):
    images, labels = test_set
    model = engine.load_model()
    shown = []
    view.sigEvaluated.connect(shown.append)
    first = []
    view.evaluate(model, images, labels, "first", on_result=first.append)
    second = []
    view.evaluate(model, images[:300], labels[:300], "second", on_result=second.append)
    qtbot.waitUntil(lambda: bool(shown), timeout=60_000)
    assert view.shutdown(30_000)                    # every evaluation thread has ended
    qtbot.wait(50)                                  # (and any queued result was delivered)
    assert len(shown) == 1 and len(shown[0].labels) == 300   # the first never shows up
    assert first == [] and second == shown
    assert "second" in view.summary_label.text()


# ------------------------------------------------------------ confusion colours
def _contrast(a, b) -> float:
    """WCAG contrast ratio of two RGB colours."""
    def lum(c):
        c = np.asarray(c[:3], dtype=float) / 255.0
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _trained_like(diagonal: int) -> np.ndarray:
    """A 10-class matrix with ``diagonal`` right per class and a few mistakes."""
    conf = np.diag(np.full(10, diagonal))
    conf[4, 9], conf[7, 2], conf[3, 5], conf[9, 4] = 30, 5, 1, 12
    return conf


@pytest.mark.parametrize("colours", [LIGHT_CELLS, DARK_CELLS])
def test_mistakes_are_coloured_on_their_own_scale(colours):
    conf = _trained_like(1000)
    rgba = confusion_rgba(conf, colours).astype(int)
    assert rgba.shape == (10, 10, 4) and (rgba[..., 3] == 255).all()
    errors = [tuple(rgba[r, c, :3]) for r, c in ((3, 5), (7, 2), (9, 4), (4, 9))]  # 1, 5, 12, 30
    assert len(set(errors)) == 4
    empty = tuple(rgba[0, 1, :3])
    assert all(np.abs(np.subtract(e, empty)).sum() > 60 for e in errors)
    steps = [np.abs(np.subtract(errors[i + 1], errors[i])).sum() for i in range(3)]
    assert min(steps) > 20                               # 1, 5, 12 and 30 told apart
    r, g, b = rgba[0, 0, :3]
    assert g > r + 40 and g > b + 20                      # a correct cell is green
    error_red = [e[0] - e[2] for e in errors]
    assert min(error_red) > 40                            # mistakes are warm
    # the diagonal does not change the colours of the mistakes
    assert np.array_equal(confusion_rgba(_trained_like(5000), colours)[~np.eye(10, dtype=bool)],
                          rgba[~np.eye(10, dtype=bool)].astype(np.uint8))


@pytest.mark.parametrize("colours", [LIGHT_CELLS, DARK_CELLS])
def test_every_count_reads_on_its_cell(colours, weak_result):
    for conf in (_trained_like(1000), weak_result.confusion):
        rgba = confusion_rgba(conf, colours)
        text = text_colours(rgba, colours)
        ratios = [_contrast(rgba[r, c], text[r, c]) for r in range(10) for c in range(10)]
        assert min(ratios) >= 3.0


def test_the_image_item_shows_the_cell_colours_and_follows_the_theme(weak_result):
    item = ConfusionImage(axisOrder="row-major")
    item.set_confusion(weak_result.confusion)
    assert np.array_equal(item.image, confusion_rgba(weak_result.confusion, LIGHT_CELLS))
    r, c = 4, 9
    expected = text_colours(confusion_rgba(weak_result.confusion, LIGHT_CELLS), LIGHT_CELLS)[r, c]
    assert item.text_colour(r, c) == tuple(int(v) for v in expected)
    item.set_theme(DARK)
    assert np.array_equal(item.image, confusion_rgba(weak_result.confusion, DARK_CELLS))
    item.set_theme(LIGHT)
    assert np.array_equal(item.image, confusion_rgba(weak_result.confusion, LIGHT_CELLS))


def test_per_digit_accuracy_is_in_percent_and_its_labels_never_collide(qtbot, mnist_data):
    from gui.training.evaluation_view import EvaluationView
    model = engine.load_model()
    view = EvaluationView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    images, labels = mnist_data.test_images[:500], mnist_data.test_labels[:500]
    view.show_result(evaluate(model, images, labels), images)
    item = view.per_class_plot.getPlotItem()
    ticks = item.getAxis("left").tickStrings([0.9, 1.0], 1.0, 0.1)
    assert ticks == ["90 %", "100 %"]
    shown = [t.toPlainText() for t in view.per_class_labels if t.toPlainText()]
    assert len(shown) == 10 and all("." in t for t in shown)       # "98.8": room for decimals
    view.resize(330, 600)                                            # narrow: no overlap
    qtbot.waitUntil(lambda: item.getViewBox().width() < 300)
    qtbot.wait(20)
    boxes = sorted((t.mapRectToScene(t.boundingRect()) for t in view.per_class_labels
                    if t.toPlainText()), key=lambda r: r.left())
    assert all(a.right() <= b.left() for a, b in zip(boxes, boxes[1:]))


def test_confusion_counts_never_spill_over_their_cells(qtbot, mnist_data):
    from gui.training.evaluation_view import EvaluationView
    view = EvaluationView()
    qtbot.addWidget(view)
    view.resize(560, 520)
    view.show()
    images, labels = mnist_data.test_images, mnist_data.test_labels
    view.show_result(evaluate(engine.load_model(), images, labels), images)
    assert max(len(t.toPlainText()) for t in view.count_items) == 4      # e.g. "1124"
    for size in ((560, 520), (420, 520), (1100, 800)):
        view.resize(*size)
        qtbot.wait(30)
        box = view.confusion_plot.getPlotItem().getViewBox()
        cell = box.mapViewToScene(pg.QtCore.QRectF(0, 0, 1, 1)).boundingRect()
        for text in view.count_items:
            if text.isVisible() and text.toPlainText():
                assert text.mapRectToScene(text.boundingRect()).width() <= cell.width() + 1


def test_every_row_of_the_confusion_matrix_is_named_in_a_small_window(qtbot, view):
    """Stacked row labels need their digits' ink and a gap, not a line of
    text each: a window small enough that ten lines of text would not fit
    the matrix's height still names all ten rows, and no two labels touch."""
    from PySide6.QtGui import QFontMetricsF
    axis = view.confusion_plot.getPlotItem().getAxis("left")
    metrics = QFontMetricsF(axis.style.get("tickFont") or axis.font())
    ink = max(metrics.tightBoundingRect(str(d)).height() for d in range(10))
    crowded = 0
    for height in (600, 420, 360, 330):
        view.resize(700, height)
        qtbot.wait(30)
        lo, hi = sorted(axis.range)
        per_row = axis.height() / (hi - lo)
        (step, rows), = axis.tickValues(lo, hi, axis.height())
        crowded += per_row < metrics.height() + 6       # where one line each would not fit
        if per_row >= ink + 4:
            assert step == 1 and len(rows) == 10, (height, per_row)
        assert step * per_row >= ink + 2                 # labels never touch
    assert crowded, "no size small enough to test the crowded case"

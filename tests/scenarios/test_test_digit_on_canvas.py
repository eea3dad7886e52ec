"""A learner traces a test digit through the network: a click on a
thumbnail of the Evaluation tab's galleries, or Draw > Random test digit (D),
puts that MNIST test image on the canvas; the network reads exactly that
image (not a re-framed copy), the Activations tab opens, and the canvas
works as usual (draw over it, undo, clear). Without MNIST the command says
how to get it, in plain text."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.data.dataset import Dataset
from engine.data.preprocess import to_model_input
from engine.training.evaluate import evaluate
from gui.tools.mouse import drag, to_widget

N = 300


@pytest.fixture(scope="module")
def dataset(mnist_data):
    return Dataset.from_mnist(mnist_data)


def assert_reads_exactly(window, image: np.ndarray) -> None:
    result = window.current_result()
    assert result.image is not None and result.probabilities is not None
    np.testing.assert_allclose(result.image, image.astype(np.float64) / 255.0, rtol=0, atol=1e-6)


def framing_changes(image: np.ndarray) -> bool:
    """True if the usual framing of a 10x upsampled copy would not give the image back."""
    framed = to_model_input(np.kron(image, np.ones((10, 10), np.uint8)))
    return framed is None or np.abs(framed[0] - image / 255.0).max() > 1e-3


def show_evaluation(window, dataset, qtbot):
    panel = window.training_panel
    panel.set_data(dataset)
    view = panel.evaluation_view
    images, labels = dataset.test_split(N)
    view.show_result(evaluate(window.model, images, labels), dataset.test_images, "test")
    window.tabs.setCurrentWidget(panel)
    panel.view_tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.mistakes_gallery.isVisible() and view.mistakes_gallery.count() > 0)
    qtbot.wait(50)                                          # laid out
    return view


def click_thumbnail(qtbot, gallery, row: int) -> None:
    item = gallery.item(row)
    gallery.scrollToItem(item)
    qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton,
                     pos=gallery.visualItemRect(item).center())


def test_a_clicked_mistake_is_read_exactly_and_traced_through_the_layers(window, dataset, qtbot):
    view = show_evaluation(window, dataset, qtbot)
    gallery = view.mistakes_gallery
    indices = [int(i) for i in gallery.indices]
    # a digit that the usual framing would change (its peak is 254, or a faint rim ...)
    row = next(r for r, i in enumerate(indices) if framing_changes(dataset.test_images[i]))
    index = indices[row]
    image, label = dataset.test_images[index], int(dataset.test_labels[index])
    click_thumbnail(qtbot, gallery, row)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.activations_view)
    assert_reads_exactly(window, image)
    message = window.statusBar().currentMessage()
    assert f"test digit #{index}, labelled {label}" in message
    updates = []
    window.sigPanelsUpdated.connect(updates.append)
    # draw over it: now a drawing like any other, framed as usual
    drag(window.canvas, to_widget(window.canvas, [(0.15, 0.1), (0.85, 0.1)]))
    changed = window.current_result().image
    assert changed is not None and np.abs(changed - image / 255.0).max() > 0.1
    qtbot.waitUntil(lambda: bool(updates))
    window.canvas.undo()
    assert_reads_exactly(window, image)
    window.canvas.clear()
    assert window.current_result().empty
    window.canvas.undo()
    assert_reads_exactly(window, image)


def test_the_cell_gallery_sends_its_digits_too(window, dataset, qtbot):
    view = show_evaluation(window, dataset, qtbot)
    gallery = view.cell_gallery
    assert gallery.count() > 0
    index = int(gallery.indices[0])
    click_thumbnail(qtbot, gallery, 0)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.activations_view)
    assert_reads_exactly(window, dataset.test_images[index])
    assert window.canvas.can_undo()


def press_d(window, qtbot) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_D)


def shown_index(window) -> tuple[int, int]:
    match = re.search(r"test digit #(\d+), labelled (\d)", window.statusBar().currentMessage())
    assert match, window.statusBar().currentMessage()
    return int(match.group(1)), int(match.group(2))


def test_random_test_digit_with_its_label(window, dataset, qtbot, no_modal_dialogs):
    window.training_panel.set_data(dataset)
    seen = set()
    for _ in range(3):
        press_d(window, qtbot)
        index, label = shown_index(window)
        assert label == dataset.test_labels[index]
        assert_reads_exactly(window, dataset.test_images[index])
        seen.add(index)
    assert len(seen) > 1                                   # random, not one fixed digit
    assert window.tabs.currentWidget() is window.activations_view
    assert no_modal_dialogs == []
    spec = next(a for a in window.menuBar().actions() if a.text() == "&Draw").menu()
    assert window.random_digit_action in spec.actions()


def test_random_test_digit_loads_mnist_off_the_gui_thread(window, mnist_dir, qtbot, monkeypatch):
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(mnist_dir))
    assert window.training_panel.data.dataset is None
    window.random_digit_action.trigger()
    assert window.training_panel.data.loading             # returned at once: it loads in a thread
    qtbot.waitUntil(lambda: window.canvas.placed_input() is not None, timeout=60_000)
    index, label = shown_index(window)
    data = window.training_panel.data.dataset
    assert label == data.test_labels[index]
    assert_reads_exactly(window, data.test_images[index])


def test_without_mnist_it_says_how_to_get_it(window, tmp_path, monkeypatch, no_modal_dialogs,
                                              qtbot):
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(tmp_path))   # an empty folder
    window.random_digit_action.trigger()
    assert len(no_modal_dialogs) == 1
    kind, title, text = no_modal_dialogs[0]
    assert kind == "information" and "MNIST" in title
    assert "Training tab" in text and "Download" in text and "Traceback" not in text
    assert no_modal_dialogs.formats == [Qt.TextFormat.PlainText]
    assert window.canvas.is_blank() and not window.training_panel.data.loading


def test_unreadable_mnist_files_give_a_message_not_a_traceback(window, tmp_path, monkeypatch,
                                                               no_modal_dialogs, qtbot):
    from engine.data.mnist import FILES
    for spec in FILES:                                      # all four there, all garbage
        (tmp_path / spec.name).write_bytes(b"not an IDX file")
    monkeypatch.setenv("CNN_PLAYGROUND_DATA", str(tmp_path))
    window.random_digit_action.trigger()
    assert window.mnist_digits.pending                      # loading in a thread
    qtbot.waitUntil(lambda: bool(no_modal_dialogs), timeout=30_000)
    kind, title, text = no_modal_dialogs[0]
    assert kind == "information" and "could not be loaded" in title
    assert "Training tab" in text and "Traceback" not in text
    assert not window.mnist_digits.pending and window.canvas.is_blank()

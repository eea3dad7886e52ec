"""The quick guide (F1): a non-modal window beside the main window that covers
every tab and lists the keys of the action table; F1 toggles it, Esc and its
Close button close it, and the window under it keeps working."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from engine.training.recipes import RECIPES
from gui.tools.mouse import draw_digit
from gui.widgets.theme import DARK, LIGHT
from gui.window.actions import key_rows
from gui.window.guide import SECTIONS, quick_guide_html
from gui.window.guide_window import GAP, MIN_HEIGHT, MIN_WIDTH, place_beside


def _press_f1(window, qtbot):
    """F1 in the main window (made active first, as after a click on it)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_F1)
    qtbot.wait(20)


def _top_heading(browser) -> str:
    """The text of the first block visible at the top of the guide."""
    return browser.cursorForPosition(QPoint(20, 6)).block().text()


def test_f1_toggles_a_non_modal_guide_and_the_window_keeps_working(window, qtbot,
                                                                   no_modal_dialogs):
    guide = window.guide
    assert not guide.isVisible()
    _press_f1(window, qtbot)
    assert guide.isVisible() and not guide.isModal()
    assert guide.windowModality() == Qt.WindowModality.NonModal
    assert guide.isWindow() and guide.windowFlags() & Qt.WindowType.Tool
    assert no_modal_dialogs == []                  # no message box any more
    draw_digit(window.canvas, 3)                   # the window works with the guide open
    assert window.current_probabilities() is not None
    assert guide.isVisible()
    _press_f1(window, qtbot)
    assert not guide.isVisible()


def test_esc_closes_the_guide_and_does_not_clear_the_drawing(window, qtbot):
    draw_digit(window.canvas, 4)
    _press_f1(window, qtbot)
    guide = window.guide
    QTest.keyClick(guide.browser, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not guide.isVisible())
    assert not window.canvas.is_blank()
    _press_f1(window, qtbot)
    assert guide.isVisible()
    QTest.keyClick(guide.browser, Qt.Key.Key_F1)     # F1 inside the guide hides it too
    qtbot.waitUntil(lambda: not guide.isVisible())


def test_closing_the_guide_by_key_gives_the_keys_back_to_the_window(window, qtbot):
    window.draw_example(4)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_F1)
    guide = window.guide
    qtbot.waitUntil(guide.isActiveWindow)
    QTest.keyClick(guide.browser, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not guide.isVisible())
    qtbot.waitUntil(window.isActiveWindow)            # the window is active again ...
    window.canvas.clear()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.canvas.is_blank())   # ... and its keys work (Ctrl+2)
    by_key = window.canvas.to_array().copy()
    window.draw_example(2)
    assert (window.canvas.to_array() == by_key).all()       # the example 2, drawn by the key


def test_the_close_button_closes_the_guide(window, qtbot):
    _press_f1(window, qtbot)
    QTest.mouseClick(window.guide.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.guide.isVisible())


def test_the_guide_covers_every_tab_and_lists_the_generated_keys(window, qtbot):
    _press_f1(window, qtbot)
    text = window.guide.browser.toPlainText()
    for _, heading in SECTIONS:
        assert f"\n{heading}\n" in f"\n{text}\n", heading
    for phrase in ("right button erases", "Undo", "Examples", "blue is negative",
                   "red positive", "colour bar", "Normalise each feature map", "Click a map",
                   "one slice per input channel", "output map", "Epochs", "Learning rate",
                   "average over that epoch", "end of the epoch", "double-click",
                   "stays in use", "Back to previous model", "Confusion matrix",
                   "Click a cell", "most confident mistakes", "Click a thumbnail",
                   "Train one step", "Step through", "time machine", "Dynamics", "Runs",
                   "Train it", "Export to ONNX"):
        assert phrase in text, phrase
    for r in RECIPES:
        assert f"{r.title}" in text and r.expected in text, r.key
    for keys, what in key_rows():
        assert f"{keys}\n{what}" in text or f"{keys}\t{what}" in text, keys


def test_the_guide_is_our_own_text_and_escapes_what_it_takes_from_elsewhere():
    document = QTextDocument()
    document.setHtml(quick_guide_html())
    body = document.toHtml().split("<body", 1)[1]
    assert "<img" not in body and "href=\"#keys\"" in body
    assert "Ctrl+Shift+Z" in document.toPlainText()


def test_the_guide_opens_at_the_section_of_the_tab_in_view(window, qtbot):
    guide = window.guide
    _press_f1(window, qtbot)
    assert guide.browser.verticalScrollBar().value() == 0       # Activations: from the top
    assert _top_heading(guide.browser).startswith("Drawing")
    _press_f1(window, qtbot)
    window.tabs.setCurrentWidget(window.training_panel)
    _press_f1(window, qtbot)
    qtbot.waitUntil(lambda: _top_heading(guide.browser) == "Training")
    window.tabs.setCurrentWidget(window.kernel_view)
    _press_f1(window, qtbot)
    _press_f1(window, qtbot)
    qtbot.waitUntil(lambda: _top_heading(guide.browser) == "Kernels")
    window.tabs.setCurrentWidget(window.why.backprop.tab)
    _press_f1(window, qtbot)
    _press_f1(window, qtbot)
    qtbot.waitUntil(lambda: _top_heading(guide.browser) == "Watch it learn")


def test_a_contents_link_scrolls_to_its_section(window, qtbot):
    _press_f1(window, qtbot)
    browser = window.guide.browser
    cursor = browser.document().find("Evaluation")          # the first: the contents line
    assert cursor.blockNumber() == 0
    rect = browser.cursorRect(cursor)
    QTest.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     rect.center() - QPoint(rect.width() // 2 + 10, 0))
    qtbot.waitUntil(lambda: _top_heading(browser) == "Evaluation")


def test_the_guide_follows_the_theme(make_window, playground_model, qtbot):
    window = make_window(playground_model, theme="dark")
    html = window.guide.browser.toHtml().lower()
    assert DARK.negative.lower() in html and DARK.positive.lower() in html
    window.set_theme("light")
    html = window.guide.browser.toHtml().lower()
    assert LIGHT.negative.lower() in html and DARK.negative.lower() not in html


def test_the_guide_leaves_the_window_size_alone_and_stays_on_the_screen(make_window,
                                                                       playground_model, qtbot):
    window = make_window(playground_model, size=(980, 640))
    before = window.size()
    _press_f1(window, qtbot)
    guide = window.guide
    assert window.size() == before
    screen = window.screen().availableGeometry()
    frame = guide.frameGeometry()
    assert screen.contains(guide.geometry().topLeft()) and frame.width() <= screen.width()
    assert guide.width() >= MIN_WIDTH and guide.height() >= MIN_HEIGHT
    scroll = guide.browser.verticalScrollBar()
    qtbot.waitUntil(lambda: scroll.maximum() > 0)    # long text scrolls instead of growing


@pytest.mark.parametrize("window_rect, expected_x", [
    (QRect(0, 0, 1240, 760), 1240 + GAP),       # room on the right: beside it
    (QRect(600, 0, 1240, 760), 600 - GAP - 420),    # room on the left only
    (QRect(0, 0, 1900, 1000), 1920 - 420),          # no room: over the window's right edge
])
def test_the_guide_goes_beside_the_window_where_the_screen_has_room(window_rect, expected_x):
    screen = QRect(0, 0, 1920, 1080)
    rect = place_beside(window_rect, screen, QSize(420, 640))
    assert rect.x() == expected_x and rect.size() == QSize(420, 640)
    assert screen.contains(rect)


def test_the_guide_is_never_larger_than_a_small_screen():
    screen = QRect(0, 0, 800, 500)
    rect = place_beside(QRect(0, 100, 780, 480), screen, QSize(420, 640))
    assert screen.contains(rect) and rect.height() == 500

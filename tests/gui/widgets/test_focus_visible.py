"""A Tab stop without a mark of its own (a page's scroll area, the drawing)
is framed in the accent colour while Tab has put the focus there, and only
then: a click inside (which gives a page's scroll area the focus too) shows
no frame."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea

from tests.support.focus_walk import ROUND


def accent_like(colour, accent) -> bool:
    return abs(colour.hue() - accent.hue()) < 20 and colour.saturation() > 60


def edge_colours(widget, y: int) -> list:
    image = widget.grab().toImage()
    return [image.pixelColor(x, y) for x in range(3)]


def tab_to(window, wanted):
    for _ in range(ROUND):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if wanted(QApplication.focusWidget()):
            return QApplication.focusWidget()
    raise AssertionError("Tab never reached it")


def test_a_page_is_framed_when_tab_reaches_it_not_when_clicked(window, qtbot):
    window.draw_example(3)
    window.tabs.setCurrentWidget(window.activations_view)
    accent = window.palette().highlight().color()
    window.canvas.setFocus()
    area = tab_to(window, lambda w: isinstance(w, QScrollArea))
    assert window.activations_view.isAncestorOf(area)
    middle = area.height() // 2
    qtbot.waitUntil(lambda: any(accent_like(c, accent) for c in edge_colours(area, middle)))
    window.canvas.setFocus()                                  # away, then a click into the page
    qtbot.waitUntil(window.canvas.hasFocus)
    QTest.mouseClick(area.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    qtbot.waitUntil(area.hasFocus)
    qtbot.wait(20)                                            # (the style is re-read next turn)
    assert not any(accent_like(c, accent) for c in edge_colours(area, middle))


def test_the_drawing_has_a_ring_when_tab_comes_back_to_it(window, qtbot):
    window.draw_example(3)
    accent = window.palette().highlight().color()
    canvas = window.canvas
    side = canvas.square_rect()
    y = int(side.center().y())
    x0 = int(side.left())
    ring = lambda: [canvas.grab().toImage().pixelColor(x0 + dx, y) for dx in range(3)]
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    assert not any(accent_like(c, accent) for c in ring())   # focus by program: no ring
    QTest.keyClick(canvas, Qt.Key.Key_Tab)
    tab_to(window, lambda w: w is canvas)
    assert any(accent_like(c, accent) for c in ring())
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=side.center().toPoint())
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=side.center().toPoint())
    assert not any(accent_like(c, accent) for c in ring())   # drawing: the ring goes


def _marked_area(qtbot):
    """A window with a field and a marked scroll area, Tab pressed from the field."""
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    from gui.widgets.focus_visible import mark_keyboard_focus
    box = QWidget()
    field, area = QLineEdit(), QScrollArea()
    column = QVBoxLayout(box)
    column.addWidget(field)
    column.addWidget(area)
    qtbot.addWidget(box)
    (mark,) = mark_keyboard_focus(box, QScrollArea)
    box.show()
    qtbot.waitExposed(box)
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    QTest.keyClick(field, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: mark.shown)
    return box, area, mark


def test_the_mark_comes_back_when_the_focus_returns_from_a_menu(qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QFocusEvent
    _box, area, mark = _marked_area(qtbot)
    assert mark.shown
    QApplication.sendEvent(area, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.PopupFocusReason))
    assert not mark.shown
    QApplication.sendEvent(area, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.PopupFocusReason))
    assert mark.shown                                 # the keyboard's focus came back
    QTest.mouseClick(area, Qt.MouseButton.LeftButton)
    QApplication.sendEvent(area, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.PopupFocusReason))
    QApplication.sendEvent(area, QFocusEvent(QEvent.Type.FocusIn, Qt.FocusReason.PopupFocusReason))
    assert not mark.shown                             # after a click it was the mouse's


def test_a_marked_widget_deleted_while_it_has_the_focus_is_no_crash(qtbot):
    _box, area, mark = _marked_area(qtbot)
    assert mark.shown
    area.deleteLater()
    qtbot.waitUntil(lambda: not _alive(area))
    qtbot.wait(20)                                    # (a re-polish would come now)


def _alive(widget) -> bool:
    import shiboken6
    return shiboken6.isValid(widget)

"""The quick guide as a non-modal tool window beside the main window: F1
shows or hides it, Esc (while it is active) or its Close button closes it,
and the window under it keeps working (draw, switch tabs, train).

It opens at the section of the tab in view (:func:`gui.window.guide.section_for_tab`),
to the right of the main window when the screen has room, else to its
left, else over the main window's right edge; it is never larger than the
screen. Nothing about it is saved (no position or size in the preferences).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from ..widgets.plain_text import plain_label
from ..widgets.theme import LIGHT, Theme
from .guide import quick_guide_html, section_for_tab

#: Preferred size (pixels): narrow enough to sit beside a 1240-pixel window on
#: a 1920-pixel screen, tall enough for a section at a time.
WIDTH, HEIGHT = 420, 640
#: Smallest size; also the least room beside the main window it goes into.
MIN_WIDTH, MIN_HEIGHT = 300, 260
GAP = 8   # pixels between the main window and the guide
ANCHOR_ROOM = 6   # pixels shown above a section's heading when scrolling to it


def place_beside(window: QRect, screen: QRect, size: QSize) -> QRect:
    """Where the guide goes: ``size`` bounded by the ``screen``'s available
    area, right of the ``window`` frame if that fits on the screen, else left
    of it, else inside the screen at its right edge (over the window);
    vertically aligned with the window's top, kept on the screen."""
    w = min(size.width(), screen.width())
    h = min(size.height(), screen.height())
    if window.right() + GAP + w <= screen.right():     # right() is the last pixel
        x = window.right() + 1 + GAP
    elif window.left() - GAP - w >= screen.left():
        x = window.left() - GAP - w
    else:
        x = screen.right() - w + 1
    y = min(max(window.top(), screen.top()), screen.bottom() - h + 1)
    return QRect(x, y, w, h)


class QuickGuide(QWidget):
    """The guide window (a ``Qt.Tool`` window owned by ``parent``).

    ``browser``: the text (a read-only ``QTextBrowser``, scrollable, our own
    rich text); ``close_button``. :meth:`toggle` is what F1 does."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Tool)
        self.setObjectName("quickGuide")
        self.setWindowTitle("Quick guide")
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)
        self._theme = LIGHT
        self._placed = False
        self.browser = QTextBrowser()
        self.browser.setObjectName("guideText")
        self.browser.setOpenLinks(False)          # the only links are the contents line's
        self.browser.document().setDocumentMargin(10)
        self.browser.document().setIndentWidth(18)
        self.browser.anchorClicked.connect(self._anchor_clicked)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeGuideButton")
        self.close_button.setToolTip("Close the guide (Esc); F1 opens it again")
        self.close_button.clicked.connect(self.close)
        hint = plain_label("F1 shows or hides this guide", object_name="hint")
        row = QHBoxLayout()
        row.setContentsMargins(8, 0, 8, 8)
        row.addWidget(hint, 1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.browser, 1)
        layout.addLayout(row)
        self._render()

    # ------------------------------------------------------------------ API
    def toggle(self, tab_title: str = "") -> None:
        """Hide the guide if it is shown, else show it at the section of
        the tab titled ``tab_title``."""
        if self.isVisible():
            self.close()
        else:
            self.show_section(section_for_tab(tab_title))

    def show_section(self, anchor: str = "") -> None:
        """Show the guide (beside the main window the first time), active, at
        section ``anchor`` (``""``: the top)."""
        if not self._placed:
            self._place()
        self.show()
        self.raise_()
        self.activateWindow()
        self.browser.setFocus()
        self.scroll_to(anchor)

    def scroll_to(self, anchor: str) -> None:
        """Scroll the text to section ``anchor`` (``""``: the top)."""
        if anchor:
            self.browser.scrollToAnchor(anchor)
            bar = self.browser.verticalScrollBar()
            bar.setValue(bar.value() - ANCHOR_ROOM)   # the heading whole, not cut at the top
        else:
            self.browser.verticalScrollBar().setValue(0)

    def apply_theme(self, theme: Theme) -> None:
        """Re-colour the text for ``theme`` (keeps the scroll position)."""
        if theme != self._theme:
            self._theme = theme
            self._render()

    def sizeHint(self) -> QSize:
        return QSize(WIDTH, HEIGHT)

    # ------------------------------------------------------------------ internals
    def _render(self) -> None:
        bar = self.browser.verticalScrollBar()
        position = bar.value()
        t = self._theme
        self.browser.document().setDefaultStyleSheet(
            f"h3 {{ color: {t.text}; margin-top: 14px; margin-bottom: 4px; }} "
            f"a {{ color: {t.accent}; text-decoration: none; }} "
            f"td {{ padding: 1px 10px 1px 0; }} li {{ margin-bottom: 3px; }}")
        self.browser.setHtml(quick_guide_html(t))
        bar.setValue(position)

    def _place(self) -> None:
        owner = self.parentWidget()
        screen = (owner or self).screen()
        if owner is None or screen is None:
            self.resize(self.sizeHint())
            return
        frame = owner.frameGeometry()
        size = QSize(WIDTH, max(MIN_HEIGHT, min(HEIGHT, frame.height())))
        self.setGeometry(place_beside(frame, screen.availableGeometry(), size))
        self._placed = True

    def _anchor_clicked(self, url: QUrl) -> None:
        if url.fragment():
            self.scroll_to(url.fragment())

    def event(self, event: QEvent) -> bool:
        # Esc is also the window's "clear the canvas" shortcut, which tool
        # windows share: claim it here, so that it closes the guide instead.
        if event.type() == QEvent.Type.ShortcutOverride and \
                event.key() == Qt.Key.Key_Escape:
            event.accept()
            return True
        return super().event(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed while active (Esc, F1, Close): the main window becomes active
        again, so its keys work at once (not every window manager does this
        for a tool window)."""
        was_active = self.isActiveWindow()
        super().closeEvent(event)
        parent = self.parentWidget()
        if was_active and event.isAccepted() and parent is not None and parent.isVisible():
            QTimer.singleShot(0, parent, parent.activateWindow)   # once this one is hidden

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

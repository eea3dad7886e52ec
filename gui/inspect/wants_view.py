"""The inspector's "what it wants" picture: the input that drives the selected
map or unit highest (:func:`engine.explain.visualize_unit`, computed by
:class:`gui.explain.unit_wants.UnitWants`), with a progress bar while it is
computed, or a plain sentence when the layer has no picture of its own.

Every text here is painted (:class:`~gui.widgets.text_line.TextLine`): layer
names come from model files, and changing the text never re-lays out the tab.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QProgressBar, QStackedWidget, QVBoxLayout, QWidget

from ..widgets.image_view import ImageView
from ..widgets.text_line import TextLine
from ..widgets.theme import LIGHT, Theme

ZOOM_BELOW = 10
"""Fields at most this many input pixels wide are shown zoomed in."""
ZOOMED_CAPTION = "wants (zoom)"
CAPTION = "what it wants"


class WantsView(QWidget):
    """A square picture (or a sentence), a caption and a thin progress bar.

    :ivar image: the ``(H, W)`` picture shown, or None
    :ivar progress: ``(step, steps)`` of the computation under way, or None
    :ivar reason: the sentence shown instead of a picture (``""``: none)
    :ivar field: the input pixels ``(top, left, bottom, right)`` outlined on the picture
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = LIGHT
        self.image: np.ndarray | None = None
        self.progress: tuple[int, int] | None = None
        self.reason = ""
        self.field: tuple[int, int, int, int] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        self.view = ImageView(min_size=(72, 72))
        self.view.setToolTip("What this map or unit wants: the input that makes it as large as "
                             "it gets, found by gradient ascent from faint noise.")
        self.reason_text = TextLine(lines=7)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.reason_text)
        layout.addWidget(self.stack, 1)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(4)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        policy = self.bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)     # showing it never moves the picture
        self.bar.setSizePolicy(policy)
        self.caption = TextLine(CAPTION, align=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.bar)
        layout.addWidget(self.caption)
        self.clear()

    # ------------------------------------------------------------------ API
    def clear(self) -> None:
        """Nothing selected."""
        self.image, self.progress, self.reason = None, None, ""
        self._blank()
        self.stack.setCurrentWidget(self.view)
        self.caption.setText(CAPTION)
        self._show_bar(None)

    def show_pending(self) -> None:
        """A new picture is on its way (the old one goes)."""
        self.image, self.reason = None, ""
        self._blank()
        self.stack.setCurrentWidget(self.view)
        self.set_progress(0, 1)

    def set_progress(self, step: int, steps: int) -> None:
        self.progress = (int(step), max(int(steps), 1))
        self._show_bar(self.progress)
        self.caption.setText(f"computing\u2026 {100 * self.progress[0] // self.progress[1]} %")

    def show_image(self, image: np.ndarray,
                   field: tuple[int, int, int, int] | None = None) -> None:
        """Show ``image`` (``(H, W)`` in [0, 1], or ``(C, H, W)``: its mean),
        outlining ``field = (top, left, bottom, right)`` (the pixels the unit
        sees) when given."""
        image = np.asarray(image, dtype=np.float32)
        self.image = image if image.ndim == 2 else image.mean(axis=0)
        self.reason, self.progress = "", None
        self.field = field
        self._render()
        self.stack.setCurrentWidget(self.view)
        self.caption.setText(CAPTION if self._shown_box() is None else ZOOMED_CAPTION)
        self._show_bar(None)

    def show_reason(self, text: str) -> None:
        """No picture: say why (plain text)."""
        self.image, self.progress, self.reason = None, None, str(text)
        self.reason_text.setText(self.reason)
        self.stack.setCurrentWidget(self.reason_text)
        self.caption.setText("")
        self._show_bar(None)

    def show_failure(self, message: str) -> None:
        self.show_reason(f"Could not compute what it wants: {message}")

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.view.apply_theme(theme)
        if self.image is not None:
            self._render()
        else:
            self._blank()

    # ------------------------------------------------------------- internals
    def _shown_box(self) -> tuple[int, int, int, int] | None:
        """The part of the picture shown zoomed in: the field with a margin of
        half its size, when the field is at most :data:`ZOOM_BELOW` pixels; else
        None (the whole picture)."""
        if self.field is None or self.image is None:
            return None
        top, left, bottom, right = self.field
        if max(bottom - top, right - left) > ZOOM_BELOW:
            return None
        h, w = self.image.shape
        my, mx = max(2, (bottom - top) // 2), max(2, (right - left) // 2)
        return max(0, top - my), max(0, left - mx), min(h, bottom + my), min(w, right + mx)

    def _render(self) -> None:
        """The picture (zoomed to a small field) with the field outlined."""
        box = self._shown_box()
        y0, x0 = (0, 0) if box is None else box[:2]
        shown = self.image if box is None else self.image[box[0]:box[2], box[1]:box[3]]
        self.view.set_image(shown, (0.0, 1.0), self._theme.gray_lut())
        if self.field is None:
            self.view.set_highlight(None)
            return
        top, left, bottom, right = self.field
        self.view.set_highlight(QRectF(left - x0, top - y0, right - left, bottom - top),
                                self._theme.qcolor("accent"))

    def _blank(self) -> None:
        """A dark square where the picture will be (the layout never jumps)."""
        self.field = None
        self.view.set_highlight(None)
        self.view.set_image(np.zeros((28, 28), np.float32), (0.0, 1.0), self._theme.gray_lut())

    def _show_bar(self, progress: tuple[int, int] | None) -> None:
        self.bar.setVisible(progress is not None)
        if progress is None:
            return
        self.bar.setRange(0, progress[1])
        self.bar.setValue(progress[0])

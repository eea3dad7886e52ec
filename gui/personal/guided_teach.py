"""The guided "Teach me 5 of each digit" flow: a big prompt ("Draw a 3") at
the top of the My handwriting tab, Next (Enter) adds the drawing as that
digit and clears the canvas for the next one, Skip goes on to the next
digit, Done ends early. At the end it offers to fine-tune::

    Draw a 3                                   [Next]  [Skip]  [Done]
    sample 2 of 5 · 12 of 50 · Enter adds it and clears the canvas

:class:`GuidedTeach` is the flow (which digit, how many); :class:`GuidePrompt`
the widget. Adding goes through the same checks as the "It's a ..." panel
(``add(digit) -> bool``, see :class:`gui.personal.corrections.Corrections`).
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ..widgets.plain_text import plain_label, plain_tooltip

#: Samples of each digit the flow asks for.
PER_DIGIT = 5


class GuidePrompt(QFrame):
    """The prompt (see the module docstring). ``prompt``, ``detail`` and the
    buttons are public for tests. Signals: ``sigNext``, ``sigSkip``,
    ``sigDone``, ``sigFineTune`` (the offer at the end)."""

    sigNext = Signal()
    sigSkip = Signal()
    sigDone = Signal()
    sigFineTune = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panel")
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 4, 8, 6)
        column.setSpacing(2)
        top = QHBoxLayout()
        self.prompt = plain_label("")
        self.prompt.setObjectName("guidePrompt")
        font = QFont(self.font())
        font.setPixelSize(30)
        font.setBold(True)
        self.prompt.setFont(font)
        top.addWidget(self.prompt, 1)
        self.next_button = self._button("Next", "Add the drawing as this digit, clear the canvas "
                                        "and ask for the next one (Enter)", self.sigNext)
        self.next_button.setDefault(True)
        self.skip_button = self._button("Skip", "Go on to the next digit without adding more of "
                                        "this one", self.sigSkip)
        self.done_button = self._button("Done", "End the guided teaching; your samples stay",
                                        self.sigDone)
        self.fine_tune_button = self._button("Fine-tune now", "Fine-tune the model on your "
                                             "samples (see the box below)", self.sigFineTune)
        for button in (self.next_button, self.skip_button, self.done_button, self.fine_tune_button):
            top.addWidget(button)
        column.addLayout(top)
        self.detail = plain_label("", word_wrap=True)
        self.detail.setObjectName("hint")
        column.addWidget(self.detail)

    def _button(self, text: str, tip: str, signal) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(plain_tooltip(tip))
        button.clicked.connect(signal)
        return button

    def show_step(self, digit: int, k: int, per_digit: int, done: int, total: int,
                  note: str = "") -> None:
        """Ask for sample ``k`` (1-based) of ``digit``."""
        self.prompt.setText(f"Draw {'an' if digit == 8 else 'a'} {digit}")
        self.detail.setText(note or f"sample {k} of {per_digit} · {done} of {total} added · "
                            "draw it on the canvas, then Next (Enter)")
        self._buttons(True)

    def show_end(self, added: int) -> None:
        """The flow ended after ``added`` samples: offer to fine-tune."""
        self.prompt.setText("Thank you!" if added else "Nothing added")
        self.detail.setText(f"You added {added} drawing{'s' if added != 1 else ''}. Fine-tune "
                            "the model on your handwriting now, or later from the box below."
                            if added else "Teach it again any time from this tab.")
        self._buttons(False)
        self.fine_tune_button.setVisible(added > 0)

    def _buttons(self, asking: bool) -> None:
        for button in (self.next_button, self.skip_button):
            button.setVisible(asking)
        self.done_button.setText("Done" if asking else "Close")
        self.fine_tune_button.setVisible(False)


class GuidedTeach(QObject):
    """The flow over ``digits`` (default 0-9), ``per_digit`` samples each.

    :param add: ``add(digit) -> bool`` adds the drawing (False: it could not,
        the caller said why)
    :param clear: clears the canvas for the next drawing
    :param prompt: the widget that shows the flow
    :param window: where Enter is a shortcut for Next while the flow runs

    Signals: ``sigActive(bool)`` (started / ended), ``sigFineTune()``.
    """

    sigActive = Signal(bool)
    sigFineTune = Signal()

    def __init__(self, add: Callable[[int], bool], clear: Callable[[], None], prompt: GuidePrompt,
                 window: QWidget, per_digit: int = PER_DIGIT):
        super().__init__(window)
        self._add, self._clear, self.prompt = add, clear, prompt
        self.per_digit = per_digit
        self._plan: list[int] = []
        self._at = 0
        self.added = 0
        self.active = False
        self._keys = [QShortcut(QKeySequence(k), window) for k in ("Return", "Enter")]
        for key in self._keys:
            key.setEnabled(False)
            key.activated.connect(self.next)
        prompt.sigNext.connect(self.next)
        prompt.sigSkip.connect(self.skip)
        prompt.sigDone.connect(self.done)
        prompt.sigFineTune.connect(self._fine_tune)
        prompt.setVisible(False)

    @property
    def digit(self) -> int | None:
        """The digit asked for now, or None."""
        return self._plan[self._at] if self.active and self._at < len(self._plan) else None

    def start(self, digits: tuple[int, ...] = tuple(range(10))) -> None:
        """Ask for ``per_digit`` drawings of each of ``digits``, in order."""
        self._plan = [d for d in digits for _ in range(self.per_digit)]
        self._at, self.added, self.active = 0, 0, True
        self._clear()
        self.prompt.setVisible(True)
        for key in self._keys:
            key.setEnabled(True)
        self._show()
        self.sigActive.emit(True)

    def next(self) -> bool:
        """Add the drawing as the digit asked for and go on; False if it could not be added."""
        digit = self.digit
        if digit is None:
            return False
        if not self._add(digit):
            self._show("Draw the digit on the canvas first (a whole digit, about as tall as the "
                       "square), then Next.")
            return False
        self.added += 1
        self._at += 1
        self._clear()
        self._show()
        return True

    def skip(self) -> None:
        """Go on to the next digit."""
        digit = self.digit
        while self.digit is not None and self.digit == digit:
            self._at += 1
        self._show()

    def done(self) -> None:
        """End the flow (or close the end screen)."""
        if self.active:
            self._finish()
        else:
            self.prompt.setVisible(False)

    def close_offer(self) -> None:
        """Close the end screen (a fine-tune started elsewhere makes its offer
        stale); a flow still asking for drawings goes on."""
        if not self.active:
            self.prompt.setVisible(False)

    def _show(self, note: str = "") -> None:
        digit = self.digit
        if digit is None:
            self._finish()
            return
        k = self._plan[:self._at + 1].count(digit)
        self.prompt.show_step(digit, k, self.per_digit, self.added, len(self._plan), note)

    def _finish(self) -> None:
        self.active = False
        for key in self._keys:
            key.setEnabled(False)
        self.prompt.show_end(self.added)
        self.sigActive.emit(False)

    def _fine_tune(self) -> None:
        self.prompt.setVisible(False)
        self.sigFineTune.emit()

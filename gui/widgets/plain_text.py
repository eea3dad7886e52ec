"""Text is shown as text: the one place where the app's labels, tooltips and
message boxes decide how a string is rendered.

Qt *guesses* whether a string is rich text (``Qt::mightBeRichText``): a layer
name such as ``<img src=/dev/zero>`` in an ordinary ``QLabel`` or tooltip makes
Qt read that file, and ``<img width=20000>`` widens the window to 20,000 px.
Strings from model files, settings, file names and error messages are
therefore never handed to Qt's guess:

- :func:`plain_label` makes every label of the app plain text (the tests
  forbid creating a ``QLabel`` anywhere else);
- :func:`plain_tooltip` escapes a tooltip (tooltips have no plain mode);
- :func:`show_message` shows a message box whose text is plain, unless the
  caller passes ``markup=True`` for the app's own constant HTML (guide, about);
- :func:`plain_title` and :func:`plain_mnemonic` keep window titles and button
  texts literal (``[*]`` and ``&`` mean something there).
"""
from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

#: Most width (pixels) a label insists on; it asks for more, but may get less.
MAX_MINIMUM_WIDTH = 240
#: Longest text a tooltip shows (characters); longer text is cut with an ellipsis.
MAX_TOOLTIP_CHARS = 2000

_ICONS = {"critical": QMessageBox.Icon.Critical, "warning": QMessageBox.Icon.Warning,
          "information": QMessageBox.Icon.Information, "about": QMessageBox.Icon.NoIcon}


class PlainLabel(QLabel):
    """A label whose minimum width is at most :data:`MAX_MINIMUM_WIDTH`: short
    text keeps its whole width, a long file name or layer name (or a word
    that cannot be wrapped) is cut instead of making the window wider."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), MAX_MINIMUM_WIDTH), hint.height())


def plain_label(text: str = "", parent: QWidget | None = None, *, object_name: str = "",
                word_wrap: bool = False) -> QLabel:
    """A ``QLabel`` that shows ``text`` literally (never as markup); see
    :class:`PlainLabel` for its width."""
    label = PlainLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    if object_name:
        label.setObjectName(object_name)
    label.setWordWrap(word_wrap)
    return label


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that Qt shows literally, at most
    :data:`MAX_TOOLTIP_CHARS` characters. Text without ``<`` cannot be taken
    for markup and is returned as it is; otherwise it is escaped and wrapped in
    ``<qt>`` (rich text whose only content is the escaped characters; line
    breaks kept)."""
    text = str(text)
    if len(text) > MAX_TOOLTIP_CHARS:
        text = text[:MAX_TOOLTIP_CHARS - 1] + "\u2026"
    if "<" not in text:
        return text
    escaped = html.escape(text, quote=False).replace("\n", "<br>")
    return f"<qt>{escaped}</qt>"


def plain_title(text: str) -> str:
    """``text`` as a window title shown literally (Qt reads ``[*]`` as the
    "modified" placeholder; ``[*][*]`` shows ``[*]``)."""
    return str(text).replace("[*]", "[*][*]")


def plain_mnemonic(text: str) -> str:
    """``text`` for a button, action or tab, shown literally (a single ``&``
    would underline the next letter and make it a shortcut)."""
    return str(text).replace("&", "&&")


def show_message(parent: QWidget | None, kind: str, title: str, text: str, *,
                 markup: bool = False) -> None:
    """A modal message box (``kind``: critical, warning, information, about).

    ``text`` is shown literally; ``markup=True`` is only for the app's own
    constant HTML (never for text that contains anything from outside)."""
    box = QMessageBox(_ICONS[kind], str(title), "", QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(f"message-{kind}")
    box.setTextFormat(Qt.TextFormat.RichText if markup else Qt.TextFormat.PlainText)
    box.setText(str(text))
    box.exec()

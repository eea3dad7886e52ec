"""Text is shown as text: the helpers, and a scan of gui/ that keeps every
label, tooltip and message box going through them."""
from __future__ import annotations

import ast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui, QTextDocument

from gui.widgets.plain_text import MAX_TOOLTIP_CHARS, plain_label, plain_tooltip, show_message
from tests.support.code_rules import GUI

MARKUP = ["<img src=/dev/zero>", "<img width=20000 height=20000>", "<b>bold</b>",
          "<table width=9000><tr><td>t</td></tr></table>", "<a href='file:///etc/passwd'>x</a>",
          "&lt;not a tag&gt; & <style>*{font-size:400px}</style>", "a\n<h1>second line</h1>"]


@pytest.mark.parametrize("text", MARKUP)
def test_a_label_shows_markup_literally(qtbot, text):
    label = plain_label(text)
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText and label.text() == text
    assert label.sizeHint().width() < 60 * len(text) and label.sizeHint().height() < 200


@pytest.mark.parametrize("text", MARKUP + ["1 < 2", "x" * 5000])
def test_a_tooltip_reads_back_as_the_text_and_holds_no_tag(text):
    tip = plain_tooltip(text)
    document = QTextDocument()
    if QtGui.mightBeRichText(tip):      # as Qt shows a tooltip
        document.setHtml(tip)
    else:
        document.setPlainText(tip)
    shown = document.toPlainText()
    expected = text if len(text) <= MAX_TOOLTIP_CHARS else text[:MAX_TOOLTIP_CHARS - 1] + "\u2026"
    assert shown.replace("\u2028", "\n") == expected
    body = document.toHtml().split("<body", 1)[1]
    for tag in ("<img", "<table", "<a ", "<b>", "<h1", "<style"):
        assert tag not in body


def test_a_tooltip_without_angle_brackets_is_unchanged():
    assert plain_tooltip("Train with these settings (Ctrl+T) & more") == \
        "Train with these settings (Ctrl+T) & more"


@pytest.mark.parametrize("markup", [False, True])
def test_a_message_box_is_plain_unless_the_app_passes_its_own_markup(no_modal_dialogs, markup):
    show_message(None, "critical", "<b>title</b>", "<img src=/dev/zero>", markup=markup)
    assert no_modal_dialogs == [("critical", "<b>title</b>", "<img src=/dev/zero>")]
    expected = Qt.TextFormat.RichText if markup else Qt.TextFormat.PlainText
    assert no_modal_dialogs.formats == [expected]


# ------------------------------------------------------------------ the rules, over gui/
def _calls(name_test):
    """``(file, line, call)`` for every call in gui/ whose callee name passes ``name_test``."""
    for path in sorted(GUI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                owner = func.value.id if isinstance(func, ast.Attribute) and \
                    isinstance(func.value, ast.Name) else ""
                if name_test(name, owner):
                    yield path.relative_to(GUI.parent).as_posix(), node.lineno, node


HELPERS = "gui/widgets/plain_text.py"


def test_labels_and_message_boxes_are_made_only_by_the_plain_text_helpers():
    found = [f"{f}:{line}" for f, line, _ in _calls(
        lambda name, owner: name in ("QLabel", "QMessageBox", "setTextFormat")
        or owner == "QMessageBox" and name in ("critical", "warning", "information", "question",
                                               "about")) if f != HELPERS]
    assert found == []


def _safe_text(node: ast.AST) -> bool:
    """A string literal, an ALL_CAPS constant, or text passed through plain_tooltip()."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.Name) and node.id.isupper():
        return True
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "plain_tooltip"


def test_every_tooltip_is_a_literal_or_escaped():
    found = []
    for f, line, call in _calls(lambda name, owner: name in ("setToolTip", "setTabToolTip")):
        if not _safe_text(call.args[-1]):
            found.append(f"{f}:{line}: {ast.unparse(call)}")
    for f, line, call in _calls(lambda name, owner: name == "setItemData"):
        if any(isinstance(a, ast.Attribute) and a.attr == "ToolTipRole" for a in call.args) \
                and not _safe_text(call.args[1]):
            found.append(f"{f}:{line}: {ast.unparse(call)}")
    assert found == []


def test_every_window_title_is_a_literal_or_escaped():
    found = [f"{f}:{line}: {ast.unparse(call)}" for f, line, call in
             _calls(lambda name, owner: name == "setWindowTitle")
             if not (isinstance(call.args[0], ast.Constant)
                     or getattr(call.args[0].func, "id", "") == "plain_title")]
    assert found == []


def test_no_graphics_text_is_set_from_a_variable():
    """pyqtgraph titles, axis labels and HTML text items render markup: they take
    literals or the app's own markup builders (a call), never a bare variable."""
    found = []
    for f, line, call in _calls(lambda name, owner: name in ("setHtml", "setTitle", "setLabel",
                                                             "LabelItem")):
        text_args = [a for a in call.args if not isinstance(a, ast.Constant)
                     or isinstance(a.value, str)]
        if any(not isinstance(a, (ast.Constant, ast.Call)) for a in text_args):
            found.append(f"{f}:{line}: {ast.unparse(call)}")
    assert found == []

"""Every command comes from one table: the menus, the toolbar, the shortcuts,
the quick guide's key list and the README's key table cannot disagree."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QKeySequence

from gui.window.actions import ACTIONS, key_rows, key_table_markdown
from gui.window.guide import quick_guide_html

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_action_is_built_with_its_shortcuts_tip_and_menu(window):
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["Model", "Draw", "View", "Help"]
    for spec in ACTIONS:
        action = getattr(window, f"{spec.key}_action")
        assert [s.toString() for s in action.shortcuts()] == \
            [QKeySequence(s).toString() for s in spec.shortcuts]
        assert action.toolTip().startswith(spec.tip) and action.isCheckable() == spec.checkable
        top, _, sub = spec.menu.partition("/")
        menu = menus[top]
        if sub:
            menu = next(a.menu() for a in menu.actions() if a.menu() is not None)
        assert action in menu.actions(), spec.key
        if spec.toolbar:
            assert action in window.toolbar.actions() and action.iconText() == spec.toolbar


def test_the_quick_guide_lists_every_key_of_the_table():
    guide = quick_guide_html()
    for keys, text in key_rows():
        assert f"<td>{keys}</td><td>{text}</td>" in guide.replace("&amp;", "&")
    assert "Ctrl+0 … Ctrl+9" in guide


def test_the_readme_key_table_is_the_generated_one():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- keys -->\n(.*?)\n<!-- /keys -->", text, re.S)
    assert match, "README.md needs the key table between <!-- keys --> markers"
    assert match.group(1).strip() == key_table_markdown()


def test_shortcuts_are_unique():
    seen = [QKeySequence(s).toString() for spec in ACTIONS for s in spec.shortcuts]
    assert len(seen) == len(set(seen))


def test_no_two_items_of_a_menu_share_an_alt_letter(window):
    """Alt+letter picks one item: the Model menu's "Export to ONNX…" and its
    "Teach: my drawing is" submenu both used E."""
    def letter(text: str) -> str | None:
        at = text.replace("&&", "").find("&")
        return text.replace("&&", "")[at + 1].lower() if at >= 0 else None

    menus = [action.menu() for action in window.menuBar().actions()]
    while menus:
        menu = menus.pop()
        items = [a for a in menu.actions() if not a.isSeparator()]
        letters = [letter(a.text()) for a in items if letter(a.text())]
        assert len(letters) == len(set(letters)), (menu.title(), [a.text() for a in items])
        menus += [a.menu() for a in items if a.menu() is not None]
    subs = [a for top in window.menuBar().actions() for a in top.menu().actions()
            if a.menu() is not None]
    teach = next(a for a in subs if "Teach" in a.text().replace("&", ""))
    assert letter(teach.text()) not in ("e", "t")


def test_about_names_the_version_and_the_licence(window, no_modal_dialogs):
    from importlib import metadata
    window.about_action.trigger()                   # Help ▸ About
    (kind, title, text), = no_modal_dialogs
    assert kind == "about" and title == "About CNN Playground"
    assert metadata.version("cnn-playground") in text and "MIT" in text and "F1" in text


def test_tooltips_with_keys_read_as_one_sentence(window):
    """The keys go in brackets after the tip: a tip of its own in brackets
    would stack two ("… (undo brings it back) (Esc, Del)")."""
    for spec in ACTIONS:
        tip = getattr(window, f"{spec.key}_action").toolTip()
        assert ") (" not in tip, tip

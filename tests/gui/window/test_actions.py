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

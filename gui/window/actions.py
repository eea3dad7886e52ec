"""Every command of the window in one table: menus, toolbar, tooltips and the
key list of the quick guide are all generated from :data:`ACTIONS`, so a
shortcut cannot say one thing in a menu and another in the help (the
README's key table is checked against :func:`key_table_markdown` by a test).

The window supplies what each action does (a slot per key); this module only
describes and builds. The "Why?" overlay's actions (:data:`WHY_KEYS`) are
*external*: the part that owns the overlay connects them
(:mod:`gui.window.saliency_wiring`), not the window's slot table; so are the
handwriting actions (``personal``, ``guided``, ``fine_tune``, ``teach0`` ...
``teach9``; :mod:`gui.window.personal_wiring`) and the ONNX export
(``export_onnx``; :mod:`gui.window.onnx_wiring`).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from engine.explain import METHOD_INFO, METHODS

from ..widgets.plain_text import plain_mnemonic, plain_tooltip

MENUS = ("Model", "Draw", "View", "Help")


@dataclass(frozen=True)
class ActionSpec:
    """One command.

    :ivar key: name of the window attribute (``<key>_action``) and of its slot
    :ivar menu: ``"Draw"`` or a submenu ``"Draw/Examples"``; empty: no menu
    :ivar toolbar: short text on the toolbar, or None (not on it)
    :ivar keys: what the key list says it does (None: not listed)
    :ivar separated: a separator goes before it in its menu
    :ivar external: connected by the part that owns it, not through ``slots``
    """
    key: str
    text: str
    shortcuts: tuple[str, ...] = ()
    tip: str = ""
    menu: str = ""
    toolbar: str | None = None
    checkable: bool = False
    keys: str | None = None
    separated: bool = False
    external: bool = False


def _examples() -> tuple[ActionSpec, ...]:
    return tuple(ActionSpec(f"example{d}", f"Example &{d}", (f"Ctrl+{d}",),
                            f"Draw the built-in example of the digit {d}", "Draw/Examples",
                            keys="draw an example digit") for d in range(10))


def _teach() -> tuple[ActionSpec, ...]:
    """Shift+0 ... Shift+9: the drawing goes into the person's handwriting
    samples as that digit (connected by :mod:`gui.window.personal_wiring`)."""
    return tuple(ActionSpec(f"teach{d}", f"It's {'an' if d == 8 else 'a'} &{d}", (f"Shift+{d}",),
                            f"Add the drawing to your handwriting samples as "
                            f"{'an' if d == 8 else 'a'} {d}", "Model/Teach: my drawing is",
                            keys="add the drawing to my handwriting as that digit",
                            external=True) for d in range(10))


def _why_methods() -> tuple[ActionSpec, ...]:
    """One radio item per saliency method (View menu), labelled and explained
    as :data:`engine.explain.METHOD_INFO` says."""
    return tuple(ActionSpec(f"why_{m}", plain_mnemonic(METHOD_INFO[m].label), (),
                            f"Why? overlay by {METHOD_INFO[m].label}: {METHOD_INFO[m].summary}",
                            "View", checkable=True, external=True) for m in METHODS)


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", "&Open model…", ("Ctrl+O",), "Load a model file saved by this app",
               "Model", "Open…", keys="open a model file"),
    ActionSpec("save", "&Save model as…", ("Ctrl+S",), "Save the current model to a file",
               "Model", "Save…", keys="save the current model"),
    ActionSpec("reset", "&Reset to bundled model", ("Ctrl+R",),
               "Go back to the pretrained model shipped with the app", "Model", "Reset",
               keys="go back to the bundled model"),
    ActionSpec("export_onnx", "&Export to ONNX…", (),
               "Save the shown model as an ONNX file that other tools (ONNX Runtime, Netron, "
               "PyTorch) can read", "Model", external=True),
    ActionSpec("personal", "My &handwriting", ("Ctrl+Shift+H",),
               "Show your handwriting samples: the gallery per digit, import, export and "
               "fine-tuning", "Model", keys="show my handwriting samples", separated=True,
               external=True),
    ActionSpec("guided", "&Teach me 5 of each digit…", (),
               "A prompt asks for each digit in turn; your drawings become samples of your "
               "handwriting", "Model", external=True),
    ActionSpec("fine_tune", "&Fine-tune on my handwriting", (),
               "Train a copy of the model a little on your samples (in the background), then "
               "keep it or go back", "Model", external=True),
    *_teach(),
    ActionSpec("screenshot", "Save window &picture…", ("Ctrl+Shift+P",),
               "Save a PNG picture of this window", "Model", keys="save a picture of the window",
               separated=True),
    ActionSpec("quit", "&Quit", ("Ctrl+Q",), "Close the playground", "Model", keys="quit",
               separated=True),
    ActionSpec("undo", "&Undo", ("Ctrl+Z",), "Undo the last stroke", "Draw", "Undo",
               keys="undo a stroke"),
    ActionSpec("redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo the stroke you undid", "Draw",
               "Redo", keys="redo a stroke"),
    ActionSpec("clear", "&Clear", ("Esc", "Delete"), "Clear the canvas; undo brings it back",
               "Draw", "Clear", keys="clear the canvas"),
    ActionSpec("pen", "&Pen", ("P",), "Draw white ink", "Draw", "Pen", checkable=True,
               keys="pen", separated=True),
    ActionSpec("eraser", "&Eraser", ("E",),
               "Erase with the left button; the right button always erases", "Draw", "Eraser",
               checkable=True, keys="eraser on/off"),
    ActionSpec("thinner", "&Thinner brush", ("[",), "Make the brush thinner", "Draw",
               keys="thinner brush"),
    ActionSpec("thicker", "T&hicker brush", ("]",), "Make the brush thicker", "Draw",
               keys="thicker brush"),
    ActionSpec("random_digit", "Random test &digit", ("D",),
               "Put a random MNIST test digit on the canvas, read by the network exactly as it "
               "is; the status bar says which one and its true label", "Draw",
               keys="random MNIST test digit", separated=True),
    *_examples(),
    ActionSpec("next_tab", "Ne&xt tab", ("Ctrl+PgDown",),
               "Show the tab to the right of this one; after the last comes the first", "View",
               keys="next tab"),
    ActionSpec("previous_tab", "Pre&vious tab", ("Ctrl+PgUp",),
               "Show the tab to the left of this one; before the first comes the last", "View",
               keys="previous tab"),
    ActionSpec("dark", "&Dark theme", ("Ctrl+T",), "Switch between light and dark colours",
               "View", "Dark", checkable=True, keys="light / dark theme", separated=True),
    ActionSpec("normalise", "&Normalise each feature map", ("N",),
               "Scale every feature map to its own maximum, so faint maps show their pattern too",
               "View", "Normalise maps", checkable=True, keys="normalise each feature map"),
    ActionSpec("why", "&Why? overlay", ("W",),
               "Colour the canvas and the network input by how much each pixel matters to the "
               "answer (red / blue or warm colours); the method is chosen below or on the toolbar",
               "View", checkable=True, keys="Why? overlay on/off", separated=True, external=True),
    *_why_methods(),
    ActionSpec("plain_framing", "Plain resize (no MNIST centring)", ("Ctrl+Shift+F",),
               "Feed the network the whole square plainly shrunk to 28×28 instead of cropping, "
               "scaling and centring the digit like MNIST", "View", checkable=True,
               keys="plain resize instead of MNIST centring", separated=True),
    ActionSpec("help", "&Quick guide", ("F1",), "Show or hide the guide to every tab", "Help",
               keys="quick guide"),
    ActionSpec("about", "&About", (), "About CNN Playground", "Help"),
)

#: The "Why?" overlay's actions: on/off, then one per method of :data:`engine.explain.METHODS`.
WHY_KEYS = ("why",) + tuple(f"why_{m}" for m in METHODS)

#: Where the toolbar puts its actions: left group, then (after a spacer) right group.
TOOLBAR_LEFT = (("pen", "eraser"), ("undo", "redo", "clear"))
TOOLBAR_RIGHT = (("open", "save", "reset"), ("normalise", "dark"))


def native(shortcut: str) -> str:
    """A shortcut as this platform writes it (``Ctrl+Z``, ``⌘Z`` on macOS)."""
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def portable(shortcut: str) -> str:
    """A shortcut as Qt writes it everywhere (``Ctrl+Z``; for documents)."""
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.PortableText)


def build_actions(owner: QWidget, slots: dict[str, Callable]) -> dict[str, QAction]:
    """One ``QAction`` per spec, shortcuts active in the whole window,
    triggering ``slots[spec.key]`` (external ones are left to their owner);
    the method items of the "Why?" overlay are radio items. Returns ``{key: action}``."""
    actions = {}
    for spec in ACTIONS:
        action = QAction(spec.text, owner)
        if spec.shortcuts:
            action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        keys = ", ".join(native(s) for s in spec.shortcuts)
        action.setToolTip(plain_tooltip(f"{spec.tip} ({keys})" if keys else spec.tip))
        action.setStatusTip(spec.tip)
        if spec.toolbar:
            action.setIconText(spec.toolbar)  # the toolbar shows the short text, menus the long one
        action.setCheckable(spec.checkable)
        if not spec.external:
            action.triggered.connect(slots[spec.key])
        owner.addAction(action)
        actions[spec.key] = action
    tools = QActionGroup(owner)
    tools.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
    tools.addAction(actions["pen"])
    tools.addAction(actions["eraser"])
    methods = QActionGroup(owner)        # exclusive: one method is chosen
    for key in WHY_KEYS[1:]:
        methods.addAction(actions[key])
    return actions


def _mnemonics(menu: str) -> set[str]:
    """The Alt letters the items of ``menu`` (not its submenus') use."""
    return {spec.text[spec.text.index("&") + 1].lower() for spec in ACTIONS
            if spec.menu == menu and "&" in spec.text[:-1]}


def with_free_mnemonic(text: str, used: set[str]) -> str:
    """``text`` with ``&`` before its first letter no sibling item uses (else
    before its first letter), so no two items of a menu share an Alt key."""
    letters = [i for i, ch in enumerate(text) if ch.isalnum()]
    free = next((i for i in letters if text[i].lower() not in used), letters[0] if letters else 0)
    return f"{text[:free]}&{text[free:]}"


def build_menus(bar: QMenuBar, actions: dict[str, QAction]) -> dict[str, QMenu]:
    """The menu bar from the specs' ``menu`` fields (``"Draw/Examples"`` is a
    submenu, after a separator); returns ``{menu path: menu}``."""
    menus: dict[str, QMenu] = {}
    for spec in ACTIONS:
        if not spec.menu:
            continue
        top, _, sub = spec.menu.partition("/")
        if top not in menus:
            menus[top] = bar.addMenu(f"&{top}")
        if sub and spec.menu not in menus:
            menus[top].addSeparator()
            menus[spec.menu] = menus[top].addMenu(with_free_mnemonic(sub, _mnemonics(top)))
        menu = menus[spec.menu]
        if spec.separated:
            menu.addSeparator()
        menu.addAction(actions[spec.key])
    for menu in menus.values():
        menu.setToolTipsVisible(True)
    return menus


def key_rows(write: Callable[[str], str] = native) -> list[tuple[str, str]]:
    """``(keys, what they do)`` for the key list, keys written by ``write``
    (:func:`native` or :func:`portable`); actions that do the same (the
    examples) are merged into one row, ``Ctrl+0 … Ctrl+9``."""
    rows: list[tuple[list[str], str]] = []
    for spec in ACTIONS:
        if spec.keys is None or not spec.shortcuts:
            continue
        keys = ", ".join(write(s) for s in spec.shortcuts)
        if rows and rows[-1][1] == spec.keys:
            rows[-1][0].append(keys)
        else:
            rows.append(([keys], spec.keys))
    return [(keys[0] if len(keys) == 1 else f"{keys[0]} … {keys[-1]}", text)
            for keys, text in rows]


def key_table_html() -> str:
    """The key list as an HTML table (for the quick guide)."""
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(t)}</td></tr>"
                    for k, t in key_rows())
    return f"<table>{cells}</table>"


def key_table_markdown() -> str:
    """The key list as the README's Markdown table."""
    lines = ["| keys | action |", "|---|---|"]
    lines += [f"| {k} | {t} |" for k, t in key_rows(portable)]
    return "\n".join(lines)

"""The banner across the top of the window: a startup problem (a missing or
broken model, unreadable settings), said once in plain text; hidden once
the user opens a model."""
from __future__ import annotations

from ..widgets.plain_text import plain_label


def make_banner():
    """A hidden, word-wrapping plain-text label named ``banner`` (styled by the theme)."""
    banner = plain_label(object_name="banner", word_wrap=True)
    banner.setVisible(False)
    return banner


def show_banner(banner, text: str) -> None:
    """Show ``text`` (plain) in ``banner``."""
    banner.setText(text)
    banner.setVisible(True)

"""Text from outside (file names, metadata, layer names) made safe to show on
one line: non-printable characters (line breaks, tabs, direction overrides,
escapes) are replaced and long text is shortened in the middle.

This is about *characters*; whether a string is read as markup is decided by
the GUI, which shows all such text as plain text.
"""
from __future__ import annotations

REPLACEMENT = "\ufffd"
ELLIPSIS = "\u2026"


def printable(value: object, limit: int = 200) -> str:
    """``str(value)`` with every non-printable character replaced by U+FFFD and,
    beyond ``limit`` characters, its middle replaced by an ellipsis (the start
    and the end, e.g. a file's extension, stay visible)."""
    text = "".join(c if c.isprintable() else REPLACEMENT for c in str(value))
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2 + (limit - 1) % 2
    return text[:head] + ELLIPSIS + text[len(text) - (limit - 1 - head):]

"""Connects the morph explanation parts to the window (placeholder, filled in next)."""
from __future__ import annotations


def connect_morph(window) -> None:
    """Wire the parts to ``window``'s public views; returns the owner object."""
    return None

"""Shared building blocks: titled panels, image views, bars, text lines,
tiling, themes, spread-out updates, file dialogs."""

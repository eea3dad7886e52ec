"""The "Why?" lab's window parts: the saliency overlay, "make it a ..."
morphs, and what a unit wants. All maths comes from :mod:`engine.explain`;
everything slower than a frame runs off the GUI thread."""

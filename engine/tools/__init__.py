"""Offline experiments on the engine, each a module with a command line:
``python -m engine.tools.<name> --help``.

* :mod:`engine.tools.stroke_replay` - MNIST test digits re-drawn as round-pen
  strokes, the way the app's canvas draws them, and classified: how accuracy
  depends on digit size, pen width, slant and canvas size.
"""

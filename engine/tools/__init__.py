"""Offline experiments on the engine, each a module with a command line:
``python -m engine.tools.<name> --help``.

* :mod:`engine.tools.stroke_replay` - MNIST test digits re-drawn as round-pen
  strokes, the way the app's canvas draws them, and classified: how accuracy
  depends on digit size, pen width, slant and canvas size.
* :mod:`engine.tools.style_check` - digits in styles MNIST lacks (slashed 0,
  flagged 1, looped 2, open 4, crossed 7, straight-tailed 9) drawn from MNIST
  test strokes by held-out synthetic writers: per-style accuracy of models.
* :mod:`engine.tools.contact_sheet` - pictures of many digits at once.
"""

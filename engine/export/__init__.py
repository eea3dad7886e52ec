"""Exports of a model for use elsewhere.

:func:`engine.export.onnx_export.export_onnx` writes an ONNX file (the ``onnx``
package is an optional extra, ``pip install "cnn-playground[onnx]"``; it is
imported only when an export runs, never to run the app or the tests).
"""
from __future__ import annotations

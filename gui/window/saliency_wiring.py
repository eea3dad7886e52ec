"""Connects the "Why?" saliency overlay to the window: every prediction goes
to the :class:`~gui.explain.saliency_overlay.SaliencyOverlay`, its maps are
drawn on the canvas (over the part the network input covers) and on the
network-input view, a failure is said in the status bar, and the View menu's
actions (W and the method radio items, mirrored by the toolbar's box) choose
the method. Only the window's public parts are used."""
from __future__ import annotations

from functools import partial

from PySide6.QtGui import QAction

from engine.explain import METHODS

from ..drawing.canvas import DrawingCanvas
from ..explain.saliency_overlay import SaliencyMap, SaliencyOverlay
from ..inspect.input_view import InputView

FAILURE_MS = 8000
"""How long the status bar says why the overlay could not be computed."""


def show_map(canvas: DrawingCanvas, network_input: InputView, smap: SaliencyMap | None) -> None:
    """Draw ``smap`` (or nothing) on the network input and, where its result
    lies on the canvas (a preview does not), on the canvas."""
    frame = None if smap is None else smap.result.frame_map
    if frame is None:
        canvas.set_overlay(None, None)
    else:
        h, w = smap.rgba.shape[:2]
        canvas.set_overlay(smap.rgba, frame.canvas_rect(0.0, 0.0, float(h), float(w)))
    network_input.set_overlay(None if smap is None else smap.rgba,
                              None if smap is None else smap.method)


def show_method(on: QAction, methods: dict[str, QAction], overlay: SaliencyOverlay,
                method: str | None = None) -> None:
    """Check the actions as the overlay is: on/off, and its (chosen) method."""
    on.setChecked(overlay.method is not None)
    methods[overlay.chosen].setChecked(True)


def connect_saliency(window) -> SaliencyOverlay:
    """Wire a new overlay to ``window``'s controller, canvas, network input,
    status bar and ``why*`` actions; returns the overlay (it owns the state)."""
    overlay = SaliencyOverlay(window, drawing=window.canvas.is_drawing)
    on: QAction = window.why_action
    methods = {m: getattr(window, f"why_{m}_action") for m in METHODS}
    window.controller.sigPredictionUpdated.connect(overlay.show_result)
    overlay.sigMapChanged.connect(partial(show_map, window.canvas, window.input_view))
    overlay.sigFailed.connect(lambda text: window.statusBar().showMessage(text, FAILURE_MS))
    overlay.sigMethodChanged.connect(partial(show_method, on, methods, overlay))
    on.triggered.connect(overlay.set_on)
    for method, action in methods.items():
        action.triggered.connect(partial(lambda m, _checked=False: overlay.set_method(m), method))
    show_method(on, methods, overlay)
    overlay.show_result(window.controller.last_result)   # what switching on explains first
    return overlay

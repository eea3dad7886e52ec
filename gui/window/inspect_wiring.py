"""Connects the inspector's explanations to the window: what the selected map
or unit wants (:class:`gui.explain.unit_wants.UnitWants`, off the GUI thread,
cached per model) and the receptive field of the map position under the
cursor, outlined on the network input and on the canvas."""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from ..explain.unit_wants import UnitWants, no_wants_reason

REFRESH_MS = 1000
"""After the weights changed in place (training), the shown picture is
recomputed at most this often (and only while the Activations tab is shown)."""


class InspectLink(QObject):
    """Owns the window's :class:`UnitWants` (``wants``) and keeps it in step with
    the selection, the shown model and its weights."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self.wants = UnitWants(parent=self)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._refresh_now)
        inspector = window.activations_view.inspector
        self.wants.sigStarted.connect(inspector.wants_started)
        self.wants.sigProgress.connect(inspector.wants_progress)
        self.wants.sigReady.connect(inspector.wants_ready)
        self.wants.sigFailed.connect(inspector.wants_failed)
        window.activations_view.sigUnitSelected.connect(self.request)
        window.activations_view.sigReceptiveField.connect(self.show_field)
        window.state.sigModelChanged.connect(self._model_changed)
        window.state.sigWeightsChanged.connect(self._weights_changed)
        window.tabs.currentChanged.connect(lambda _i: self._refresh_soon())

    def request(self, layer: str, index: int) -> None:
        """Ask for what unit ``index`` of ``layer`` of the shown model wants."""
        model = self._window.state.shown_model
        if no_wants_reason(model, layer) is None:
            self.wants.request(model, layer, index)

    def show_field(self, rect) -> None:
        """Outline input pixels ``rect = (top, left, bottom, right)`` on the
        network input and the canvas (None: remove the outlines)."""
        window = self._window
        window.input_view.set_highlight(rect)
        result = window.controller.last_result
        frame = getattr(result, "frame_map", None) if result is not None else None
        window.canvas.set_highlight(None if rect is None or frame is None
                                    else frame.canvas_rect(*rect))

    def _model_changed(self, model) -> None:
        self.wants.forget(keep=model)     # the old model's pictures are no longer wanted

    def _weights_changed(self) -> None:
        self.wants.invalidate(self._window.state.shown_model)
        self._refresh_soon()

    def _refresh_soon(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    def _refresh_now(self) -> None:
        window = self._window
        selection = window.activations_view.inspector.selection
        if selection is None or window.tabs.currentWidget() is not window.activations_view:
            return
        if self.wants.cached(window.state.shown_model, *selection) is None:
            self.request(*selection)


def connect_inspect(window) -> InspectLink:
    """Wire the inspector's explanations to ``window``'s public views; returns their owner."""
    return InspectLink(window)

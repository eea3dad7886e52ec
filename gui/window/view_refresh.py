"""How predictions and weight changes reach the views without stalling the
window.

* A new prediction (the drawing changed) updates every shown view at once.
* Changed weights (~5 times a second while training) re-run the model now,
  and the views follow one per event-loop turn (:mod:`gui.widgets.spread`):
  at once it would stall the event loop for 20-30 ms while training threads
  compete for the cores. A drawing during such a refresh wins over it.
* Hidden tabs are not redrawn: the Activations tab catches up with the last
  result, and the Kernels tab re-reads the weights, when they are shown.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QTabWidget, QWidget

from engine import Model

from ..inspect.activations_view import ActivationsView
from ..inspect.input_view import InputView
from ..inspect.kernel_view import KernelView
from ..inspect.prediction_view import PredictionView
from ..state.prediction import PredictionController, PredictionResult
from ..widgets.spread import SpreadUpdate
from .status_bar import PlaygroundStatusBar


class ViewRefresher(QObject):
    """Feeds the views of one window; ``sigPanelsUpdated(result)`` when every
    shown view holds ``result``.

    :param visible: tells whether the window is on screen (hidden windows
        update at once: nothing is painted anyway)
    """

    sigPanelsUpdated = Signal(object)

    def __init__(self, controller: PredictionController, tabs: QTabWidget,
                 prediction: PredictionView, network_input: InputView,
                 activations: ActivationsView, kernels: KernelView,
                 status: PlaygroundStatusBar, visible: Callable[[], bool],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.controller, self.tabs, self.status, self._visible = controller, tabs, status, visible
        self.prediction, self.network_input = prediction, network_input
        self.activations, self.kernels = activations, kernels
        self._spread = SpreadUpdate(self)
        self._activations_stale = False
        self._kernels_stale = False
        self._live = False   # True while re-running on changed weights
        controller.sigPredictionUpdated.connect(self.show_result)
        tabs.currentChanged.connect(self._tab_changed)

    @property
    def pending(self) -> bool:
        """True while a weight refresh still spreads its steps over event-loop turns."""
        return self._spread.busy

    def model_changed(self, model: Model) -> None:
        """Rebuild the views for ``model``'s architecture and predict again."""
        self._spread.cancel()  # its steps refer to the old model's panels
        self.prediction.set_num_classes(model.num_classes)
        self.activations.set_model(model)
        self.kernels.set_model(model)
        self.controller.forget()
        self.controller.update_now()

    def weights_changed(self) -> None:
        """The shown model's weights changed in place: predict now, redraw gradually."""
        self._kernels_stale = True
        self._live = True
        try:
            self.controller.update_now()
        finally:
            self._live = False
        self._spread.append(self._refresh_weight_views)

    def show_result(self, result: PredictionResult) -> None:
        shown = self._shown(self.activations)
        self._activations_stale = not shown
        steps = [partial(self.prediction.set_result, result),
                 partial(self.network_input.set_result, result)]
        if shown:
            steps += self.activations.update_steps(result)
        steps += [partial(self.status.show_timing, result),
                  partial(self.sigPanelsUpdated.emit, result)]
        if self._live and self._visible():
            self._spread.start(steps)  # replaces the rest of an older refresh
        else:
            self._spread.cancel()
            for step in steps:
                step()

    def _shown(self, tab: QWidget) -> bool:
        return self.tabs.currentWidget() is tab or not self._visible()

    def _refresh_weight_views(self) -> None:
        """Re-read the weights into the Kernels tab (if they changed) and the
        inspector's kernel (one small tile), whichever is shown."""
        if self._kernels_stale and self._shown(self.kernels):
            self._kernels_stale = False
            self.kernels.refresh()
        if self._shown(self.activations):
            self.activations.inspector.refresh_kernel()

    def _tab_changed(self, _index: int) -> None:
        self._refresh_weight_views()
        if self.tabs.currentWidget() is self.activations and self._activations_stale:
            self.activations.set_result(self.controller.last_result)
            self._activations_stale = False

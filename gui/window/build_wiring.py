"""Build your own network, in the window: the "Build" tab holds the
architecture editor (:class:`~gui.build.editor.ArchitectureEditor`), which
starts from the open model's network; its estimates use the Training tab's
batch size, and "Train it" starts a run of the edited architecture with the
Training tab's settings (fresh weights), then shows the Training tab. The
trained model carries the edited architecture as its config, so saving it
keeps it.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from ..build.editor import ArchitectureEditor

TITLE = "Build"
TAB_TIP = ("Build your own network: add, remove and reorder layers, see every layer's shape "
           "and cost, and train it.")
MESSAGE_MS = 8000


class BuildLab(QObject):
    """Owns the "Build" tab of one window (``editor`` is public for tests)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self._window = window
        self._panel = panel = window.training_panel
        self._status = window.statusBar()
        state = window.state
        self.editor = ArchitectureEditor(batch_size=self._batch_size,
                                         open_model_config=lambda: state.current_model.config())
        self._index = window.add_tab(self.editor, TITLE, TAB_TIP)
        self.editor.sigTrain.connect(self.train)
        panel.settings.sigChanged.connect(self.editor.refresh)
        panel.run.sigStateChanged.connect(self._run_state_changed)
        self._run_state_changed()

    def train(self, architecture: dict) -> bool:
        """Start a run of ``architecture`` with the Training tab's settings and
        show the Training tab (which says why, if it could not start)."""
        started = self._panel.start_training(architecture)
        self._window.tabs.setCurrentWidget(self._panel)
        if started:
            self._status.showMessage("Training the network you built (fresh weights).", MESSAGE_MS)
        return started

    def _batch_size(self) -> int:
        return self._panel.settings.config().batch_size

    def _run_state_changed(self, _state=None) -> None:
        self.editor.set_training(self._panel.is_training())


def connect_build(window) -> BuildLab:
    """Add the "Build" tab to ``window`` (a :class:`~gui.window.main_window.MainWindow`)."""
    return BuildLab(window)

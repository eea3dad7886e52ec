"""Model ▸ Open / Save / Reset: the application's model to and from files,
with the file dialogs, the error messages and the status-bar note."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import engine

from ..state.app_state import AppState
from ..state.model_info import file_label, model_label, suggested_file_name
from ..state.settings import AppSettings
from ..state.startup import LOAD_ERRORS, load_usable_model
from ..widgets.file_dialogs import ask_open_path, ask_save_path


class ModelFiles:
    """Opens and saves the application state's model.

    :param parent: the dialogs' parent widget
    :param opened: makes a loaded model the application's (the window's ``set_model``)
    :param report_error: ``(title, message)`` shown to the user
    :param note: a short status-bar note ``(text, milliseconds)``
    """

    def __init__(self, parent, state: AppState, settings: AppSettings, opened: Callable,
                 report_error: Callable[[str, str], None], note: Callable[[str, int], None]):
        self._parent, self._state, self._settings = parent, state, settings
        self._opened, self._error, self._note = opened, report_error, note

    def open(self, path=None, announce: str | None = None) -> bool:
        """Load a model file (asks with a dialog when ``path`` is None). On
        failure shows an error and keeps the current model. Returns success;
        ``announce`` replaces the status bar's "Opened <file>"."""
        path = path if path is not None else ask_open_path(self._parent, "Open model",
                                                            self._settings.last_folder())
        if not path:
            return False
        try:
            model = load_usable_model(path)
        except LOAD_ERRORS as exc:
            self._error("Could not open the model",      # plain words first, the reason last
                        f"{file_label(path)} could not be opened as a model. The current model "
                        f"({model_label(self._state.shown_model)}) stays loaded.\n\n"
                        f"Details: {exc}")
            return False
        self._settings.set_last_folder(str(Path(path).resolve().parent))
        self._opened(model)
        self._note(announce or f"Opened {file_label(path)}", 6000)
        return True

    def save(self, path=None) -> bool:
        """Save the shown model (asks with a dialog, proposing a descriptive
        name, when ``path`` is None)."""
        model = self._state.shown_model
        path = path if path is not None else ask_save_path(
            self._parent, "Save model", self._settings.last_folder(), suggested_file_name(model))
        if not path:
            return False
        try:
            model.save(path)
        except (OSError, ValueError) as exc:
            self._error("Could not save the model", f"Saving to {path} failed:\n\n{exc}")
            return False
        self._state.metadata_changed(model)    # its name is the file's now
        self._settings.set_last_folder(str(Path(path).resolve().parent))
        self._note(f"Saved {file_label(path)}", 4000)
        return True

    def reset(self) -> bool:
        """Go back to the bundled pretrained model (the status bar says so)."""
        return self.open(engine.bundled_model_path(), announce="Back to the bundled pretrained model")

"""Model > Save window picture… (Ctrl+Shift+P): a PNG of the whole window."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QWidget

from ..state.settings import AppSettings
from ..widgets.file_dialogs import PICTURE_FILTER, ask_save_path


def save_window_picture(window: QWidget, settings: AppSettings,
                        show_error: Callable[[str, str], None]) -> None:
    """Ask where (starting in the last folder used) and save a picture of
    ``window`` there; a failed write is reported through ``show_error``."""
    path = ask_save_path(window, "Save window picture", settings.last_folder(),
                         "playground.png", PICTURE_FILTER)
    if path and not window.grab().save(path):
        show_error("Could not save the picture", f"Writing {path} failed.")

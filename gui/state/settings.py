"""Persistent user preferences (window geometry, theme, brush width, folders).

Backed by :class:`QSettings`. Where they live:

* ``AppSettings(path)`` – an INI file at ``path`` (tests, portable installs);
* else ``$CNN_PLAYGROUND_SETTINGS`` if set – an INI file there;
* else the platform's native user settings store for "cnn-playground".
"""
from __future__ import annotations

import os

from PySide6.QtCore import QByteArray, QSettings

ENV_VAR = "CNN_PLAYGROUND_SETTINGS"
ORGANISATION = "cnn-playground"
APPLICATION = "cnn-playground"


class AppSettings:
    """Typed accessors over one :class:`QSettings` store."""

    def __init__(self, path: str | os.PathLike | None = None):
        path = path if path is not None else os.environ.get(ENV_VAR) or None
        if path is not None:
            self.qsettings = QSettings(os.fspath(path), QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                                       ORGANISATION, APPLICATION)

    # ------------------------------------------------------------ raw access
    def value(self, key: str, default=None, type_=None):
        if type_ is None:
            return self.qsettings.value(key, default)
        try:
            return self.qsettings.value(key, default, type=type_)
        except (TypeError, ValueError):  # a hand-edited or corrupt value
            return default

    def set_value(self, key: str, value) -> None:
        self.qsettings.setValue(key, value)

    def sync(self) -> None:
        self.qsettings.sync()

    # ---------------------------------------------------------------- typed
    def geometry(self) -> QByteArray | None:
        value = self.qsettings.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, data: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", data)

    def splitter_state(self) -> QByteArray | None:
        value = self.qsettings.value("window/splitter")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_splitter_state(self, data: QByteArray) -> None:
        self.qsettings.setValue("window/splitter", data)

    def theme(self, default: str = "light") -> str:
        value = self.value("view/theme", default, str)
        return value if value in ("light", "dark") else default

    def set_theme(self, name: str) -> None:
        self.qsettings.setValue("view/theme", name)

    def brush_width(self, default: float) -> float:
        value = self.value("canvas/brush_width", default, float)
        return float(value) if isinstance(value, (int, float)) and value > 0 else default

    def set_brush_width(self, width: float) -> None:
        self.qsettings.setValue("canvas/brush_width", float(width))

    def last_folder(self) -> str:
        return self.value("files/last_folder", "", str) or ""

    def set_last_folder(self, folder: str) -> None:
        self.qsettings.setValue("files/last_folder", folder)

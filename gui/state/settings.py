"""Persistent user preferences (window geometry, theme, brush width, folders).

Backed by :class:`QSettings`. Where they live:

* ``AppSettings(path)`` – an INI file at ``path`` (tests, portable installs);
* else ``$CNN_PLAYGROUND_SETTINGS`` if set – an INI file there;
* else the platform's native user settings store for "cnn-playground".

The location comes from outside (an environment variable, a folder a user
may have replaced), so it is checked before Qt reads or writes it: it must be
missing (then it is created on the first save) or a regular file of at most
:data:`MAX_SETTINGS_BYTES` that can be read and written and holds only our
groups, with no lock file in the way. Anything else - a folder, a device such
as /dev/null, a FIFO or a FIFO as the lock file (Qt would block on it), a huge
or foreign file (a shell profile named by mistake), a path too long - is left
alone: the settings then live in a private temporary file for this session and
:attr:`AppSettings.problem` says why (the window shows it).
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import tempfile
import weakref

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from engine.explain import METHODS

ENV_VAR = "CNN_PLAYGROUND_SETTINGS"
ORGANISATION = "cnn-playground"
APPLICATION = "cnn-playground"
#: Largest settings file read (bytes); ours holds a few hundred.
MAX_SETTINGS_BYTES = 1 << 20
#: The groups of our keys (``General`` holds keys without a group).
GROUPS = ("General", "window", "view", "canvas", "files")
_KEY = re.compile(r"^[A-Za-z0-9_%]+\s*=")


def settings_file_problem(path: str) -> str | None:
    """Why the file at ``path`` cannot hold the settings, or None if it can: it
    does not exist yet (and can be created), or it is a small regular file we
    may read and write that looks like ours (:func:`looks_like_our_settings`);
    and Qt's lock file beside it, if any, is a regular file."""
    lock = f"{path}.lock"
    try:
        if os.path.islink(lock) or (os.path.lexists(lock) and not os.path.isfile(lock)):
            return f"has a lock file {lock} that is not a regular file"
        info = os.stat(path)                      # through a symlink, to its target
    except FileNotFoundError:
        parent = os.path.dirname(os.path.abspath(path))
        while parent and not os.path.exists(parent):
            parent = os.path.dirname(parent)
        return None if os.path.isdir(parent) and os.access(parent, os.W_OK) else \
            "cannot be created"
    except (OSError, ValueError) as exc:
        return f"cannot be used ({getattr(exc, 'strerror', None) or exc})"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_size > MAX_SETTINGS_BYTES:
        return f"is {info.st_size:,} bytes, too large for a settings file"
    if not os.access(path, os.R_OK | os.W_OK):
        return "cannot be read and written"
    try:
        with open(path, "rb") as f:
            text = f.read(MAX_SETTINGS_BYTES + 1).decode("utf-8", errors="replace")
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None if looks_like_our_settings(text) else \
        "is not a settings file of this app (it is left as it is)"


def looks_like_our_settings(text: str) -> bool:
    """True if ``text`` is empty or an INI file of our groups only: every line
    blank, ``[group]`` with one of :data:`GROUPS`, or ``key=value`` inside a
    group. (A file named by mistake, e.g. a shell profile, is not rewritten.)"""
    in_group = False
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            if line[1:-1] not in GROUPS:
                return False
            in_group = True
        elif not in_group or not _KEY.match(line):
            return False
    return True


def native_settings_file() -> str | None:
    """The file behind the native settings store where that is a file (Linux
    and other Unix: an INI file in the configuration folder); None where it is
    not (the Windows registry, macOS preferences)."""
    if sys.platform.startswith(("win", "darwin")):
        return None
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return os.path.join(folder, ORGANISATION, f"{APPLICATION}.conf") if folder else None


class AppSettings:
    """Typed accessors over one :class:`QSettings` store.

    :ivar problem: why the settings location could not be used (the settings
        are then kept for this session only), else None
    """

    def __init__(self, path: str | os.PathLike | None = None):
        path = path if path is not None else os.environ.get(ENV_VAR) or None
        location = os.fspath(path) if path is not None else native_settings_file()
        reason = settings_file_problem(location) if location is not None else None
        self.problem: str | None = None
        if reason is not None:       # checked first: QSettings reads the file when made
            self.problem = f"The settings file {location} {reason}; settings are kept for " \
                           f"this session only."
            folder = tempfile.mkdtemp(prefix="cnn-playground-settings-")
            weakref.finalize(self, shutil.rmtree, folder, True)
            self.qsettings = QSettings(os.path.join(folder, "settings.ini"),
                                       QSettings.Format.IniFormat)
        elif path is not None:
            self.qsettings = QSettings(location, QSettings.Format.IniFormat)
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

    def normalise_maps(self) -> bool:
        """Whether each feature map is scaled to its own maximum (the View toggle)."""
        value = self.qsettings.value("view/normalise_maps", False)   # "true" in the file
        return value is True or (isinstance(value, str) and value.strip().lower() == "true")

    def set_normalise_maps(self, on: bool) -> None:
        self.qsettings.setValue("view/normalise_maps", bool(on))

    def why_method(self, default: str) -> str:
        """The "Why?" overlay's last chosen method, one of
        :data:`engine.explain.METHODS` (anything else in the file: ``default``)."""
        value = self.value("view/why_method", default, str)
        return value if value in METHODS else default

    def set_why_method(self, method: str) -> None:
        self.qsettings.setValue("view/why_method", str(method))

    def last_folder(self) -> str:
        return self.value("files/last_folder", "", str) or ""

    def set_last_folder(self, folder: str) -> None:
        self.qsettings.setValue("files/last_folder", folder)

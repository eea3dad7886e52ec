"""The one owner of the person's samples in the GUI: it holds the newest
:class:`engine.personal.PersonalSet` (immutable: every change makes a new
one), saves it after every change and tells the views (``sigChanged``).
Widgets never keep their own copy: they read :attr:`PersonalSamples.samples`.

Saving goes through :func:`engine.personal.save_personal_set` (atomic: a
temporary file renamed over the old one). When it fails (a read-only
folder, a full disk) nothing is lost: the set stays in memory, the problem
is reported once (``sigProblem``) and every later change tries again; the
person can also export the set elsewhere. A file that cannot be read at
start is never overwritten: it is renamed aside (``...-unreadable-<time>.npz``)
and a new set is started, with a message saying so.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine.personal import (PersonalSet, PersonalSetError, default_personal_path,
                             import_personal_set, load_personal_set, save_personal_set)

#: The default file's name; a set kept there is called "my handwriting".
DEFAULT_STEM = "personal-set"


def set_name(path: Path) -> str:
    """How the window names the set kept at ``path`` ("my handwriting" for
    the default file, else the file's name without ``.npz``)."""
    stem = Path(path).stem
    return "my handwriting" if stem in (DEFAULT_STEM, "") else stem[:40]


class PersonalSamples(QObject):
    """Owns the person's sample set (see the module docstring).

    :param path: where the set lives (None: :func:`default_personal_path`,
        which honours ``$CNN_PLAYGROUND_PERSONAL``)

    Signals: ``sigChanged(PersonalSet)`` after every change (also undo and
    import); ``sigProblem(title, message)`` when the file cannot be read or
    written (the caller shows it; the set in memory is kept).
    """

    sigChanged = Signal(object)
    sigProblem = Signal(str, str)

    def __init__(self, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.path = Path(path) if path is not None else default_personal_path()
        self.name = set_name(self.path)
        self._set = PersonalSet()
        self._last_added: str | None = None     # id of the newest add (for undo)
        self.unsaved = False                    # the last save failed
        self.start_problem: tuple[str, str] | None = None
        self._blocked = False                   # an unreadable file is in the way
        self._load()

    # ------------------------------------------------------------------ read
    @property
    def samples(self) -> PersonalSet:
        """The newest set (immutable; do not keep it past the next ``sigChanged``)."""
        return self._set

    def __len__(self) -> int:
        return len(self._set)

    @property
    def last_added(self) -> str | None:
        """Id of the sample the last :meth:`add` put in, while it can be undone."""
        return self._last_added if self._last_added in self._set else None

    # ----------------------------------------------------------------- change
    def add(self, image: np.ndarray, label: int, strokes=()) -> bool:
        """Add a sample (``image`` ``(1, 28, 28)`` or ``(28, 28)`` float32 in
        [0, 1], the digit it shows, strokes as point arrays in canvas
        fractions). Returns False when that very drawing is already in the set
        (it is then relabelled to ``label`` instead). Raises
        :class:`~engine.personal.PersonalSetError` for a malformed sample."""
        new = self._set.add(image, label, strokes)
        if new is self._set:                        # the same drawing again
            sample_id = PersonalSet.make_sample(image, label).id
            if self._set.sample(sample_id).label != int(label):
                self._change(self._set.relabel(sample_id, label))
            return False
        self._last_added = new.ids[-1]
        self._change(new)
        return True

    def undo_add(self) -> bool:
        """Take the last added sample out again; False when there is none."""
        sample_id = self.last_added
        if sample_id is None:
            return False
        self._last_added = None
        self._change(self._set.remove(sample_id))
        return True

    def remove(self, sample_id: str) -> None:
        """Delete a sample (``KeyError`` if there is none)."""
        self._change(self._set.remove(sample_id))

    def relabel(self, sample_id: str, label: int) -> None:
        """Say that a sample shows ``label`` (``KeyError`` if there is none)."""
        if self._set.sample(sample_id).label != int(label):
            self._change(self._set.relabel(sample_id, label))

    def import_file(self, path) -> int:
        """Merge the samples of a personal-set file; returns how many were new.
        Raises :class:`~engine.personal.PersonalSetError` (a ``ValueError``)
        or ``OSError`` for a file that cannot be used; nothing changes then."""
        merged = import_personal_set(self._set, path)
        added = len(merged) - len(self._set)
        if added:
            self._change(merged)
        return added

    def export(self, path) -> Path:
        """Write the set to ``path`` (atomically); raises ``OSError``."""
        return save_personal_set(self._set, Path(path))

    def save(self) -> bool:
        """Write the set to :attr:`path` now; False (and ``sigProblem``) if that failed."""
        try:
            if self._blocked:
                raise OSError("the unreadable file there is kept, not overwritten")
            if not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            save_personal_set(self._set, self.path)
        except (OSError, PersonalSetError) as exc:
            first = not self.unsaved
            self.unsaved = True
            if first:
                self.sigProblem.emit(
                    "Your handwriting samples could not be saved",
                    f"Writing {self.path} failed: {exc}\n\nThe samples stay in this window; "
                    "every change tries to save again. Use Export… to keep a copy elsewhere.")
            return False
        self.unsaved = False
        return True

    # -------------------------------------------------------------- private
    def _change(self, new: PersonalSet) -> None:
        self._set = new
        self.save()
        self.sigChanged.emit(new)

    def _load(self) -> None:
        try:
            self._set = load_personal_set(self.path) if self.path.exists() else PersonalSet()
        except (OSError, PersonalSetError) as exc:
            self._set = PersonalSet()
            self.start_problem = ("Your handwriting samples could not be read",
                                  f"{exc}\n\n{self._put_aside()}")

    def _put_aside(self) -> str:
        """Rename an unreadable file so that saving never overwrites it."""
        aside = self.path.with_name(f"{self.path.stem}-unreadable-{int(time.time())}"
                                    f"{self.path.suffix}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self.unsaved = True      # never write over a file we could not read
            self._blocked = True
            return (f"It could not be moved aside either ({exc}); new samples are kept in "
                    "this window only. Use Export… to keep them.")
        return f"The file was kept as {aside.name}; a new set was started."

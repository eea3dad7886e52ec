"""Old import paths kept working after modules moved.

``install({"engine.model": "engine.nn.model", ...})`` makes ``import
engine.model`` (and ``from engine.model import Model``) return the module at
its new place, imported on first use. Scripts written against the first
stage's flat layout keep running; new code imports the new paths.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import Mapping


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds old module names and loads them as the module at the new name."""

    def __init__(self, moved: Mapping[str, str]):
        self.moved = dict(moved)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.moved:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(self.moved[spec.name])
        spec.loader_state = module.__spec__  # the import system overwrites it; see exec_module
        return module

    def exec_module(self, module) -> None:
        """Nothing to run: the module at its new place is already imported. Put
        back its own ``__spec__``, which the import system has just replaced by
        the old name's (``reload`` and ``find_spec`` of the new name rely on it)."""
        module.__spec__ = module.__spec__.loader_state


def install(moved: Mapping[str, str]) -> None:
    """Serve each old name in ``moved`` as the module at its new name."""
    for finder in sys.meta_path:
        if isinstance(finder, _MovedModuleFinder):
            finder.moved.update(moved)
            return
    sys.meta_path.append(_MovedModuleFinder(moved))

"""Rules for the engine as a whole.

* It stays GUI-free: importing it (and every submodule) must not pull in Qt,
  pyqtgraph or matplotlib. Checked in a fresh interpreter so that modules
  imported by other tests in this process do not interfere.
* Its modules import each other without cycles: the import graph of
  ``engine/`` (every ``import`` / ``from ... import``, relative ones
  resolved, read with :mod:`ast`) is acyclic, and every import of an
  ``engine`` module names a module that exists at its new place.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.code_rules import ENGINE, REPO_ROOT, find_cycle, import_graph
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "matplotlib")

SCRIPT = f"FORBIDDEN = {FORBIDDEN!r}\n" + textwrap.dedent("""
    import importlib, json, pkgutil, sys

    forbidden = FORBIDDEN
    culprits = {}   # engine module -> forbidden top-level packages it pulled in

    def load(name):
        before = set(sys.modules)
        importlib.import_module(name)
        new = {m.split(".")[0] for m in set(sys.modules) - before if m.startswith(forbidden)}
        if new:
            culprits[name] = sorted(new)

    def fail(name):
        raise RuntimeError(f"cannot import {name}")

    # always present, even before engine/__init__.py exists (namespace package)
    for name in ("engine", "engine.nn.functional", "engine.nn.im2col"):
        load(name)
    import engine

    imported = []
    for info in pkgutil.walk_packages(engine.__path__, prefix="engine.", onerror=fail):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue   # the CLI entry point: importing it would run the command line
        load(info.name)
        imported.append(info.name)

    bad = sorted({m.split(".")[0] for m in sys.modules if m.startswith(forbidden)})
    print(json.dumps({"imported": imported, "forbidden": bad, "culprits": culprits,
                      "engine_path": [str(p) for p in engine.__path__]}))
""")


def test_engine_imports_no_gui_modules():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "-c", SCRIPT],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"importing engine failed:\n{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert any(Path(p).resolve() == REPO_ROOT / "engine" for p in report["engine_path"]), report
    assert "engine.nn.functional" in report["imported"] and "engine.nn.im2col" in report["imported"]
    assert report["forbidden"] == [], (
        f"engine pulls in GUI modules {report['forbidden']}; imported by: {report['culprits']}")


def test_import_graph_resolves_relative_imports():
    """The graph builder itself: known edges of the engine are found."""
    graph, _ = import_graph(ENGINE)
    assert {"engine.nn.functional", "engine.nn.shapes", "engine.nn.layers.base"} <= \
        graph["engine.nn.layers.conv"]                   # from .. import functional; ..shapes; .base
    assert "engine.nn.model" in graph["engine"]          # from .nn.model import Model
    assert "engine" in graph["engine.cli"]               # from . import load_model
    assert "engine.training.evaluate" in graph["engine.training.trainer"]
    assert len(graph) >= 40


def test_find_cycle_reports_the_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"x2"}, "x2": {"x2"}}) == ["x2", "x2"]


def test_no_import_cycle_between_engine_modules():
    graph, _ = import_graph(ENGINE)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between engine modules: " + " -> ".join(cycle)


def test_engine_imports_only_existing_engine_modules():
    """Engine code imports modules by their new names (the old flat names are
    aliases for scripts, see engine.system.moved_modules)."""
    _, unknown = import_graph(ENGINE)
    assert unknown == {}, f"engine imports of names that are not modules: {unknown}"

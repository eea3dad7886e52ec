"""The structure the project keeps (README "What is inside"): small files and
classes with one concern each, no import cycle anywhere, no private helper
used across modules, the promised top level, old import paths still working."""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from tests.support.code_rules import ENGINE, GUI, REPO_ROOT, find_cycle, import_graph

MAX_FILE_LINES = 400
MAX_CLASS_LINES = 300
SOURCES = sorted(p for root in (ENGINE, GUI) for p in root.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_files_stay_small():
    long = {str(p.relative_to(REPO_ROOT)): n for p in SOURCES
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert long == {}, f"files over {MAX_FILE_LINES} lines: {long}"


def test_classes_stay_small():
    big = {f"{p.relative_to(REPO_ROOT)}:{node.name}": node.end_lineno - node.lineno + 1
           for p in SOURCES for node in ast.walk(_tree(p))
           if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES}
    assert big == {}, f"classes over {MAX_CLASS_LINES} lines: {big}"


def test_no_import_cycle_in_engine_and_gui_together():
    graph, unknown = import_graph(ENGINE, GUI)
    assert len(graph) > 100
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
    assert unknown == {}, f"imports of names that are not modules (old paths?): {unknown}"


def test_the_engine_never_imports_the_gui():
    graph, _ = import_graph(ENGINE, GUI)
    leaks = {m: sorted(t for t in targets if t.startswith("gui"))
             for m, targets in graph.items() if m.startswith("engine")}
    assert {m: t for m, t in leaks.items() if t} == {}


def test_no_private_name_is_imported_from_another_module():
    found = []
    for path in SOURCES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom):
                found += [f"{path.relative_to(REPO_ROOT)}: {alias.name}" for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert found == []


def test_the_top_level_is_the_promised_one():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    top = {line.split("/")[0] for line in tracked.stdout.splitlines() if line}
    assert top <= {"pyproject.toml", "README.md", "gui", "engine", "assets", "tests", ".ci",
                   ".gitignore"}, sorted(top)


@pytest.mark.parametrize("old, new", [
    ("gui.main_window", "gui.window.main_window"), ("gui.training_panel", "gui.training.panel"),
    ("gui.canvas", "gui.drawing.canvas"), ("gui.settings", "gui.state.settings"),
    ("gui.bench_latency", "gui.tools.bench_latency"), ("engine.functional", "engine.nn.functional"),
    ("engine.preprocess", "engine.data.preprocess"), ("engine.train", "engine.training.trainer"),
])
def test_old_import_paths_still_work(old, new):
    import importlib
    assert importlib.import_module(old) is importlib.import_module(new)
    from gui.main_window import MainWindow
    from gui.window.main_window import MainWindow as Moved
    assert MainWindow is Moved


def test_every_package_is_installed():
    """pyproject.toml lists every package of engine/ and gui/ (a wheel holds only those)."""
    tomllib = pytest.importorskip("tomllib")   # Python >= 3.11
    listed = set(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(REPO_ROOT).parts) for root in (ENGINE, GUI)
             for p in root.rglob("__init__.py")}
    assert found | {"engine.assets"} == listed


def test_one_type_hint_style():
    """``X | None`` everywhere (``from __future__ import annotations``), not ``Optional[X]``."""
    old = [f"{p.relative_to(REPO_ROOT)}:{i}" for p in SOURCES
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if "Optional[" in line or "Union[" in line]
    assert old == []


#: Attribute writes on an object other than ``self`` that are not "from outside":
#: copies a class makes of itself, NumPy flags, the import machinery.
_OWN_COPIES = {("engine/nn/layers/base.py", "twin"), ("engine/nn/layers/dropout.py", "twin"),
               ("engine/system/moved_modules.py", "spec"),
               ("engine/system/moved_modules.py", "module"), ("gui/widgets/theme.py", "lut"),
               ("gui/tools/soak.py", "sys")}


def test_nothing_sets_attributes_on_another_object():
    found = []
    for path in SOURCES:
        rel = path.relative_to(REPO_ROOT).as_posix()
        for node in ast.walk(_tree(path)):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store):
                        owner = sub.value
                        while isinstance(owner, ast.Attribute):
                            owner = owner.value
                        name = owner.id if isinstance(owner, ast.Name) else "?"
                        if name in ("self", "cls") and isinstance(sub.value, ast.Name):
                            continue
                        if (rel, name) not in _OWN_COPIES:
                            found.append(f"{rel}:{node.lineno}: {ast.unparse(sub)}")
    assert found == []

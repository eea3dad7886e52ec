"""Checks of the code's structure, shared by the structure tests: the import
graph of our packages (relative imports resolved) and finding a cycle in it."""
from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE = REPO_ROOT / "engine"
GUI = REPO_ROOT / "gui"


def package_modules(*roots: Path) -> dict[str, Path]:
    """``{"engine.nn.model": path, "engine.nn": .../nn/__init__.py, ...}`` for
    every module below the package folders ``roots``."""
    out = {}
    for path in sorted(p for root in roots for p in root.rglob("*.py")):
        root = next(r for r in roots if r in path.parents)
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """``(our modules that ``name`` imports, names of our packages that resolve to no module)``.

    ``from X import y`` counts as an import of ``X.y`` when that is a module
    (``from . import functional``), else of ``X`` (``from .shapes import as_pair``).
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found, unknown = set(), set()

    tops = {m.split(".")[0] for m in modules}

    def add(target: str) -> None:
        if target.split(".")[0] in tops:
            (found if target in modules else unknown).add(target)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = ".".join(base[:len(base) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                add(sub if sub in modules else target)
    found.discard(name)
    return found, unknown


def import_graph(*roots: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``({module: modules it imports}, {module: unresolvable imports of our packages})``."""
    modules = package_modules(*roots)
    graph, unknown = {}, {}
    for name, path in modules.items():
        graph[name], missing = imports_of(name, path, modules)
        if missing:
            unknown[name] = missing
    return graph, unknown


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle ``[a, b, ..., a]`` of ``graph`` (depth-first), or None."""
    state: dict[str, int] = {}       # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None

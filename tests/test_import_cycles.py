"""No import cycles among the project's own modules (issue 13): counting imports inside functions too,
since a lazy import hides a cycle from the interpreter but not from a reader (preflight/cli.py and
preflight/residency.py once imported each other that way)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.project import ROOT

SKIPPED = {"venv", "tests", "docs", "benchmarks", ".git", ".github"}


def modules() -> dict[str, Path]:
    """Every first-party module by dotted name (a package by its name), the pack's as the engine sees it."""
    found: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in SKIPPED or any(p.startswith(".") or p == "__pycache__" for p in parts):
            continue
        if parts[0] == "policy":  # the pack runs from policy/: its package is mm_policies
            parts = parts[1:]
        name = ".".join(parts).removesuffix(".py").removesuffix(".__init__")
        if name and name != "__main__":
            found[name] = path
    return found


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_the_project_imports_itself_back() -> None:
    found = modules()
    # A package's __init__ is imported with each of its modules; an edge to it is not a cycle of ours.
    graph = {
        name: {m for m in imports(path, name, set(found)) if not name.startswith(m + ".")}
        for name, path in found.items()
    }
    assert {"preflight.cli", "preflight.residency", "compliance.residency"} <= set(graph)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

"""Shared test helpers live in tests/support/: no test module imports from another test module or from a
conftest (a fixture shared across packages is registered once, in tests/conftest.py's `pytest_plugins`)."""

from __future__ import annotations

import ast
import re

from tests.support.project import ROOT

NOT_SHARED = re.compile(r"^tests(\.\w+)*\.(test_\w+|conftest)$")


def test_no_test_module_borrows_from_another_test_module_or_a_conftest() -> None:
    borrowed = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            borrowed += [f"{path.relative_to(ROOT)} imports {name}" for name in names if NOT_SHARED.match(name)]
    assert borrowed == []

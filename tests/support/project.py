"""The project as shipped, its stacks' configuration, and copies of it to break."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "motion-mavericks-portal:"
STACKS = ("dev", "staging", "prod")
# What a copy of the project leaves out: local state, and what no command reads. Bytecode (`make bytecode`)
# is copied with its sources' times, so a command in the copy reads it as it does in the project; a source
# a test edits no longer matches its .pyc, and Python compiles it afresh.
# Never what another test may be writing while this one copies: hypothesis's example database (`.hypothesis/`,
# whose temporary files come and go) made a copy fail now and then with "No such file or directory".
_NOT_COPIED = shutil.ignore_patterns(".git", "venv", ".pytest_cache", ".ruff_cache", ".hypothesis", "tests", "docs")


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete()


def stack_config(stack: str, **overrides: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """The stack's configuration as the CLI passes it, with top-level keys replaced or deep-merged.

    `neon={"region": "aws-us-east-1"}` merges into the stack's `neon` object; a value of `DELETE`
    removes the key (top level or nested).
    """
    from stack_config import Project

    config = Project.load(ROOT).stack_config(stack)
    return with_overrides(config, PREFIX, overrides), config.secret_keys


def with_overrides(config: Any, prefix: str, overrides: dict[str, Any]) -> dict[str, str]:
    """A StackConfig's values with top-level keys under `prefix` replaced or deep-merged (`DELETE` removes)."""
    values = dict(config.values)
    for key, change in overrides.items():
        qualified = prefix + key
        if change is DELETE:
            values.pop(qualified, None)
            continue
        current = config.raw(qualified) if qualified in values else None
        merged = _merge(copy.deepcopy(current), change)
        values[qualified] = merged if isinstance(merged, str) else json.dumps(merged)
    return values


def _merge(base: Any, change: Any) -> Any:
    if isinstance(base, dict) and isinstance(change, dict):
        for key, value in change.items():
            if value is DELETE:
                base.pop(key, None)
            else:
                base[key] = _merge(base.get(key), value)
        return base
    return change


def project_copy(tmp_path: Path) -> Path:
    """A copy of the project (program, pack, preflight, stack files) to change without touching the real one."""
    copy_root = tmp_path / "project"
    shutil.copytree(ROOT, copy_root, ignore=_NOT_COPIED)
    return copy_root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))

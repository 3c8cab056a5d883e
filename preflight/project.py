"""A Pulumi project and its stacks' configuration, loaded as the Pulumi CLI would load them.

Layering follows the CLI: `config:` in Pulumi.yaml (plain values, `value:` or a schema's `default:`),
then the stack file. Values reach the program as strings, objects and lists JSON-encoded. What cannot be
had offline is reported, not invented: `secure:` values become a redacted placeholder (they are
ciphertext for a key we do not hold) and ESC `environment:` imports are listed as unresolved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REDACTED = "[secret]"


class ProjectError(Exception):
    """The project or a stack file cannot be read; the message says which file and why."""


@dataclass(frozen=True)
class StackConfig:
    name: str
    values: dict[str, str]  # fully qualified key -> value as the program receives it
    secret_keys: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()  # what offline evaluation could not resolve, for the report

    def raw(self, key: str) -> Any:
        """A value decoded as the program's `Config.get_object` would."""
        value = self.values[key]
        try:
            return json.loads(value)
        except ValueError:
            return value


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    main: Path
    defaults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Project:
        document = _read_yaml(root / "Pulumi.yaml")
        name = document.get("name")
        if not isinstance(name, str) or not name:
            raise ProjectError(f"{root / 'Pulumi.yaml'}: 'name' is missing; it names the project")
        main = root / str(document.get("main", "."))
        if main.is_dir():
            main = main / "__main__.py"
        defaults: dict[str, Any] = {}
        for key, entry in (document.get("config") or {}).items():
            qualified = key if ":" in key else f"{name}:{key}"
            if isinstance(entry, dict) and "value" in entry:
                defaults[qualified] = entry["value"]
            elif isinstance(entry, dict) and "type" in entry:
                if "default" in entry:
                    defaults[qualified] = entry["default"]
            else:
                defaults[qualified] = entry
        return cls(root=root, name=name, main=main, defaults=defaults)

    def stacks(self) -> list[str]:
        """Every stack the project ships: one `Pulumi.<stack>.yaml` each."""
        names = (p.name[len("Pulumi.") : -len(".yaml")] for p in self.root.glob("Pulumi.*.yaml"))
        return sorted(names)

    def stack_config(self, stack: str) -> StackConfig:
        path = self.root / f"Pulumi.{stack}.yaml"
        if not path.is_file():
            shipped = ", ".join(self.stacks()) or "none"
            raise ProjectError(f"stack {stack!r}: {path.name} does not exist; stacks shipped: {shipped}")
        document = _read_yaml(path)
        merged: dict[str, Any] = dict(self.defaults)
        secret_keys: list[str] = []
        for key, value in (document.get("config") or {}).items():
            qualified = key if ":" in key else f"{self.name}:{key}"
            if isinstance(value, dict) and set(value) == {"secure"}:
                merged[qualified] = REDACTED
                secret_keys.append(qualified)
            else:
                merged[qualified] = value
        unresolved = [f"{key} (secure value, not decrypted offline)" for key in secret_keys]
        imports = document.get("environment") or []
        if isinstance(imports, dict):  # `environment: {imports: [...]}` is the older spelling
            imports = imports.get("imports") or []
        unresolved += [f"ESC environment {name!r} (not resolved offline)" for name in imports]
        return StackConfig(
            name=stack,
            values={key: _as_config_string(value) for key, value in merged.items()},
            secret_keys=tuple(secret_keys),
            unresolved=tuple(unresolved),
        )


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(f"{path}: not found") from None
    except yaml.YAMLError as exc:
        raise ProjectError(f"{path}: not valid YAML: {exc}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ProjectError(f"{path}: expected a mapping at the top level, found {type(document).__name__}")
    return document

"""A Pulumi project and its stacks' configuration, loaded as the Pulumi CLI would load them.

Layering follows the CLI: `config:` in Pulumi.yaml (plain values, `value:` or a schema's `default:`),
then the stack's ESC environments, then the stack file. Values reach the program as strings, objects and
lists JSON-encoded. What cannot be had offline is reported, not invented: `secure:` values become a
redacted placeholder (they are ciphertext for a key we do not hold), and so does every key an imported ESC
environment hands over under `pulumiConfig`: its definition is kept in the repository as
`esc/<environment>.yaml`, but its values (1Password references, secrets) only resolve in Pulumi Cloud.
All such keys reach the program as secret configuration, as the CLI passes secrets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REDACTED = "[secret]"
ESC_DIR = "esc"  # esc/<environment>.yaml: the definition of ESC environment <project>/<environment>


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
        unresolved: list[str] = []
        for key, value in (document.get("config") or {}).items():
            qualified = key if ":" in key else f"{self.name}:{key}"
            if isinstance(value, dict) and set(value) == {"secure"}:
                merged[qualified] = REDACTED
                secret_keys.append(qualified)
                unresolved.append(f"{qualified} (secure value, not decrypted offline)")
            else:
                merged[qualified] = value
        # The CLI layers environments below the stack file: a key set in both takes the stack file's value.
        stack_keys = {key if ":" in key else f"{self.name}:{key}" for key in (document.get("config") or {})}
        for name in _imports(document, path):
            keys, note = self._esc_config_keys(name)
            if note:
                unresolved.append(note)
            for key in keys:
                if key in stack_keys or key in secret_keys:
                    continue
                merged[key] = REDACTED
                secret_keys.append(key)
                unresolved.append(f"{key} (from ESC environment {name!r}; a {REDACTED} placeholder offline)")
        return StackConfig(
            name=stack,
            values={key: _as_config_string(value) for key, value in merged.items()},
            secret_keys=tuple(secret_keys),
            unresolved=tuple(unresolved),
        )

    def esc_definition(self, environment: str) -> Path:
        """Where the repository keeps an ESC environment's definition: `<project>/<env>` -> esc/<env>.yaml."""
        name = environment.split("@", 1)[0].rsplit("/", 1)[-1]  # `project/env@version` -> env
        return self.root / ESC_DIR / f"{name}.yaml"

    def _esc_config_keys(self, environment: str) -> tuple[list[str], str | None]:
        """The fully qualified config keys an ESC environment hands over under `values.pulumiConfig`, and a
        note when its definition is not in the repository (then which keys it provides is unknown)."""
        path = self.esc_definition(environment)
        if not path.is_file():
            relative = path.relative_to(self.root)
            return [], (
                f"ESC environment {environment!r}: no definition {relative} in the repository, so the "
                f"configuration it hands over is unknown offline"
            )
        document = _read_yaml(path)
        values = document.get("values") or {}
        config = values.get("pulumiConfig") if isinstance(values, dict) else None
        if config is None:
            return [], None
        if not isinstance(config, dict):
            raise ProjectError(f"{path}: values.pulumiConfig must be a mapping of config keys, found {config!r}")
        return [key if ":" in key else f"{self.name}:{key}" for key in config], None


def _imports(document: dict[str, Any], path: Path) -> list[str]:
    """The ESC environments a stack file imports (`environment: [...]`)."""
    imports = document.get("environment") or []
    if isinstance(imports, dict):  # `environment: {imports: [...]}` is the older spelling
        imports = imports.get("imports") or []
    if not isinstance(imports, list) or not all(isinstance(name, str) for name in imports):
        raise ProjectError(f"{path}: 'environment' must be a list of ESC environment names, found {imports!r}")
    return imports


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

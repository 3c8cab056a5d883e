"""A Pulumi project and its stacks' configuration, loaded as the Pulumi CLI would load them.

Layering follows the CLI: `config:` in Pulumi.yaml (plain values, `value:` or a schema's `default:`),
then the stack's ESC environments, then the stack file. Values reach the program as strings, objects and
lists JSON-encoded. What cannot be had offline is reported, not invented: `secure:` values become a
redacted placeholder (they are ciphertext for a key we do not hold), and so does every key an imported ESC
environment hands over under `pulumiConfig`: its definition is kept in the repository as
`esc/<environment>.yaml`, but its values (1Password references, secrets) only resolve in Pulumi Cloud.
All such keys reach the program as secret configuration, as the CLI passes secrets.

The files are read strictly (`stack_config.strict_yaml`), and the stack file's own shape is Pulumi's
(`ProjectStack`: `secretsprovider`, `encryptedkey`, `encryptionsalt`, `config`, `environment`): anything
else is a `ProjectError` that names the file, the key, what was found and what is allowed. Which keys the
project's own namespace knows is the settings layer's business (`components/settings.py`), not this one's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from stack_config.strict_yaml import YamlRefusal, parse_yaml, read_text

REDACTED: Final = "[secret]"
ESC_DIR: Final = "esc"  # esc/<environment>.yaml: the definition of ESC environment <project>/<environment>
# pulumi sdk/go/common/workspace/project.go, ProjectStack (and the automation API's StackSettings).
STACK_FILE_KEYS: Final = ("secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment")
# The engine hands a stack's whole configuration to the program and to the policy pack in one environment
# variable, PULUMI_CONFIG (JSON). Linux limits one environment string to MAX_ARG_STRLEN, 32 pages = 128 KiB
# with its name, `=` and the closing NUL (linux include/uapi/linux/binfmts.h); a larger one fails exec.
CONFIG_VARIABLE: Final = "PULUMI_CONFIG"
ENVIRONMENT_STRING_LIMIT: Final = 128 * 1024
CONFIG_LIMIT: Final = ENVIRONMENT_STRING_LIMIT - len(CONFIG_VARIABLE) - 2


class ProjectError(Exception):
    """The project or a stack file cannot be read; the message says which file, which key and why."""


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

    def decoded(self) -> dict[str, Any]:
        """Every value decoded, as the engine's config property map holds them."""
        return {key: self.raw(key) for key in self.values}


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    main: Path
    defaults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Project:
        path = root / "Pulumi.yaml"
        document = read_document(path)
        name = document.get("name")
        if not isinstance(name, str) or not name:
            raise ProjectError(f"{path}: name: found {name!r}; allowed: the project's name, a non-empty string")
        main_entry = document.get("main", ".")
        if not isinstance(main_entry, str):
            raise ProjectError(f"{path}: main: found {main_entry!r}; allowed: a path in the project")
        main = root / main_entry
        if main.is_dir():
            main = main / "__main__.py"
        defaults: dict[str, Any] = {}
        for key, entry in _mapping(document, "config", path).items():
            qualified = qualify(key, name, path)
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

    def stack_file(self, stack: str) -> Path:
        return self.root / f"Pulumi.{stack}.yaml"

    def stack_config(self, stack: str) -> StackConfig:
        path = self.stack_file(stack)
        if not path.is_file():
            shipped = ", ".join(self.stacks()) or "none"
            raise ProjectError(f"stack {stack!r}: {path.name} does not exist; stacks shipped: {shipped}")
        document = read_document(path)
        unknown = [key for key in document if key not in STACK_FILE_KEYS]
        if unknown:
            raise ProjectError(
                f"{path}: {unknown[0]}: unknown top-level key; allowed: {', '.join(STACK_FILE_KEYS)} (project "
                f"configuration goes under config:, as {self.name}:<key>)"
            )
        for key in ("secretsprovider", "encryptedkey", "encryptionsalt"):
            if key in document and not isinstance(document[key], str):
                raise ProjectError(f"{path}: {key}: found {document[key]!r}; allowed: a string")
        stack_config = {
            qualify(key, self.name, path): value for key, value in _mapping(document, "config", path).items()
        }

        merged: dict[str, Any] = dict(self.defaults)
        secret_keys: list[str] = []
        unresolved: list[str] = []
        for key, value in stack_config.items():
            if isinstance(value, dict) and "secure" in value:
                if set(value) != {"secure"} or not isinstance(value["secure"], str):
                    raise ProjectError(
                        f"{path}: {key}: found a secure value of the wrong shape ({', '.join(map(str, value))}); "
                        "allowed: {secure: <ciphertext string>}, as `pulumi config set --secret` writes it"
                    )
                merged[key] = REDACTED
                secret_keys.append(key)
                unresolved.append(f"{key} (secure value, not decrypted offline)")
            else:
                merged[key] = value
        # The CLI layers environments below the stack file: a key set in both takes the stack file's value.
        for name in _imports(document, path):
            keys, note = self._esc_config_keys(name)
            if note:
                unresolved.append(note)
            for key in keys:
                if key in stack_config:
                    continue
                merged[key] = REDACTED
                secret_keys.append(key)
                unresolved.append(f"{key} (from ESC environment {name!r}; a {REDACTED} placeholder offline)")
        values = {key: _as_config_string(key, value, path) for key, value in merged.items()}
        _check_total_size(values, path)
        return StackConfig(name=stack, values=values, secret_keys=tuple(secret_keys), unresolved=tuple(unresolved))

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
        values = _mapping(read_document(path), "values", path)
        config = values.get("pulumiConfig")
        if config is None:
            return [], None
        if not isinstance(config, dict):
            raise ProjectError(
                f"{path}: values.pulumiConfig: found {_kind(config)}; allowed: a mapping of configuration keys"
            )
        return [qualify(key, self.name, path) for key in config], None


def read_document(path: Path) -> dict[str, Any]:
    """A YAML file that must hold a mapping (or nothing), read strictly; ProjectError names the problem."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise ProjectError(f"{path}: not found") from None
    except UnicodeDecodeError as error:
        raise ProjectError(
            f"{path}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start}); "
            "Pulumi reads project and stack files as UTF-8"
        ) from None
    except OSError as error:
        raise ProjectError(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        document = parse_yaml(text)
    except YamlRefusal as refusal:
        raise ProjectError(f"{path}: {refusal}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ProjectError(f"{path}: found {_kind(document)} at the top level; allowed: a mapping of keys")
    return document


def qualify(key: str, project: str, path: Path) -> str:
    """`key` with its namespace (the project's if it has none), as the CLI parses configuration keys:
    `<namespace>:<name>`, or the old `<namespace>:config:<name>`."""
    parts = key.split(":")
    if len(parts) == 1 and key:
        return f"{project}:{key}"
    if len(parts) == 3 and parts[1] == "config":
        parts = [parts[0], parts[2]]
    if len(parts) != 2 or not all(part.strip() for part in parts):
        raise ProjectError(
            f"{path}: config key {key!r} cannot be parsed; allowed: <namespace>:<name>, e.g. {project}:environment"
        )
    return ":".join(parts)


def config_env(config: Mapping[str, Any]) -> str:
    """The engine's PropertyMapToConfig, as PULUMI_CONFIG: top-level strings as they are, the rest as JSON."""
    encoded = {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    return json.dumps(encoded)


def _mapping(document: Mapping[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = document.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"{path}: {key}: found {_kind(value)}; allowed: a mapping of keys")
    return value


def _imports(document: dict[str, Any], path: Path) -> list[str]:
    """The ESC environments a stack file imports (`environment: [...]`)."""
    imports = document.get("environment") or []
    if isinstance(imports, dict):  # `environment: {imports: [...]}` is the older spelling
        imports = imports.get("imports") or []
    if not isinstance(imports, list) or not all(isinstance(name, str) and name for name in imports):
        raise ProjectError(
            f"{path}: environment: found {_shown(imports)}; allowed: a list of ESC environment names "
            "(<project>/<environment>)"
        )
    return imports


def _as_config_string(key: str, value: Any, path: Path) -> str:
    """The value as the program receives it; ProjectError if it is too large to reach it at all."""
    size = len(json.dumps(value)) if isinstance(value, str) else _encoded_size(value, CONFIG_LIMIT)
    if size is None or size > CONFIG_LIMIT:
        found = f"{size:,} bytes" if size is not None else f"more than {CONFIG_LIMIT:,} bytes"
        raise ProjectError(
            f"{path}: {key}: found a value of {found} as JSON; allowed: at most {CONFIG_LIMIT:,} bytes for the whole "
            f"stack's configuration, which the engine hands to the program and the policy pack in one environment "
            f"variable ({CONFIG_VARIABLE}; Linux limits one to 128 KiB)"
        )
    return value if isinstance(value, str) else json.dumps(value)


def _check_total_size(values: Mapping[str, str], path: Path) -> None:
    size = len(config_env(values))
    if size > CONFIG_LIMIT:
        largest = sorted(values, key=lambda key: len(values[key]), reverse=True)[:3]
        raise ProjectError(
            f"{path}: the stack's configuration comes to {size:,} bytes as {CONFIG_VARIABLE}; allowed: at most "
            f"{CONFIG_LIMIT:,} (Linux limits one environment variable to 128 KiB); largest values: "
            + ", ".join(f"{key} ({len(values[key]):,} bytes)" for key in largest)
        )


def _encoded_size(value: Any, budget: int) -> int | None:
    """The size of `value` as JSON, give or take separators, or None once it passes `budget` (a document of
    aliases can stand for far more text than it holds, so it is never expanded)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            total += 2
            for key, nested in item.items():
                total += len(json.dumps(key)) + 2
                stack.append(nested)
        elif isinstance(item, list):
            total += 2 + len(item)
            stack.extend(item)
        else:
            total += len(json.dumps(item)) + 1
        if total > budget:
            return None
    return total


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return f"{names.get(type(value), type(value).__name__)} ({_shown(value)})"


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

"""Reading a preflight report back (JSON, `preflight/schema/report-v1.json`), for the evidence tools.

The preflight writes the report; this module only reads it, checks it against the preflight's schema, and
says in one line what is wrong with one that does not fit: the file, the key, and what was expected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPORT_SCHEMA_PATH = Path(__file__).resolve().parent.parent / "preflight" / "schema" / "report-v1.json"
REPORT_SCHEMA_VERSION = 1


class ReportError(Exception):
    """A report (or other input file) that cannot be used; the message names the file and the reason."""


def violation_text(message: str, description: str) -> str:
    """A diagnostic's message without the policy description the policy SDK puts before it."""
    if description and message.startswith(description + "\n"):
        message = message[len(description) + 1 :]
    return message.replace("\n", " ")


def read_json(path: Path, where: str, expected: str) -> Any:
    """A JSON file's content, or a ReportError naming `where` and why it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{where}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ReportError(f"{where}: not UTF-8 text (byte {exc.start}); expected {expected}") from None
    except OSError as exc:
        raise ReportError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ReportError(f"{where}: not JSON ({exc}); expected {expected}") from None


def check_schema(document: Any, schema: dict[str, Any], where: str, name: str) -> None:
    """A ReportError naming the first key (as a path) that does not fit the JSON schema."""
    import jsonschema  # imported late: only a file that got this far needs it

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is not None:
        location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        message = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        raise ReportError(f"{where}: {location or '(top level)'}: {message}; not a valid {name}")


def load_report(path: Path, role: str) -> dict[str, Any]:
    """A preflight report, checked against its schema, or a ReportError saying what is wrong."""
    where = f"{role} report {path}"
    report = read_json(path, where, "a report written by `python -m preflight --json FILE`")
    if not isinstance(report, dict):
        raise ReportError(f"{where}: found a JSON {json_type(report)}; expected a preflight report object")
    version = report.get("schemaVersion")
    if version != REPORT_SCHEMA_VERSION:
        raise ReportError(
            f"{where}: schemaVersion: found {version!r}; allowed: {REPORT_SCHEMA_VERSION} "
            f"({REPORT_SCHEMA_PATH.name}); write the report again with this version of the preflight"
        )
    schema = json.loads(REPORT_SCHEMA_PATH.read_text(encoding="utf-8"))
    check_schema(report, schema, where, REPORT_SCHEMA_PATH.name)
    return report


def json_type(value: Any) -> str:
    """What JSON calls the value's type, for a message."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)

"""Reading resource properties as the engine sends them, without letting an unknown slip through.

The SDK hands a policy read-only proxies (`Mapping`/`Sequence`, never `dict`/`list`) that raise
`UnknownValueError` on an unknown value; left uncaught, the SDK turns that into an advisory "can't run
policy during preview", so a mandatory rule would not block. `plain()` copies the proxies into plain
values with `UNKNOWN` in place of each unknown, and `fail_closed` reports any unknown that a validator
still trips over as a violation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import ReportViolation
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class _Marker:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


UNKNOWN: Any = _Marker("UNKNOWN")  # known only after the update: never proof of compliance
UNSET: Any = _Marker("UNSET")  # absent or null: the provider's default applies


def plain(value: Any) -> Any:
    """A copy of `value` in plain dicts and lists, with `UNKNOWN` wherever the engine sent an unknown."""
    if isinstance(value, str):
        return UNKNOWN if value in _UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        result = {}
        for key in value:
            try:
                result[key] = plain(value[key])
            except UnknownValueError:
                result[key] = UNKNOWN
        return result
    if isinstance(value, Sequence):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def get(obj: Any, *path: str) -> Any:
    """The value at `path` in a `plain()` copy; `UNSET` if absent or null, `UNKNOWN` if any step is unknown."""
    current = obj
    for key in path:
        if current is UNKNOWN:
            return UNKNOWN
        if not isinstance(current, dict) or current.get(key) is None:
            return UNSET
        current = current[key]
    return current


def show(value: Any) -> str:
    """A value for a message. Never pass a credential here."""
    if value is UNSET:
        return "unset"
    if value is UNKNOWN:
        return "unknown at preview"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return repr(value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def describe(resource_type: str, name: str) -> str:
    return f'{resource_type} "{name}"'


UNKNOWN_HINT = (
    "unknown at preview, so compliance cannot be proven and this counts as a violation; give it a value "
    "known before deployment (a literal or stack config), not another resource's output"
)


def fail_closed(validate: Callable[[Any, ReportViolation], None]) -> Callable[[Any, ReportViolation], None]:
    """Report an `UnknownValueError` the validator did not expect as a violation, not an advisory skip."""

    @functools.wraps(validate)
    def wrapper(args: Any, report_violation: ReportViolation) -> None:
        try:
            validate(args, report_violation)
        except UnknownValueError as error:
            urn = getattr(args, "urn", None)
            subject = describe(args.resource_type, args.name) + ": " if hasattr(args, "resource_type") else ""
            report_violation(
                f"{subject}{error.message}: compliance cannot be proven, so this counts as a violation; give it a "
                f"value known before deployment (a literal or stack config), not another resource's output.",
                urn,
            )

    return wrapper

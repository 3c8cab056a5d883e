"""What every check shares: its result, the context it reads, and credentials from the environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ops.common import base_url
from vendor_api import VendorClient
from vendor_api.http import credential_problem

if TYPE_CHECKING:
    from components.settings import Settings

PASS, FAIL, SKIPPED = "pass", "fail", "skipped"


@dataclass(frozen=True)
class Result:
    status: str  # pass | fail | skipped
    reason: str


@dataclass(frozen=True)
class Context:
    stack: str
    settings: Settings  # the stack's validated configuration (Vercel projects, Sentry organisation)


@dataclass(frozen=True)
class Check:
    name: str
    vendor: str
    owner: str
    what: str
    run: Callable[[Context], Result]


class Missing(Exception):
    """A credential or expectation the check needs is not in the environment: the check is skipped."""


class BadSetting(Exception):
    """A variable the check reads is set but unusable: the operator's mistake, reported once (exit 2)."""


def env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise Missing(f"{name} not set")
    problem = credential_problem(value)
    if problem:
        raise BadSetting(f"{name}: holds {problem} (value not shown); allowed: visible ASCII characters only")
    return value


def env_list(name: str) -> list[str]:
    """A comma-separated list from the environment; empty when unset."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def client(vendor: str, default_base: str, hint: str, **auth: object) -> VendorClient:
    return VendorClient(vendor, base_url(vendor, default_base), credential_hint=hint, **auth)  # type: ignore[arg-type]


class UnexpectedAnswer(Exception):
    """The vendor answered, but not in the shape its documentation gives; the check fails saying so."""


def items(body: object, what: str, key: str = "data") -> list[dict]:
    """The list a vendor returns, bare or under `key`."""
    found = body.get(key) if isinstance(body, dict) else body
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise UnexpectedAnswer(f"{what}: expected a list of objects under {key!r}; the API may have changed")
    return found

"""secrets-are-sensitive: a Vercel environment variable that holds a credential is marked sensitive.

Vercel shows and returns a non-sensitive variable's value to anyone with project access; `sensitive`
makes it write-only. The variable's value reaches this policy in plaintext even when it is a Pulumi
secret, so it is inspected (a URL with a password in it, a PEM private key) but never repeated.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from . import tokens
from .props import UNKNOWN, UNKNOWN_HINT, UNSET, describe, fail_closed, get, plain, show

PUBLIC_PREFIX = "NEXT_PUBLIC_"  # inlined into browser bundles by Next.js: public by design

# Words that name a credential wherever they appear in a key (separators ignored), and what they name.
_ANYWHERE = {
    "PASSWORD": "a password",
    "PASSWD": "a password",
    "PASSPHRASE": "a password",
    "SECRET": "a secret",
    "TOKEN": "a token",
    "CREDENTIAL": "a credential",
    "PRIVATE": "a private key",
    "APIKEY": "an API key",
    "ACCESSKEY": "an access key",
}
# Words that name a credential only as a whole word (KEY in STRIPE_KEY, not in MONKEY).
_WHOLE_WORDS = {"KEY": "a key", "PWD": "a password", "PASS": "a password", "DSN": "a DSN", "SALT": "a salt"}
_PUBLIC_KEY_WORDS = {"PUBLIC", "PUBLISHABLE"}  # STRIPE_PUBLISHABLE_KEY is meant for browsers
_STORES = {"DATABASE", "DB", "POSTGRES", "POSTGRESQL", "PG", "MYSQL", "MONGO", "MONGODB", "REDIS", "KV", "AMQP"}
_LOCATORS = {"URL", "URI"}


def credential_in_key(key: str) -> str | None:
    """What credential `key` names ("a token", "a database or Redis connection URL"...), or None."""
    words = [word for word in re.split(r"[^A-Z0-9]+", key.upper()) if word]
    squashed = "".join(words)
    for word, what in _ANYWHERE.items():
        if word in squashed:
            return what
    for word, what in _WHOLE_WORDS.items():
        if word in words and not (word == "KEY" and _PUBLIC_KEY_WORDS.intersection(words)):
            return what
    if _STORES.intersection(words) and _LOCATORS.intersection(words) and "REST" not in words:
        return "a database or Redis connection URL (these embed the password)"
    if "CONNECTION" in words and "STRING" in words:
        return "a connection string"
    return None


def credential_in_value(value: Any) -> str | None:
    """What credential a known value carries, or None. The value itself is never returned."""
    if not isinstance(value, str):
        return None
    if "PRIVATE KEY-----" in value:
        return "a PEM private key"
    if "://" in value:
        try:
            if urlsplit(value.strip()).password:
                return "a URL with an embedded password"
        except ValueError:
            return None
    return None


CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "exemptKeys": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Variable keys that look like credentials but are not (exact, case-insensitive).",
        }
    }
)


def _check(subject: str, variable: Any, exempt: set[str], report: ReportViolation, urn: str, where: str = "") -> None:
    if not isinstance(variable, dict):
        detail = UNKNOWN_HINT if variable is UNKNOWN else f"{show(variable)}, not an object"
        report(f"{subject}: {where or 'the variable'} is {detail}.", urn)
        return
    key, sensitive = get(variable, "key"), get(variable, "sensitive")
    values = [get(variable, "value"), get(variable, "valueWo")]
    label = f"{where}key {key!r}" if isinstance(key, str) else f"{where}key"
    in_value = next((what for what in map(credential_in_value, values) if what), None)

    if isinstance(key, str) and key.upper().startswith(PUBLIC_PREFIX):
        if in_value:
            report(
                f"{subject}: {label} carries {in_value} (value not shown), but {PUBLIC_PREFIX} variables are "
                f"bundled into browser code, where sensitive cannot hide them. Move the credential to a server-only "
                f"variable with sensitive=True.",
                urn,
            )
        return
    if sensitive is True:
        return
    if key is UNKNOWN or key is UNSET:
        report(
            f"{subject}: {where}key is {show(key)}, so whether it holds a credential cannot be decided; "
            f"sensitive is {show(sensitive)}. Set sensitive=True, or give the key a known value.",
            urn,
        )
        return
    if key.upper() in exempt:
        return
    reason = credential_in_key(key)
    why = f"names {reason}" if reason else (f"holds {in_value} (value not shown)" if in_value else None)
    if why is None:
        return
    state = UNKNOWN_HINT if sensitive is UNKNOWN else show(sensitive)
    report(
        f"{subject}: {label} {why}; sensitive is {state}; required true. Set sensitive=True so Vercel never shows "
        f"or returns the value (changing it replaces the variable).",
        urn,
    )


@fail_closed
def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (tokens.VERCEL_ENV_VAR, tokens.VERCEL_SHARED_ENV_VAR, tokens.VERCEL_ENV_VARS):
        return
    subject = describe(args.resource_type, args.name)
    exempt = {str(key).upper() for key in args.get_config().get("exemptKeys", [])}
    props = plain(args.props)
    if args.resource_type != tokens.VERCEL_ENV_VARS:
        _check(subject, props, exempt, report, args.urn)
        return
    variables = get(props, "variables")
    if variables is UNKNOWN or (variables is not UNSET and not isinstance(variables, list)):
        report(f"{subject}: variables is {UNKNOWN_HINT}.", args.urn)
        return
    for index, variable in enumerate([] if variables is UNSET else variables):
        _check(subject, variable, exempt, report, args.urn, where=f"variables[{index}] ")


secrets_are_sensitive = ResourceValidationPolicy(
    name="secrets-are-sensitive",
    display_name="Credentials in Vercel are sensitive variables",
    description=(
        "A Vercel environment variable whose key names a credential (password, secret, token, key, database or "
        "Redis URL, DSN, private key...) or whose value embeds one is sensitive; NEXT_PUBLIC_ variables never "
        "carry one."
    ),
    validate=_validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=CONFIG_SCHEMA,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Set sensitive=True on the variable (and pass its value as a Pulumi secret). If the key only looks like "
        "a credential, security can list it in this policy's exemptKeys config."
    ),
    url="https://vercel.com/docs/environment-variables/sensitive-environment-variables",
)

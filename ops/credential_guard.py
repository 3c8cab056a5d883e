"""`python -m ops.credential_guard --stack dev`: refuse credentials that can reach prod, before anything uses them.

    python -m ops.credential_guard --stack STACK [--project DIR]

The pull-request jobs run it first, from the reviewed base commit, with the `preview-dev` or
`preview-staging` secrets in the environment and before any of the pull request's code (`pulumi install`,
the program) runs. It checks, in this order, and stops at the first problem:

1. the stack files (`account_isolation`): STACK must not name prod's Vercel team or Sentry organisation;
2. each credential the environment holds, by asking its vendor one read-only question about every prod
   stack (`ops.isolation`): can `NEON_API_KEY` see prod's Neon project, can `VERCEL_API_TOKEN` list prod's
   Vercel team or read one of prod's projects, can `UPSTASH_EMAIL` + `UPSTASH_API_KEY` list prod's Upstash
   database, can `SENTRY_AUTH_TOKEN` see prod's Sentry organisation?

A credential that is not set is reported and not asked about (it can reach nothing). Base URLs (tests):
`NEON_API_BASE_URL`, `VERCEL_API_BASE_URL`, `UPSTASH_API_BASE_URL`, `SENTRY_API_BASE_URL`. Nothing secret
is ever printed. docs/delivery.md, "The credential guard".

Exit codes (exit_codes.py): 0 no credential reaches prod; 1 a vendor could not answer (or rejected a
credential), so nothing is proven: the job stops; 2 refused: a credential reaches prod, the stack files
share prod's accounts, STACK is prod or unknown, a credential or base URL is malformed; 130/143 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import exit_codes
from ops.common import OperatorError, base_url, require_env
from ops.isolation import Credentials, Refused, load_stacks, refuse_prod_capable
from vendor_api import VendorAPIError, VendorClient, VendorSettingError, redact

ROOT = Path(__file__).resolve().parent.parent
PROG = "credential_guard"
CREDENTIALS = {
    "NEON_API_KEY": "Neon",
    "VERCEL_API_TOKEN": "Vercel",
    "UPSTASH_EMAIL": "Upstash",
    "UPSTASH_API_KEY": "Upstash",
    "SENTRY_AUTH_TOKEN": "Sentry",
}
UPSTASH_DEFAULT_BASE_URL = "https://api.upstash.com"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ops.credential_guard",
        description="Refuse (exit 2) when a credential in the environment can see a prod stack's resources, "
        "or the stack files put STACK in prod's Vercel team or Sentry organisation. Read-only.",
    )
    parser.add_argument("--stack", required=True, help="the non-prod stack whose credentials these are (dev, ...)")
    parser.add_argument("--project", type=Path, default=ROOT, help="project directory (default: this repository)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = parse_args(argv)
    environ = os.environ if environ is None else environ
    held = {name: environ[name] for name in CREDENTIALS if environ.get(name)}
    try:
        check(args, environ, held)
    except OperatorError as error:
        print(f"{PROG}: {redact(str(error), held.values())}", file=sys.stderr)
        return error.exit_code
    print(f"OK: no credential in the environment reaches a prod stack; stack {args.stack!r} may use them.")
    return exit_codes.OK


def check(args: argparse.Namespace, environ: Mapping[str, str], held: dict[str, str]) -> None:
    from components.settings import SettingsError
    from stack_config import ProjectError

    try:
        settings, prod = load_stacks(args.project.resolve(), args.stack)
    except (ProjectError, SettingsError, Refused) as error:
        raise OperatorError(f"--stack {args.stack}: {error}", exit_codes.USAGE) from None
    if settings.environment == "prod":
        raise OperatorError(
            f"--stack: found {args.stack!r} (environment prod); allowed: a non-prod stack (the guard proves that "
            f"credentials cannot reach prod, which a prod stack's credentials do by design)",
            exit_codes.USAGE,
        )
    if ("UPSTASH_EMAIL" in held) != ("UPSTASH_API_KEY" in held):
        missing = "UPSTASH_API_KEY" if "UPSTASH_EMAIL" in held else "UPSTASH_EMAIL"
        raise OperatorError(f"{missing}: not set, but its pair is; allowed: both or neither", exit_codes.USAGE)
    require_env(dict.fromkeys(held, "a credential"), environ)  # a pasted line break: named, never shown
    print(
        f"Credential guard, stack {args.stack!r}: can these credentials reach prod "
        f"({', '.join(p.stack for p in prod) or 'no prod stack in the project'})?"
    )
    for name in CREDENTIALS:
        if name not in held:
            print(f"  {name}: not set; nothing to ask")
    try:
        credentials = clients(settings.vercel.team, environ, held)
        refuse_prod_capable(credentials, prod, lambda line: print(f"  {redact(line, held.values())}"))
    except Refused as error:
        raise OperatorError(f"{error} Nothing else was asked.", exit_codes.USAGE) from None
    except VendorSettingError as error:
        raise OperatorError(str(error), exit_codes.USAGE) from None
    except VendorAPIError as error:
        raise OperatorError(
            f"{error}\nThe question could not be answered, so nothing is proven; the job stops here.",
            exit_codes.FAILED,
        ) from None


def clients(team: str, environ: Mapping[str, str], held: dict[str, str]) -> Credentials:
    from ops.neon import DEFAULT_BASE_URL as NEON_DEFAULT_BASE_URL
    from ops.neon import NeonApi
    from ops.vercel import DEFAULT_BASE_URL as VERCEL_DEFAULT_BASE_URL
    from ops.vercel import VercelApi

    credentials = Credentials()
    if "NEON_API_KEY" in held:
        credentials.neon = NeonApi(held["NEON_API_KEY"], base_url("Neon", NEON_DEFAULT_BASE_URL, environ))
    if "VERCEL_API_TOKEN" in held:
        vercel_base = base_url("Vercel", VERCEL_DEFAULT_BASE_URL, environ)
        credentials.vercel = VercelApi(held["VERCEL_API_TOKEN"], team, vercel_base)
    if "UPSTASH_API_KEY" in held:
        credentials.upstash = VendorClient(
            "Upstash",
            base_url("Upstash", UPSTASH_DEFAULT_BASE_URL, environ),
            credential_hint="UPSTASH_EMAIL and UPSTASH_API_KEY",
            auth=(held["UPSTASH_EMAIL"], held["UPSTASH_API_KEY"]),
        )
    if "SENTRY_AUTH_TOKEN" in held:
        credentials.sentry_token = held["SENTRY_AUTH_TOKEN"]
        credentials.sentry_base_url = environ.get("SENTRY_API_BASE_URL", "").strip() or None
    return credentials


if __name__ == "__main__":
    exit_codes.run_command(main, PROG)

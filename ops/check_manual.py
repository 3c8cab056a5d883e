"""`python -m ops.check_manual`: is the manual configuration in place? Read-only, one line per check.

    python -m ops.check_manual [--stack prod] [--only resend,mux,clerk,vercel,sentry,upstash or check names]

Every check reads one vendor API (never writes) and reports pass, fail, or skipped with the reason (a
credential or expectation not set). The registry, with steps and owners, is docs/manual-configuration.md.

Environment: credentials `RESEND_API_KEY`, `MUX_TOKEN_ID` + `MUX_TOKEN_SECRET`, `CLERK_SECRET_KEY`,
`VERCEL_API_TOKEN`, `SENTRY_AUTH_TOKEN`, `UPSTASH_EMAIL` + `UPSTASH_API_KEY`; expectations `RESEND_DOMAINS`
(comma-separated; default: every domain on the account), `CLERK_ORG_ROLES` (comma-separated role keys); base
URLs `<VENDOR>_API_BASE_URL`
(e.g. `RESEND_API_BASE_URL`); retries' backoff `VENDOR_API_BACKOFF_FACTOR`.

Exit codes (exit_codes.py): 0 nothing failed (passed or skipped); 1 a check failed; 2 bad arguments, stack
configuration, a base URL that is not https, a malformed tuning variable, or a credential with a line break
or a character outside ASCII (named, never shown); 130/143 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import exit_codes
from ops.checks import clerk, mux, resend, sentry_scrubbing, upstash_retention, vercel_domains, vercel_git
from ops.checks.base import FAIL, PASS, SKIPPED, BadSetting, Check, Context, Missing, Result, UnexpectedAnswer
from vendor_api import VendorAPIError, VendorSettingError
from vendor_api.http import backoff_factor, deadline_seconds

CHECKS: tuple[Check, ...] = (
    *resend.CHECKS,
    *mux.CHECKS,
    *clerk.CHECKS,
    *vercel_git.CHECKS,
    *vercel_domains.CHECKS,
    *sentry_scrubbing.CHECKS,
    *upstash_retention.CHECKS,
)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = exit_codes.OK, exit_codes.FAILED, exit_codes.USAGE
LABELS = {PASS: "PASS", FAIL: "FAIL", SKIPPED: "SKIPPED"}


class UsageError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.check_manual",
        description="Read-only checks that the manual configuration (docs/manual-configuration.md) is in place.",
    )
    parser.add_argument("--stack", default="prod", help="whose Vercel projects and Sentry organisation (default: prod)")
    parser.add_argument("--only", metavar="NAMES", help="comma-separated vendors or check names")
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="project directory (default: .)")
    args = parser.parse_args(argv)
    try:
        selected = select(args.only)
        context = load_context(args.project, args.stack)
        backoff_factor(), deadline_seconds()  # malformed tuning variables: one message, before any check
        results = [(check, run(check, context)) for check in selected]
    except (UsageError, BadSetting, VendorSettingError) as exc:
        print(f"check_manual: {exc}", file=sys.stderr)
        return EXIT_USAGE
    width = max(len(check.name) for check, _ in results)
    owners = max(len(check.owner) for check, _ in results)
    print(f"Manual configuration, stack {args.stack} (registry: docs/manual-configuration.md)")
    for check, result in results:
        label = LABELS[result.status]
        print(f"  {label:<8} {check.name:<{width}}  {check.owner:<{owners}}  {result.reason}")
    counts = {status: sum(r.status == status for _, r in results) for status in LABELS}
    print(f"{len(results)} checks: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[SKIPPED]} skipped")
    return EXIT_FAILED if counts[FAIL] else EXIT_OK


def select(only: str | None) -> list[Check]:
    if not only:
        return list(CHECKS)
    wanted = [item.strip() for item in only.split(",") if item.strip()]
    known = {c.name for c in CHECKS} | {c.vendor for c in CHECKS}
    unknown = [item for item in wanted if item not in known]
    if unknown or not wanted:
        raise UsageError(
            f"--only: found {', '.join(unknown) or repr(only)}; allowed: "
            f"{', '.join(sorted({c.vendor for c in CHECKS}))} or {', '.join(c.name for c in CHECKS)}"
        )
    return [c for c in CHECKS if c.name in wanted or c.vendor in wanted]


def load_context(project_dir: Path, stack: str) -> Context:
    from components.settings import SettingsError, settings_from_stack_config
    from stack_config import Project, ProjectError

    try:
        config = Project.load(project_dir.resolve()).stack_config(stack)
        return Context(stack, settings_from_stack_config(config.values, stack))
    except (ProjectError, SettingsError) as exc:
        raise UsageError(f"--stack {stack}: {exc}") from None


def run(check: Check, context: Context) -> Result:
    try:
        return check.run(context)
    except Missing as exc:
        return Result(SKIPPED, str(exc))
    except VendorSettingError:
        raise  # a base URL or tuning variable: the operator's to fix, not the vendor's answer
    except VendorAPIError as exc:
        return Result(FAIL, str(exc))
    except UnexpectedAnswer as exc:
        return Result(FAIL, f"{check.vendor} API: {exc}")


if __name__ == "__main__":
    exit_codes.run_command(main, "check_manual")

"""A pull request's preview environment: its own Neon branch (in Sydney) wired to the dev sites' previews.

    python -m ops.preview_env create  --pr N --branch GIT_BRANCH [--stack dev] [--report FILE] [--comment FILE]
    python -m ops.preview_env delete  --pr N --branch GIT_BRANCH [--stack dev] [--report FILE] [--comment FILE]
    python -m ops.preview_env cleanup --open-prs "N M ..."        [--stack dev] [--report FILE]

`create` makes the Neon branch `preview/pr-N` in the stack's Neon project (refused outside Australia):
copied from `neon.previews.parentBranch` (default: the default branch) as `neon.previews.data` says
(default: schema only, no data), expiring `neon.previews.expiryDays` (default 7) after the last push,
with a read-write endpoint and the app's role and database. The role gets a password of its own on this
branch, and each dev site's Vercel project a sensitive `DATABASE_URL` preview variable scoped to
GIT_BRANCH. `delete` removes the variables, then the branch. `cleanup` removes what belongs to pull
requests that are not open, and what has expired. Every command first refuses credentials that can see a
prod stack's Neon project or Vercel projects. Run again, any command resumes where it stopped and
changes nothing that is already right. Nothing secret is ever printed. See docs/previews.md.

Credentials: NEON_API_KEY, VERCEL_API_TOKEN (dev only). Base URLs: NEON_API_BASE_URL, VERCEL_API_BASE_URL.

Exit codes: 0 done (or nothing to do); 1 failed before changing anything (a vendor error, printed);
2 refused or a usage error: arguments, stack configuration, missing or prod-capable credentials, a Neon
project outside Australia, a branch the command does not own; nothing was changed; 3 failed part-way:
run the same command again, it resumes (a bug too: one message, its redacted traceback in a file); 130
Ctrl-C and 143 SIGTERM, saying to run it again (exit_codes.py).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
from pathlib import Path

import exit_codes
from ops.common import Console, OperatorError, base_url, require_env
from ops.isolation import Refused, load_stacks
from ops.neon import DEFAULT_BASE_URL as NEON_DEFAULT_BASE_URL
from ops.neon import NeonApi, wait_seconds
from ops.preview.environment import Outcome, PreviewEnvironment
from ops.vercel import DEFAULT_BASE_URL as VERCEL_DEFAULT_BASE_URL
from ops.vercel import VercelApi
from vendor_api import VendorAPIError, VendorSettingError, redact

ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_NOTHING_CHANGED, EXIT_USAGE, EXIT_PART_WAY = 0, 1, 2, 3
CREDENTIALS = {
    "NEON_API_KEY": "a project-scoped Neon API key for the dev stack's project (never one that sees prod)",
    "VERCEL_API_TOKEN": "a Vercel token scoped to the dev projects' team (never one that sees prod)",
}
COMMENT_MARKER = "<!-- motion-mavericks:preview-env -->"
MAX_PR = 10_000_000
# Vercel's `gitBranch` takes up to 250 characters. The set keeps the name safe in a URL, a Neon
# branch's comment and markdown; it covers git's usual names (feature/x, dependabot/npm_and_yarn/y-1.2).
GIT_BRANCH = re.compile(r"^(?!-)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/+#@-]{1,250}(?<![/.])$")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ops.preview_env",
        description="A pull request's preview environment: its own Neon branch and branch-scoped Vercel preview "
        "variables (docs/previews.md). Credentials come from the environment: " + ", ".join(CREDENTIALS) + ".",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{create,delete,cleanup}")
    for name, text in (
        ("create", "create or bring up to date the pull request's Neon branch and preview variables"),
        ("delete", "remove the pull request's preview variables, then its Neon branch"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--pr", required=True, type=_pr, help="the pull request's number")
        command.add_argument("--branch", required=True, type=_git_branch, help="the pull request's head branch")
        _common(command, comment=True)
    cleanup = commands.add_parser(
        "cleanup", help="remove preview branches and variables of closed pull requests, and expired ones"
    )
    cleanup.add_argument(
        "--open-prs",
        required=True,
        type=_pr_list,
        help='the numbers of the open pull requests, separated by spaces or commas ("" when none is open)',
    )
    _common(cleanup, comment=False)
    return parser.parse_args(argv)


def _common(command: argparse.ArgumentParser, *, comment: bool) -> None:
    command.add_argument("--stack", default="dev", help="a stack whose projects build previews (default: dev)")
    command.add_argument("--report", type=Path, help="write what was done as JSON to this file (no secret)")
    if comment:
        command.add_argument("--comment", type=Path, help="write the pull request's comment (markdown) here")


def _pr(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,8}", text) or not 0 < int(text) < MAX_PR:
        raise argparse.ArgumentTypeError(f"found {text[:40]!r}; allowed: a pull request number from 1 to {MAX_PR - 1}")
    return int(text)


def _pr_list(text: str) -> set[int]:
    return {_pr(part) for part in re.split(r"[\s,]+", text.strip()) if part}


def _git_branch(text: str) -> str:
    if not GIT_BRANCH.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"found {text[:60]!r}; allowed: 1 to 250 of A-Z a-z 0-9 . _ / + # @ -, not starting with '-', "
            f"without '..' or '//', not ending with '/' or '.'"
        )
    return text


def load_settings(stack: str):
    """The stack's settings, and where every prod stack's resources are (to refuse credentials reaching them)."""
    from components.settings import PREVIEW_ENVIRONMENTS, SettingsError
    from stack_config import ProjectError

    try:
        settings, prod = load_stacks(ROOT, stack)
        if not settings.builds_previews:
            raise OperatorError(
                f"--stack: found {stack!r} (environment {settings.environment}); its Vercel projects build no "
                f"previews; allowed: a stack whose environment is {' or '.join(PREVIEW_ENVIRONMENTS)}",
                EXIT_USAGE,
            )
    except (ProjectError, SettingsError, Refused) as error:
        raise OperatorError(str(error), EXIT_USAGE) from None
    return settings, prod


def run(args: argparse.Namespace, console: Console, environ: dict[str, str]) -> Outcome:
    settings, prod = load_settings(args.stack)
    credentials = require_env(CREDENTIALS, environ)
    console.hide(*credentials.values())
    try:
        wait = wait_seconds(environ)
        neon = NeonApi(credentials["NEON_API_KEY"], base_url("Neon", NEON_DEFAULT_BASE_URL, environ), wait)
        vercel = VercelApi(
            credentials["VERCEL_API_TOKEN"],
            settings.vercel.team,
            base_url("Vercel", VERCEL_DEFAULT_BASE_URL, environ),
        )
    except (ValueError, VendorAPIError) as error:
        raise OperatorError(str(error), EXIT_USAGE) from None
    preview = PreviewEnvironment(args.stack, settings, neon, vercel, console.say, console.hide)
    try:
        preview.refuse_prod_capable_credentials(prod)
        if args.command == "create":
            outcome = preview.create(args.pr, args.branch)
        elif args.command == "delete":
            outcome = preview.delete(args.pr, args.branch)
        else:
            outcome = preview.cleanup(args.open_prs)
    except (Refused, VendorSettingError) as error:
        raise OperatorError(str(error), EXIT_USAGE) from None
    except VendorAPIError as error:
        if preview.outcome.changed:
            raise OperatorError(
                f"{error}\nStopped part-way: some changes were made. Run the same command again; it resumes and "
                f"changes nothing that is already right.",
                EXIT_PART_WAY,
            ) from None
        raise OperatorError(f"{error}\nNothing was changed.", EXIT_NOTHING_CHANGED) from None
    return outcome


def comment(outcome: Outcome) -> str:
    """The pull request's comment: the branch and its expiry, never a secret."""
    r = outcome.report
    if r["command"] == "delete":
        return (
            f"{COMMENT_MARKER}\n### Preview database removed\n\n"
            f"The pull request is closed: its Neon branch `{r['neonBranch']}` and the `DATABASE_URL` preview "
            f"variables for branch `{r['gitBranch']}` were removed.\n"
        )
    data = "schema only, no rows" if r["data"] == "schema-only" else "schema and data"
    return (
        f"{COMMENT_MARKER}\n### Preview database\n\n"
        f"This pull request's Vercel previews ({', '.join(f'`{p}`' for p in r['vercelProjects'])}) use their own "
        f"Neon branch.\n\n"
        f"| | |\n|---|---|\n"
        f"| Neon branch | `{r['neonBranch']}` (`{r['neonBranchId']}`) in project `{r['neonProject']}`, "
        f"region `{r['neonRegion']}` |\n"
        f"| Copied from | `{r['copiedFrom']}`: {data} |\n"
        f"| Expires | {r['expiresAt']} (renewed by each push; deleted when the pull request closes) |\n\n"
        f"The connection string is the sensitive Vercel preview variable `DATABASE_URL` for branch "
        f"`{r['gitBranch']}`; it is not shown here. Push a commit (or redeploy) for a preview to pick it up.\n"
    )


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    forget = exit_codes.on_interrupt(
        lambda: console.fail("interrupted; run the same command again: it resumes where it stopped")
    )
    try:
        outcome = run(args, console, dict(os.environ if environ is None else environ))
    except OperatorError as error:
        console.fail(str(error))
        return error.exit_code
    except Exception as error:  # a bug in this command: one message, its traceback (redacted) in a file
        scrub = functools.partial(redact, secrets=console.secrets)
        message = exit_codes.internal_error("preview_env", error, scrub)
        console.fail(f"{message}. Run the same command again: it resumes where it stopped")
        return EXIT_PART_WAY
    finally:
        forget()
    if args.report:
        args.report.write_text(json.dumps(outcome.report, indent=2) + "\n", encoding="utf-8")
    if getattr(args, "comment", None):
        args.comment.write_text(comment(outcome), encoding="utf-8")
    if not outcome.changed:
        console.say("Nothing to change.")
    return EXIT_OK


if __name__ == "__main__":
    exit_codes.run_command(main, "preview_env")

"""`python -m preflight register append DIFF.json --pr N ...`: record a merged change in the compliance register.

One row per impacting change of the diff (`stacks[].impacts`, see preflight/diff.py) is appended to the
register's table (default `docs/compliance/register.md`): date, stack, change, classification, the pull
request and its approver(s). A stack that could not be evaluated gets one row, classified `unassessed`,
so that a gap in the evidence is itself on the record. Appending is idempotent per pull request (or per
commit, for a change pushed without one): if the register already names it, nothing is written.

Approvers come from `--approver LOGIN` (repeatable) or from `--reviews FILE`, the pull request's reviews
as GitHub's API returns them (`gh api --paginate repos/O/R/pulls/N/reviews`: a JSON array, arrays of
pages, or one review per line): a reviewer approved if their latest approving-or-blocking review is
APPROVED. No approver at all is recorded as such, never invented.

Exit codes: 0 appended, or nothing to append; 2 bad arguments, an unreadable diff or register.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from preflight.diff import SCHEMA_VERSION as DIFF_SCHEMA_VERSION

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_REGISTER = Path("docs/compliance/register.md")
HEADER = "| Date | Stack | Change | Classification | Pull request | Approver |"
SEPARATOR = "|---|---|---|---|---|---|"
PR_COLUMN = 4  # zero-based, among the six cells
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
SHA = re.compile(r"^[0-9a-f]{7,40}$")
NO_APPROVER = "none (no approving review)"
UNASSESSED = "unassessed"
DECIDING_STATES = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


class RegisterError(Exception):
    """A user's mistake or an unusable file; the message names it and what is allowed."""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m preflight register",
        description="The compliance register: one row per impacting change, appended on merge.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="append")
    append = commands.add_parser(
        "append",
        help="append a merged diff's impacting changes",
        description="Append one row per impacting change in DIFF.json (from `python -m preflight diff --json`).",
    )
    append.add_argument("diff", type=Path, metavar="DIFF.json")
    which = append.add_mutually_exclusive_group(required=True)
    which.add_argument("--pr", metavar="N", help="the merged pull request's number")
    which.add_argument("--commit", metavar="SHA", help="a change pushed without a pull request: its commit")
    append.add_argument("--pr-url", metavar="URL", help="link the pull request (or commit) to this URL")
    append.add_argument("--approver", action="append", default=[], metavar="LOGIN", help="approver (repeatable)")
    append.add_argument("--reviews", type=Path, metavar="FILE", help="the pull request's reviews from GitHub's API")
    append.add_argument("--date", metavar="YYYY-MM-DD", help="the merge date (default: today, UTC)")
    append.add_argument("--register", type=Path, default=DEFAULT_REGISTER, help=f"default: {DEFAULT_REGISTER}")
    args = parser.parse_args(argv)
    try:
        return _append(args)
    except RegisterError as exc:
        print(f"preflight register: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _append(args: argparse.Namespace) -> int:
    key, reference = _reference(args)
    approvers = _approvers(args)
    date = _date(args.date)
    diff = _load_diff(args.diff)
    lines = _read_register(args.register)
    if any(_names(line, key) for line in lines[lines.index(HEADER) + 2 :]):
        print(f"{args.register} already records {key}; nothing appended")
        return EXIT_OK
    rows = [_row(date, stack, change, classes, reference, approvers) for stack, change, classes in entries(diff)]
    if not rows:
        print(f"no impacting change in {args.diff}; {args.register} unchanged")
        return EXIT_OK
    text = "\n".join(lines).rstrip("\n") + "\n" + "\n".join(rows) + "\n"
    args.register.write_text(text, encoding="utf-8")
    print(f"appended {len(rows)} entr{'y' if len(rows) == 1 else 'ies'} for {key} to {args.register}")
    return EXIT_OK


def entries(diff: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(stack, change, classification) for every impacting change, and for every stack not assessed."""
    found = []
    for stack in diff["stacks"]:
        if stack["change"] == "not-comparable":
            change = f"changes not assessed: the stack {stack['note']}"
            found.append((stack["name"], change, UNASSESSED))
        for impact in stack["impacts"]:
            found.append((stack["name"], impact["change"], ", ".join(impact["classes"])))
    return found


def _reference(args: argparse.Namespace) -> tuple[str, str]:
    if args.pr is not None:
        if not args.pr.isdigit() or int(args.pr) < 1:
            raise RegisterError(f"--pr: found {args.pr!r}; allowed: a pull request number (1, 2, ...)")
        key = f"#{int(args.pr)}"
    else:
        if not SHA.match(args.commit):
            raise RegisterError(f"--commit: found {args.commit!r}; allowed: a commit SHA (7 to 40 hex digits)")
        key = f"commit {args.commit[:12]}"
    if args.pr_url is not None and not re.match(r"^https://[^\s|()\[\]]+$", args.pr_url):
        raise RegisterError(f"--pr-url: found {args.pr_url!r}; allowed: an https:// URL without spaces or brackets")
    return key, f"[{key}]({args.pr_url})" if args.pr_url else key


def _approvers(args: argparse.Namespace) -> list[str]:
    logins = list(args.approver)
    if args.reviews is not None:
        logins += approvers_from_reviews(args.reviews)
    elif not logins:
        raise RegisterError("who approved: give --approver LOGIN (repeatable) or --reviews FILE")
    for login in logins:
        if not LOGIN.match(login):
            raise RegisterError(f"--approver: found {login!r}; allowed: a GitHub login (letters, digits, '-')")
    return list(dict.fromkeys(logins))


def approvers_from_reviews(path: Path) -> list[str]:
    """Logins whose latest approving or blocking review is an approval, in the order they reviewed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegisterError(f"--reviews {path}: cannot be read ({exc.strerror})") from None
    try:
        parsed = json.loads(text) if text.strip() else []
        reviews = parsed if isinstance(parsed, list) else [parsed]
    except ValueError:
        try:
            reviews = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise RegisterError(f"--reviews {path}: not JSON ({exc}); expected GitHub's list of reviews") from None
    flat = [r for item in reviews for r in (item if isinstance(item, list) else [item])]
    latest: dict[str, str] = {}
    for review in flat:
        login = (review.get("user") or {}).get("login") if isinstance(review, dict) else None
        state = review.get("state") if isinstance(review, dict) else None
        if not isinstance(login, str) or not isinstance(state, str):
            raise RegisterError(f"--reviews {path}: found {str(review)[:80]!r}; each review needs user.login and state")
        if state in DECIDING_STATES:
            latest.pop(login, None)  # keep the order of each reviewer's latest decision
            latest[login] = state
    return [login for login, state in latest.items() if state == "APPROVED"]


def _date(text: str | None) -> str:
    if text is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise RegisterError(f"--date: found {text!r}; allowed: a calendar date as YYYY-MM-DD")


def _load_diff(path: Path) -> dict[str, Any]:
    try:
        diff = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegisterError(f"diff {path}: no such file") from None
    except OSError as exc:
        raise RegisterError(f"diff {path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise RegisterError(f"diff {path}: not JSON ({exc}); expected `python -m preflight diff --json`") from None
    version = diff.get("schemaVersion") if isinstance(diff, dict) else None
    if version != DIFF_SCHEMA_VERSION or not isinstance(diff.get("stacks"), list):
        raise RegisterError(
            f"diff {path}: schemaVersion: found {version!r}; allowed: {DIFF_SCHEMA_VERSION} "
            "(a diff written by `python -m preflight diff --json FILE`)"
        )
    return diff


def _read_register(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise RegisterError(f"--register {path}: no such file; the register starts from its committed header") from None
    except OSError as exc:
        raise RegisterError(f"--register {path}: cannot be read ({exc.strerror})") from None
    if HEADER not in lines:
        raise RegisterError(f"--register {path}: not a register; its table header {HEADER!r} is missing")
    start = lines.index(HEADER)
    body = lines[start + 1 :]
    while body and not body[-1].strip():
        body.pop()
    if not body or body[0] != SEPARATOR or any(not line.startswith("|") for line in body):
        raise RegisterError(f"--register {path}: the table must end the file, header then {SEPARATOR!r} then rows")
    return lines[: start + 1] + body


def _names(line: str, key: str) -> bool:
    """Whether a register row's pull request cell is `key` (`#42`, or `[#42](url)`)."""
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    cell = cells[PR_COLUMN] if len(cells) > PR_COLUMN else ""
    return cell == key or cell.startswith(f"[{key}]")


def _row(date: str, stack: str, change: str, classes: str, reference: str, approvers: list[str]) -> str:
    approved = ", ".join(f"@{login}" for login in approvers) or NO_APPROVER
    cells = (date, stack, change, classes, reference, approved)
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")

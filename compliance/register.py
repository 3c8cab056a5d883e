"""`python -m compliance register append DIFF.json --pr N ...`: record a merged change in the compliance register.

One row per impacting change of the diff (`stacks[].impacts`, see compliance/diff.py) is appended to the
register's table (default `docs/compliance/register.md`): date, stack, change, classification, the pull
request and its approver(s). A stack that could not be evaluated gets one row, classified `unassessed`,
so that a gap in the evidence is itself on the record. Appending is idempotent per pull request (or per
commit, for a change pushed without one): if the register already names it, nothing is written.

Approvers come from `--approver LOGIN` (repeatable) or from `--reviews FILE`, the pull request's reviews
as GitHub's API returns them (`gh api --paginate repos/O/R/pulls/N/reviews`: a JSON array, arrays of
pages, or one review per line): a reviewer approved if their latest approving-or-blocking review is
APPROVED. No approver at all is recorded as such, never invented.

The register is committed to `main` by an app that bypasses branch protection, and what it records comes
from the pull request's program: every cell is inert markdown on one line (compliance/markdown.py). An
impact's `change` is made inert by the diff; here it is only kept to its cell.

Exit codes: 0 appended, or nothing to append; 2 bad arguments, or a diff, reviews or register file that
cannot be used (the message names the file and the key).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from compliance.classification import CLASSES
from compliance.diff import SCHEMA_VERSION as DIFF_SCHEMA_VERSION
from compliance.markdown import one_line, text
from compliance.reports import ReportError, check_schema, json_type, read_json

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_REGISTER = Path("docs/compliance/register.md")
HEADER = "| Date | Stack | Change | Classification | Pull request | Approver |"
SEPARATOR = "|---|---|---|---|---|---|"
PR_COLUMN = 4  # zero-based, among the six cells
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
SHA = re.compile(r"^[0-9a-f]{7,40}$")
PR_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%/-]*)?$")  # nothing markdown reads
NO_APPROVER = "none (no approving review)"
UNASSESSED = "unassessed"
DECIDING_STATES = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


# What the register reads of a diff (compliance/schema/diff-v1.json has the whole of it).
DIFF_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schemaVersion", "stacks"],
    "properties": {
        "schemaVersion": {"const": DIFF_SCHEMA_VERSION},
        "stacks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "change", "note", "impacts"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "change": {"enum": ["added", "removed", "changed", "unchanged", "not-comparable"]},
                    "note": {"type": "string"},
                    "impacts": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["change", "classes"],
                            "properties": {
                                "change": {"type": "string", "minLength": 1},
                                "classes": {
                                    "type": "array",
                                    "minItems": 1,
                                    "uniqueItems": True,
                                    "items": {"enum": list(CLASSES)},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


class RegisterError(Exception):
    """A user's mistake or an unusable file; the message names it and what is allowed."""


def main(argv: list[str], prog: str = "python -m compliance register") -> int:
    name = prog.removeprefix("python -m ")
    parser = argparse.ArgumentParser(
        prog=prog,
        description="The compliance register: one row per impacting change, appended on merge.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="append")
    append = commands.add_parser(
        "append",
        help="append a merged diff's impacting changes",
        description="Append one row per impacting change in DIFF.json (from `python -m compliance diff --json`).",
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
        print(f"{name}: {exc}", file=sys.stderr)
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
            change = f"changes not assessed: the stack {text(stack['note'])}"
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
    if args.pr_url is not None and not PR_URL.match(args.pr_url):
        raise RegisterError(
            f"--pr-url: found {args.pr_url!r}; allowed: an https:// URL of letters, digits and . _ ~ % / - only"
        )
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
    latest: dict[str, str] = {}
    for where, review in _reviews(path):
        if not isinstance(review, dict):
            found = json_type(review)
            raise RegisterError(f"--reviews {path}: {where}: found a JSON {found}; expected a review object")
        user = review.get("user")
        login = user.get("login") if isinstance(user, dict) else None
        state = review.get("state")
        if user is None or not isinstance(login, str):
            found = "no user" if user is None else f"user {_shown(user)}"
            raise RegisterError(
                f"--reviews {path}: {where}.user.login: found {found}; allowed: the reviewer's GitHub login "
                "(as GitHub's API returns reviews)"
            )
        if not isinstance(state, str):
            raise RegisterError(
                f"--reviews {path}: {where}.state: found {_shown(state)}; allowed: a review state such as "
                "APPROVED, CHANGES_REQUESTED, COMMENTED or DISMISSED"
            )
        if state in DECIDING_STATES:
            latest.pop(login, None)  # keep the order of each reviewer's latest decision
            latest[login] = state
    return [login for login, state in latest.items() if state == "APPROVED"]


def _reviews(path: Path) -> list[tuple[str, Any]]:
    """(where, review) for each review in the file: a JSON array, arrays of pages, or one review per line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RegisterError(f"--reviews {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterError(f"--reviews {path}: not UTF-8 text (byte {exc.start}); expected GitHub's reviews") from None
    if not content.strip():
        return []
    try:
        parsed = json.loads(content)
        documents = [("", parsed)]
    except ValueError:
        documents = []
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                documents.append((f"line {number}", json.loads(line)))
            except ValueError as exc:
                raise RegisterError(
                    f"--reviews {path}: line {number}: not JSON ({exc}); expected GitHub's list of reviews "
                    "(a JSON array, arrays of pages, or one review per line)"
                ) from None
    found: list[tuple[str, Any]] = []
    for prefix, document in documents:
        items = document if isinstance(document, list) else [document]
        for index, item in enumerate(items):
            where = f"{prefix}[{index}]" if isinstance(document, list) else prefix or "(top level)"
            if isinstance(item, list):  # a page of reviews (`gh api --paginate` without --jq)
                found += [(f"{where}[{inner}]", review) for inner, review in enumerate(item)]
            else:
                found.append((where, item))
    return found


def _shown(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=True)
    return shown if len(shown) <= 60 else shown[:57] + "..."


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
    where = f"diff {path}"
    try:
        diff = read_json(path, where, "a diff written by `python -m compliance diff --json FILE`")
    except ReportError as exc:
        raise RegisterError(str(exc)) from None
    version = diff.get("schemaVersion") if isinstance(diff, dict) else None
    if version != DIFF_SCHEMA_VERSION:
        raise RegisterError(
            f"{where}: schemaVersion: found {version!r}; allowed: {DIFF_SCHEMA_VERSION} "
            "(a diff written by `python -m compliance diff --json FILE`)"
        )
    try:
        check_schema(diff, DIFF_INPUT_SCHEMA, where, "diff (compliance/schema/diff-v1.json)")
    except ReportError as exc:
        raise RegisterError(str(exc)) from None
    return diff


def _read_register(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise RegisterError(f"--register {path}: no such file; the register starts from its committed header") from None
    except UnicodeDecodeError as exc:
        raise RegisterError(f"--register {path}: not UTF-8 text (byte {exc.start}); expected the register") from None
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
    # Ours, or checked above: date, classes, reference, approvers. From the report: the stack's name, and
    # the change, which the diff made inert and which only has to stay in its cell.
    cells = (date, text(stack), _in_cell(change), classes, reference, approved)
    return "| " + " | ".join(cells) + " |"


def _in_cell(markdown: str) -> str:
    """Inline markdown kept to one table cell: one line, and every `|` escaped that is not already."""
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", one_line(markdown))
